"""Microsoft Graph Data Connect itself, driven through Azure Data Factory (see source.py)."""
