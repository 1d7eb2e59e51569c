"""Retrieve: dense and keyword rankings, fused, under filters."""
