"""The archive (arsip): KKA classification codes, retention, disposal lists and export packages."""
