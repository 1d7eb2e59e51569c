"""Domain types shared by every stage: documents, chunks, filters and answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

DocumentKind = Literal["article", "source"]
DOCUMENT_KINDS: tuple[DocumentKind, ...] = ("article", "source")


@dataclass(frozen=True)
class CorpusDocument:
    """One document of the corpus, with its metadata and full text."""

    doc_id: str
    kind: DocumentKind
    title: str
    text: str
    source_path: str
    tracker: str | None = None
    topic: str | None = None
    published: dt.date | None = None
    updated: dt.date | None = None
    url: str | None = None
    cites: tuple[str, ...] = ()

    @property
    def version_date(self) -> dt.date | None:
        """The date of the version we hold: the last update, else publication."""
        return self.updated or self.published


@dataclass(frozen=True)
class Chunk:
    """A span of one document, sized for the embedding model."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    section: str
    title: str
    kind: DocumentKind
    topic: str | None = None
    url: str | None = None
    published: dt.date | None = None
    updated: dt.date | None = None

    @property
    def version_date(self) -> dt.date | None:
        """The date of the document version this chunk comes from."""
        return self.updated or self.published


class Filters(BaseModel):
    """Restrictions on what retrieval may return."""

    topic: str | None = None
    kind: DocumentKind | None = None
    as_of: dt.date | None = Field(
        None,
        description="Only documents whose held version is dated on or before this.",
    )

    def is_empty(self) -> bool:
        """Tell whether no filter is set."""
        return self.topic is None and self.kind is None and self.as_of is None

    def describe(self) -> str:
        """Render the filters for people, e.g. `topic=X, as_of=2026-01-01`."""
        parts = [f"{key}={value}" for key, value in self.model_dump().items() if value]
        return ", ".join(parts) or "none"


@dataclass
class ScoredChunk:
    """A retrieved chunk with the scores of each ranking that found it."""

    chunk: Chunk
    score: float
    dense_similarity: float | None = None
    keyword_score: float | None = None
    dense_rank: int | None = None
    keyword_rank: int | None = None
    extra: dict[str, float] = field(default_factory=dict)


class Citation(BaseModel):
    """One cited passage: the exact text and where it stands in its document."""

    marker: int = Field(description="The number n of the `[n]` marker in the answer.")
    doc_id: str
    title: str
    kind: DocumentKind
    published: dt.date | None = None
    updated: dt.date | None = None
    url: str | None = None
    section: str
    chunk_id: str
    text: str = Field(description="The cited passage, exactly as in the document.")
    start: int = Field(description="Offset of the passage in the document text.")
    end: int = Field(description="Offset just past the passage.")
    chunk_text: str = Field(description="The whole chunk the passage stands in.")
    chunk_start: int


class BestMatch(BaseModel):
    """The retrieved chunk closest to the question."""

    doc_id: str
    title: str
    chunk_id: str
    similarity: float


class SearchSummary(BaseModel):
    """What was searched to produce an answer."""

    chunks_in_scope: int = Field(description="Chunks the filters left to search.")
    chunks_retrieved: int
    filters: Filters
    best_match: BestMatch | None = None
    confidence: float = Field(description="Answer confidence in [0, 1].")
    threshold: float = Field(description="Confidence under which we abstain.")


StatementAction = Literal["kept", "attached", "recited", "dropped", "marked"]


class CheckedStatement(BaseModel):
    """One sentence of a generated answer and what the support check made of it."""

    text: str
    cited_passages: list[int] = Field(
        description="Passage numbers the model cited after the sentence."
    )
    markers: list[int] = Field(
        description="Citation markers the sentence carries in the answer shown."
    )
    supported: bool
    action: StatementAction = Field(
        description="kept (its citation supports it), attached (it cited nothing "
        "and a passage supports it), recited (it cited the wrong passage), "
        "dropped or marked (nothing retrieved supports it)."
    )
    score: float = Field(description="Support score of the best evidence found.")
    reason: str


class PromptPassage(BaseModel):
    """A passage as numbered in the prompt."""

    number: int
    chunk_id: str
    doc_id: str
    title: str
    text: str


class Generation(BaseModel):
    """How a generative answer was written and checked."""

    backend: str
    model: str
    draft: str = Field(description="The model's reply, as it streamed.")
    passages: list[PromptPassage]
    statements: list[CheckedStatement]
    removed: int = Field(description="Sentences dropped as unsupported.")
    marked: int = Field(description="Sentences kept but marked as unsupported.")
    fallback: str | None = Field(
        None, description="Why the extractive answer is shown instead, if it is."
    )


class Answer(BaseModel):
    """The answer to one question, with its citations and timings."""

    question: str
    answer: str = Field(description="Answer text with `[n]` citation markers.")
    abstained: bool
    citations: list[Citation]
    search: SearchSummary
    timings: dict[str, float] = Field(description="Milliseconds per stage.")
    mode: Literal["extractive", "generative"] = Field(
        "extractive", description="Who wrote the answer text."
    )
    generation: Generation | None = Field(
        None, description="The model's draft and the check of each sentence."
    )


class DocumentSummary(BaseModel):
    """A document's metadata, as listed by the service."""

    doc_id: str
    kind: DocumentKind
    title: str
    tracker: str | None = None
    topic: str | None = None
    published: dt.date | None = None
    updated: dt.date | None = None
    url: str | None = None
    cites: list[str] = Field(default_factory=list)
    source_path: str = Field(description="The file's path inside the corpus folder.")
    chars: int = Field(description="Length of the document text.")
    chunks: int = Field(description="Chunks the document is indexed as.")

    @classmethod
    def of(cls, document: CorpusDocument, chunks: int) -> DocumentSummary:
        """Summarise a corpus document."""
        return cls(
            doc_id=document.doc_id,
            kind=document.kind,
            title=document.title,
            tracker=document.tracker,
            topic=document.topic,
            published=document.published,
            updated=document.updated,
            url=document.url,
            cites=list(document.cites),
            source_path=document.source_path,
            chars=len(document.text),
            chunks=chunks,
        )


class DocumentDetail(DocumentSummary):
    """A document's metadata and full text."""

    text: str = Field(description="The text that citation offsets refer to.")
