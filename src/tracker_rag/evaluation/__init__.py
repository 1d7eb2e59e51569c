"""Measure answers and retrieval on eval datasets; nothing at run time imports it."""
