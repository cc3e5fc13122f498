"""Who really sent a letter: SPF, DKIM, ARC and DMARC checked by the gateway itself."""
