"""Who signed it: electronic signatures (TTE, PAdES) in PDF attachments, validated."""
