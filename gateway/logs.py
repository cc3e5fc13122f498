"""Log output: text or JSON lines, with the letter a line is about."""
