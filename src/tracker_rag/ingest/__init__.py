"""Ingest: read corpus files into documents and split them into chunks."""
