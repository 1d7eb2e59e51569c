"""Generative backends: a chat model behind one interface, built from the settings."""
