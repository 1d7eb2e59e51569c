"""Index: embed chunks and keep them in Chroma and a keyword index."""
