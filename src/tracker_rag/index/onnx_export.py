"""Export a model folder's transformer to ONNX once, and keep the file."""

from __future__ import annotations

import logging
import os
import tempfile
import time
import warnings
from pathlib import Path

from tracker_rag.errors import ConfigurationError
from tracker_rag.index.model_folder import ModelFolder
from tracker_rag.index.offline import force_offline

logger = logging.getLogger(__name__)

EXPORT_VERSION = 1
# Architectures whose attention onnxruntime's BERT optimiser knows how to fuse.
_FUSABLE = frozenset({"bert", "roberta", "xlm-roberta", "mpnet", "electra"})


def exported_model_file(folder: ModelFolder, fingerprint: str, cache_dir: Path) -> Path:
    """The model's ONNX file under `cache_dir`, exported now if it is missing.

    The file is named by the model's fingerprint, so every index and process
    using the same model shares one export. It is written under a temporary
    name and renamed, so a process that stops midway leaves no broken file.
    """
    target = cache_dir / f"onnx-v{EXPORT_VERSION}-{fingerprint}" / "model.onnx"
    if target.exists():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the model cache folder {target.parent}: {exc}; "
            "set TRACKER_RAG_MODEL_CACHE_DIR to a writable folder"
        ) from exc

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        raw = Path(work) / "raw.onnx"
        optimised = Path(work) / "model.onnx"
        _export(folder, raw)
        _optimise(folder, raw, optimised)
        os.replace(optimised, target)
    logger.info(
        "exported %s to ONNX in %.1f s: %s",
        folder.path.name,
        time.perf_counter() - started,
        target,
    )
    return target


def _export(folder: ModelFolder, target: Path) -> None:
    """Trace the transformer's token outputs into an ONNX graph."""
    force_offline()
    try:
        import onnx  # noqa: F401  (the exporter needs it)
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ConfigurationError(
            "the onnx encoder needs the onnx package to export the model "
            f"({exc}); install it, or set TRACKER_RAG_ENCODER=torch"
        ) from exc

    try:
        model = AutoModel.from_pretrained(
            str(folder.transformer_dir), attn_implementation="eager"
        )
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot load the embedding model from {folder.transformer_dir}: {exc}"
        ) from exc
    model.eval()
    names = input_names(model.forward)
    sample = {name: torch.ones((2, 8), dtype=torch.long) for name in names}
    if "token_type_ids" in sample:
        sample["token_type_ids"] = torch.zeros((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]}

    class TokenOutputs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            output = self.model(**dict(zip(names, inputs, strict=True)))
            hidden: torch.Tensor = output.last_hidden_state
            return hidden

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                TokenOutputs(),
                tuple(sample[name] for name in names),
                str(target),
                input_names=names,
                output_names=["token_embeddings"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        except Exception as exc:
            raise ConfigurationError(
                f"cannot export {folder.path} to ONNX ({exc}); "
                "set TRACKER_RAG_ENCODER=torch"
            ) from exc


def input_names(forward: object) -> list[str]:
    """The token inputs a transformer's forward takes, in a fixed order."""
    import inspect

    parameters = inspect.signature(forward).parameters  # type: ignore[arg-type]
    return [
        name
        for name in ("input_ids", "attention_mask", "token_type_ids")
        if name in parameters
    ]


def _optimise(folder: ModelFolder, raw: Path, target: Path) -> None:
    """Fuse attention, GELU and layer norms where the architecture allows."""
    config = folder.config
    if config.get("model_type") not in _FUSABLE:
        os.replace(raw, target)
        return
    from onnxruntime.transformers import optimizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimised = optimizer.optimize_model(
            str(raw),
            model_type="bert",
            num_heads=int(config.get("num_attention_heads", 0)),
            hidden_size=int(config.get("hidden_size", 0)),
            opt_level=1,
        )
    optimised.save_model_to_file(str(target))
