"""The ONNX encoder against the torch reference, and the model folder reader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tracker_rag.errors import ConfigurationError
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.llama_embedding import EncoderEmbedding
from tracker_rag.index.model_folder import ModelFolder
from tracker_rag.index.onnx_encoder import OnnxEncoder
from tracker_rag.index.onnx_export import exported_model_file
from tracker_rag.settings import bundled_model_path

from ..conftest import CORPUS

TEXTS = [
    "Nvidia agreed to buy the chip start-up for $900 million.",
    "Who regulates frontier models in the European Union?",
    "",
    "ünïcödé — ‘quotes’ and emoji 🚀 in one line",
    "word " * 400,
]


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceEmbedder:
    """The same model on sentence-transformers and torch."""
    return SentenceEmbedder(bundled_model_path(), encoder="torch")


def corpus_texts() -> list[str]:
    """Paragraphs of the project's corpus, short and long."""
    text = "\n".join(path.read_text() for path in sorted(CORPUS.rglob("*.md")))
    return [part for part in text.split("\n\n") if part.strip()][:60]


@pytest.mark.real_model
def test_onnx_and_torch_give_the_same_vectors(
    embedder: SentenceEmbedder, torch_embedder: SentenceEmbedder
) -> None:
    assert embedder.encoder.name == "onnx"
    texts = TEXTS + corpus_texts()

    onnx_vectors = embedder.embed(texts)
    torch_vectors = torch_embedder.embed(texts)

    assert onnx_vectors.shape == torch_vectors.shape == (len(texts), 384)
    assert np.abs(onnx_vectors - torch_vectors).max() < 1e-5
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.real_model
def test_onnx_and_torch_count_the_same_word_pieces(
    embedder: SentenceEmbedder, torch_embedder: SentenceEmbedder
) -> None:
    for text in TEXTS + corpus_texts():
        assert embedder.count_tokens(text) == torch_embedder.count_tokens(text)
    assert embedder.max_tokens == torch_embedder.max_tokens == 256
    assert embedder.dimension == torch_embedder.dimension == 384
    assert embedder.fingerprint == torch_embedder.fingerprint


@pytest.mark.real_model
def test_batch_order_and_size_do_not_change_a_vector(
    embedder: SentenceEmbedder,
) -> None:
    texts = corpus_texts()
    together = embedder.encoder.encode(texts, 7)
    alone = np.stack([embedder.encoder.encode([text], 1)[0] for text in texts])

    assert np.abs(together - alone).max() < 1e-5


@pytest.mark.real_model
def test_export_is_made_once_and_shared(tmp_path: Path) -> None:
    folder = ModelFolder.read(bundled_model_path())
    first = exported_model_file(folder, "abc123", tmp_path)
    written = first.stat().st_mtime_ns

    again = exported_model_file(folder, "abc123", tmp_path)

    assert again == first
    assert again.stat().st_mtime_ns == written
    assert [path.name for path in first.parent.iterdir()] == ["model.onnx"]


def test_llama_embedding_hands_every_text_to_the_encoder() -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.array([[len(text), 1.0] for text in texts], dtype=np.float32)

    embedding = EncoderEmbedding(embed, "fake")
    vectors = embedding.get_text_embedding_batch([f"t{n}" * n for n in range(1, 40)])

    assert len(calls) == 1
    assert vectors[2] == [6.0, 1.0]
    assert embedding.get_query_embedding("abc") == [3.0, 1.0]


def copy_model(tmp_path: Path) -> Path:
    """A copy of the bundled model folder that a test may change."""
    target = tmp_path / "model"
    shutil.copytree(bundled_model_path(), target)
    return target


def test_model_folder_reads_length_and_pooling() -> None:
    folder = ModelFolder.read(bundled_model_path())

    assert folder.max_tokens == 256
    assert folder.pooling == "mean"
    assert folder.tokenizer_file.exists()


def test_an_empty_folder_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=str(tmp_path)):
        ModelFolder.read(tmp_path)


def test_onnx_refuses_a_pooling_it_cannot_reproduce(tmp_path: Path) -> None:
    model = copy_model(tmp_path)
    config = model / "1_Pooling" / "config.json"
    settings = json.loads(config.read_text())
    settings.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    config.write_text(json.dumps(settings))

    with pytest.raises(ConfigurationError, match=r"pools by max.*ENCODER=torch"):
        OnnxEncoder(ModelFolder.read(model), "x", tmp_path / "cache")


def test_a_broken_model_file_is_named(tmp_path: Path) -> None:
    model = copy_model(tmp_path)
    (model / "sentence_bert_config.json").write_text("{not json")

    with pytest.raises(ConfigurationError, match=r"sentence_bert_config\.json"):
        ModelFolder.read(model)
