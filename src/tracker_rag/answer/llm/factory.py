"""Build the configured chat backend from the settings."""

from __future__ import annotations

from tracker_rag.answer.llm.backend import ChatBackend
from tracker_rag.answer.llm.bundled_model import bundled_model_file
from tracker_rag.errors import ConfigurationError
from tracker_rag.settings import Settings


def build_backend(settings: Settings) -> ChatBackend | None:
    """The backend that `settings.generator` names, or None for extractive answers.

    Raises:
        ConfigurationError: A setting the backend needs is missing or wrong.
        ModelFileError: The bundled model cannot be assembled and checked.
    """
    if settings.generator == "extractive":
        return None
    if settings.generator == "openai":
        from tracker_rag.answer.llm.openai_backend import OpenAICompatibleBackend

        if not settings.llm_base_url:
            raise ConfigurationError(
                "TRACKER_RAG_GENERATOR=openai needs TRACKER_RAG_LLM_BASE_URL"
            )
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return OpenAICompatibleBackend(
            settings.llm_base_url,
            settings.llm_model,
            key,
            settings.llm_connect_timeout,
            settings.llm_timeout,
            settings.llm_stall_timeout,
        )
    from tracker_rag.answer.llm.llama_cpp_backend import LlamaCppBackend

    model_path = settings.llm_model_path or bundled_model_file(settings.models_dir)
    return LlamaCppBackend(
        model_path, settings.llm_context_tokens, settings.llm_threads
    )
