"""The `tracker-rag` command line."""
