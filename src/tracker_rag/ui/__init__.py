"""The Gradio chat UI, mounted on the API's FastAPI app."""
