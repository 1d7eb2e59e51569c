"""Read what a sentence-transformers folder says about its model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker_rag.errors import ConfigurationError

_POOLING_MODES = {
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len",
}


@dataclass(frozen=True)
class ModelFolder:
    """A local model folder: where its transformer lives and how it pools."""

    path: Path
    transformer_dir: Path
    max_tokens: int
    pooling: str

    @classmethod
    def read(cls, path: Path) -> ModelFolder:
        """Read the folder's module list, length limit and pooling settings."""
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ConfigurationError(
                f"embedding model folder {path} holds no sentence-transformers "
                "model (no modules.json or config.json)"
            )
        modules = _read_json(path / "modules.json", default=[])
        transformer_dir = path
        pooling = "mean"
        for module in modules:
            kind = str(module.get("type", ""))
            module_dir = path / str(module.get("path", ""))
            if kind.endswith(".Transformer"):
                transformer_dir = module_dir
            elif kind.endswith(".Pooling"):
                pooling = _pooling_mode(module_dir / "config.json")
        sentence_config = _read_json(path / "sentence_bert_config.json", default={})
        max_tokens = int(sentence_config.get("max_seq_length") or 512)
        return cls(path, transformer_dir, max_tokens, pooling)

    @property
    def tokenizer_file(self) -> Path:
        """The fast tokenizer's single-file description."""
        return self.transformer_dir / "tokenizer.json"

    @property
    def config(self) -> dict[str, Any]:
        """The transformer's own configuration."""
        config: dict[str, Any] = _read_json(
            self.transformer_dir / "config.json", default={}
        )
        return config


def _pooling_mode(config_file: Path) -> str:
    config = _read_json(config_file, default={})
    for key, mode in _POOLING_MODES.items():
        if config.get(key):
            return mode
    return "mean"


def _read_json(path: Path, default: Any) -> Any:
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read model file {path}: {exc}") from exc
