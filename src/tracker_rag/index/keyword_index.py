"""A BM25 index over chunk texts (bm25s with an English stemmer)."""

from __future__ import annotations

import logging
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from tracker_rag.domain import Chunk

logger = logging.getLogger(__name__)

_STEMMER = Stemmer.Stemmer("english")
# Keep numbers with their decimals and versions whole: "5.4", "2.81", "k2.5".
TOKEN_PATTERN = r"(?u)\b\w+(?:[.,]\w+)*\b"


def keyword_text(chunk: Chunk) -> str:
    """What BM25 reads of a chunk: its title and section make good keywords too."""
    return f"{chunk.title}\n{chunk.section}\n{chunk.text}"


def tokenize(texts: list[str]) -> bm25s.tokenization.Tokenized:
    """Lower-case, drop English stop words and stem."""
    return bm25s.tokenize(
        texts,
        stopwords="en",
        stemmer=_STEMMER,
        token_pattern=TOKEN_PATTERN,
        show_progress=False,
    )


def query_terms(text: str) -> list[str]:
    """The stemmed terms BM25 looks for in a text."""
    tokens: list[list[str]] = bm25s.tokenize(
        [text],
        stopwords="en",
        stemmer=_STEMMER,
        token_pattern=TOKEN_PATTERN,
        show_progress=False,
        return_ids=False,
    )
    return [token for token in tokens[0] if token]


class KeywordIndex:
    """BM25 scores over every chunk of the catalog, in catalog order."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, chunks: list[Chunk]) -> KeywordIndex:
        """Index the chunks (an empty list gives an index that finds nothing)."""
        retriever = bm25s.BM25()
        if chunks:
            retriever.index(
                tokenize([keyword_text(c) for c in chunks]), show_progress=False
            )
        return cls(retriever, len(chunks))

    def search(
        self, query: str, limit: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Return up to `limit` (catalog position, score) pairs scoring above 0."""
        if self.size == 0 or limit <= 0:
            return []
        query_tokens = query_terms(query)
        # bm25s fails on words it has never seen; keep only known ones.
        vocabulary = self._retriever.vocab_dict
        known = [token for token in query_tokens if token in vocabulary]
        if not known:
            return []
        scores = self._retriever.get_scores(known)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        limit = min(limit, self.size)
        top = np.argpartition(-scores, limit - 1)[:limit]
        ranked = sorted(top, key=lambda index: -scores[index])
        return [
            (int(index), float(scores[index])) for index in ranked if scores[index] > 0
        ]

    def inverse_document_frequency(self, terms: list[str]) -> dict[str, float]:
        """Smoothed IDF of each term over the chunks; unseen terms get the highest."""
        vocabulary = self._retriever.vocab_dict
        pointers = self._retriever.scores.get("indptr") if self.size else None
        weights = {}
        for term in terms:
            index = vocabulary.get(term) if vocabulary else None
            frequency = (
                0
                if index is None or pointers is None
                else int(pointers[index + 1] - pointers[index])
            )
            weights[term] = float(np.log((self.size + 1) / (frequency + 0.5)))
        return weights

    def save(self, folder: Path) -> None:
        """Write the index files into a folder."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.size:
            self._retriever.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> KeywordIndex:
        """Read an index written by `save`."""
        if size == 0:
            return cls(bm25s.BM25(), 0)
        return cls(bm25s.BM25.load(str(folder)), size)
