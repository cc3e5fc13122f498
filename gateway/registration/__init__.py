"""Registration: a letter into the buku agenda (gapless number, files, sources) and its receipt."""
