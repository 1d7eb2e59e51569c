"""The one object that adapters (CLI, HTTP API, UI) call: ingest, retrieve, answer."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path

from tracker_rag.answer.abstention import (
    abstention_text,
    answer_confidence,
    refusal_text,
)
from tracker_rag.answer.answer_events import AnswerDelta, AnswerDone, answer_pieces
from tracker_rag.answer.extractive import ExtractiveAnswerer
from tracker_rag.answer.generative import GenerativeAnswerer
from tracker_rag.answer.llm.backend import ChatBackend
from tracker_rag.answer.llm.factory import build_backend
from tracker_rag.answer.sentence_scoring import SentenceScore, question_term_weights
from tracker_rag.answer.support_judge import HeuristicJudge
from tracker_rag.answer.verification import CachedEmbedding, CitationVerifier
from tracker_rag.domain import (
    Answer,
    BestMatch,
    DocumentDetail,
    DocumentSummary,
    Filters,
    ScoredChunk,
    SearchSummary,
)
from tracker_rag.errors import (
    GeneratorError,
    GeneratorOutputError,
    IndexMissingError,
    InvalidFilterError,
    InvalidQuestionError,
    NotFoundError,
)
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_archive import ArchiveSummary, export_index, import_index
from tracker_rag.index.index_files import IndexPaths
from tracker_rag.index.ingestion import (
    IndexBuilder,
    IngestReport,
    PhaseHook,
    ingest_lock,
)
from tracker_rag.index.loaded_index import LoadedIndex, state_signature
from tracker_rag.retrieve.dense import DenseRetriever
from tracker_rag.retrieve.hybrid import HybridRetriever, Retrieval, RetrievalMode
from tracker_rag.retrieve.keyword import KeywordRetriever
from tracker_rag.settings import Settings

logger = logging.getLogger(__name__)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


class TrackerRag:
    """Tracker RAG's operations over one index folder.

    The embedding model and the index load on first use and stay loaded, so a
    process that asks many questions pays for them once.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: SentenceEmbedder | None = None,
        backend: ChatBackend | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.paths = IndexPaths(self.settings.index_dir)
        self._embedder = embedder
        self._index: LoadedIndex | None = None
        self._reload_lock = threading.Lock()
        self._backend = backend
        self._generator: GenerativeAnswerer | None = None

    @property
    def embedder(self) -> SentenceEmbedder:
        """The embedding model named by the settings (loaded on first use)."""
        if self._embedder is None:
            self._embedder = SentenceEmbedder.from_settings(self.settings)
        return self._embedder

    @property
    def index(self) -> LoadedIndex:
        """The loaded index, reloaded when another process has committed a new one.

        A commit rewrites `state.json`; a changed file is noticed here on the
        next use and the new snapshot is opened whole before it replaces the
        old one, so no request ever sees a half-built index.
        """
        current = self._index
        if current is not None and current.signature == state_signature(self.paths):
            return current
        with self._reload_lock:
            current = self._index
            if current is None or current.signature != state_signature(self.paths):
                opened = LoadedIndex.open(
                    self.paths, self.embedder, self.settings.chroma_url
                )
                if current is not None and opened.generation != current.generation:
                    logger.info(
                        "index moved from commit %d to %d",
                        current.generation,
                        opened.generation,
                    )
                self._index = current = opened
        return current

    def _builder(self, on_phase: PhaseHook | None = None) -> IndexBuilder:
        return IndexBuilder(
            self.paths,
            self.embedder,
            self.settings.chunk_max_tokens,
            self.settings.max_file_bytes,
            self.settings.chroma_url,
            on_phase,
        )

    def ingest(
        self,
        corpus_dir: str | None = None,
        show_progress: bool = False,
        wait_for_lock: float = 0.0,
    ) -> IngestReport:
        """Bring the index in line with a corpus folder (default: the configured).

        A second ingest of the same index is refused at once, or after
        `wait_for_lock` seconds if the first still runs; it never interleaves.
        """
        folder = self.settings.corpus_dir if corpus_dir is None else Path(corpus_dir)
        report = self._builder().ingest(folder, show_progress, wait_for_lock)
        # Open the new version before swapping it in: queries never wait on a reload.
        _ = self.index
        return report

    def rebuild(
        self, corpus_dir: str | None = None, show_progress: bool = False
    ) -> IngestReport:
        """Drop the index and build it again (e.g. after a model change)."""
        with ingest_lock(self.paths.lock):
            self.paths.remove(self.settings.chroma_url)
        return self.ingest(corpus_dir, show_progress)

    def export_index(self, archive: Path) -> ArchiveSummary:
        """Write the committed index, vectors included, into one archive file."""
        with ingest_lock(self.paths.lock):
            return export_index(self.index, archive)

    def import_index(self, archive: Path) -> ArchiveSummary:
        """Replace the index with the one in an archive written by `export_index`."""
        summary = import_index(
            archive, self.paths, self.embedder, self.settings.chroma_url
        )
        _ = self.index
        return summary

    def load(self) -> None:
        """Load the models and the index now rather than on the first question."""
        self.embedder.embed_query("warm up")
        _ = self.index
        _ = self.generator

    def is_ready(self) -> tuple[bool, str]:
        """Tell whether questions can be answered now, and if not, why."""
        if self._index is None:
            if not self.paths.exists():
                return False, "no index yet: ingest a corpus or upload documents"
            return False, "the index is not loaded yet"
        wants_model = (
            self._backend is not None or self.settings.generator != "extractive"
        )
        if wants_model and self._generator is None:
            return False, "the language model is not loaded yet"
        return True, "ready"

    def list_documents(
        self, filters: Filters | None = None, offset: int = 0, limit: int = 20
    ) -> tuple[int, list[DocumentSummary]]:
        """A page of the indexed documents matching the filters, and their count."""
        resolved = self.resolve_filters(filters)
        index = self._index_or_empty()
        if index is None:
            return 0, []
        counts: dict[str, int] = {}
        for chunk in index.catalog.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        matching = [
            document
            for document in index.documents.values()
            if (resolved.kind is None or document.kind == resolved.kind)
            and (resolved.topic is None or document.topic == resolved.topic)
            and (
                resolved.as_of is None
                or (
                    document.version_date is not None
                    and document.version_date <= resolved.as_of
                )
            )
        ]
        page = matching[offset : offset + limit]
        return len(matching), [
            DocumentSummary.of(d, counts.get(d.doc_id, 0)) for d in page
        ]

    def get_document(self, doc_id: str) -> DocumentDetail:
        """One indexed document with its text.

        Raises:
            NotFoundError: No indexed document has this id.
        """
        index = self._index_or_empty()
        document = index.documents.get(doc_id) if index else None
        if document is None or index is None:
            raise NotFoundError(f"no document with id {doc_id!r}")
        chunks = sum(1 for chunk in index.catalog.chunks if chunk.doc_id == doc_id)
        summary = DocumentSummary.of(document, chunks)
        return DocumentDetail(**summary.model_dump(), text=document.text)

    def _index_or_empty(self) -> LoadedIndex | None:
        try:
            return self.index
        except IndexMissingError:
            return None

    def topics(self) -> list[str]:
        """Topics of the indexed documents."""
        return self.index.catalog.topics()

    def resolve_filters(self, filters: Filters | None) -> Filters:
        """Check filters against the index; topics match without regard to case.

        Raises:
            InvalidFilterError: The topic is not one the index holds.
        """
        filters = filters or Filters()
        if filters.topic is None:
            return filters
        index = self._index_or_empty()
        topics = index.catalog.topics() if index else []
        known = {topic.lower(): topic for topic in topics}
        canonical = known.get(filters.topic.strip().lower())
        if canonical is None:
            listed = "; ".join(sorted(known.values())) or "none"
            raise InvalidFilterError(
                f"unknown topic {filters.topic!r} (known topics: {listed})"
            )
        return filters.model_copy(update={"topic": canonical})

    def validate_question(self, question: str) -> str:
        """Return the question stripped, or raise if it cannot be asked."""
        text = question.strip()
        if not text:
            raise InvalidQuestionError("question is empty")
        if len(text) > self.settings.max_question_chars:
            raise InvalidQuestionError(
                f"question is {len(text)} characters, over the limit of "
                f"{self.settings.max_question_chars}"
            )
        return text

    def retriever(self) -> HybridRetriever:
        """A hybrid retriever over the loaded index."""
        index = self.index
        return HybridRetriever(
            self.embedder,
            DenseRetriever(index.store, index.catalog),
            KeywordRetriever(index.keyword, index.catalog),
            index.catalog,
            candidate_pool=self.settings.candidate_pool,
            rrf_k=self.settings.rrf_k,
        )

    def retrieve(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        mode: RetrievalMode = "hybrid",
    ) -> Retrieval:
        """Rank chunks for a question, without answering it."""
        text = self.validate_question(question)
        resolved = self.resolve_filters(filters)
        return self.retriever().retrieve(
            text, resolved, top_k or self.settings.top_k, mode
        )

    @property
    def generator(self) -> GenerativeAnswerer | None:
        """The generative answerer the settings name (built on first use), if any."""
        if self._generator is None and (
            self._backend is not None or self.settings.generator != "extractive"
        ):
            backend = self._backend or build_backend(self.settings)
            if backend is not None:
                self._generator = GenerativeAnswerer(
                    backend,
                    CitationVerifier(
                        self.support_judge(), self.settings.unsupported_sentences
                    ),
                    self.settings.llm_max_tokens,
                    self.settings.llm_timeout,
                )
        return self._generator

    def support_judge(self) -> HeuristicJudge:
        """The offline support judge, over a cache of sentence embeddings."""
        return HeuristicJudge(CachedEmbedding(self.embedder.embed_each))

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        mode: RetrievalMode = "hybrid",
    ) -> Answer:
        """Answer a question with cited sentences, or abstain and say why.

        `mode` picks the retrieval the answer draws on; evals compare the three.
        """
        for event in self.ask_events(question, filters, top_k, mode):
            if isinstance(event, AnswerDone):
                return event.answer
        raise AssertionError("ask_events ended without an answer")  # pragma: no cover

    def ask_events(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        mode: RetrievalMode = "hybrid",
    ) -> Iterator[AnswerDelta | AnswerDone]:
        """Answer a question as it is written: text pieces, then the whole answer.

        Raises:
            GeneratorError: The model failed and the extractive fallback is off.
        """
        started = time.perf_counter()
        text = self.validate_question(question)
        resolved = self.resolve_filters(filters)
        retrieval = self.retriever().retrieve(
            text, resolved, top_k or self.settings.top_k, mode
        )

        step = time.perf_counter()
        weights = question_term_weights(
            text, self.index.keyword.inverse_document_frequency
        )
        answerer = ExtractiveAnswerer(
            self.embedder.embed_each,
            self.settings.max_answer_sentences,
            self.settings.answer_sentence_budget or None,
        )
        draft = answerer.draft(text, retrieval.query_vector, weights, retrieval.chunks)
        confidence = answer_confidence(draft.best)
        threshold = self.settings.abstain_below
        abstained = confidence < threshold or not draft.citations
        timings = {**retrieval.timings, "answer": _elapsed_ms(step)}
        search = SearchSummary(
            chunks_in_scope=retrieval.chunks_in_scope,
            chunks_retrieved=len(retrieval.chunks),
            filters=resolved,
            best_match=_best_match(draft.best),
            confidence=round(confidence, 4),
            threshold=threshold,
        )
        answer = Answer(
            question=text,
            answer=abstention_text(
                resolved, retrieval.chunks_in_scope, draft.best, threshold
            )
            if abstained
            else draft.text,
            abstained=abstained,
            citations=[] if abstained else draft.citations,
            search=search,
            timings=timings,
        )

        generator = None if abstained else self.generator
        if generator is None:
            for piece in answer_pieces(answer.answer):
                yield AnswerDelta(piece)
        else:
            answer = yield from self._generate(
                generator, answer, retrieval.chunks, timings
            )
        timings["total"] = _elapsed_ms(started)
        answer = answer.model_copy(update={"timings": timings})
        logger.info(
            "answered in %.0f ms: mode=%s abstained=%s citations=%d confidence=%.3f",
            timings["total"],
            answer.mode,
            answer.abstained,
            len(answer.citations),
            confidence,
        )
        yield AnswerDone(answer)

    def _generate(
        self,
        generator: GenerativeAnswerer,
        extractive: Answer,
        passages: list[ScoredChunk],
        timings: dict[str, float],
    ) -> Generator[AnswerDelta, None, Answer]:
        """Stream the model's reply, check it, and settle what to show."""
        step = time.perf_counter()
        messages = generator.messages(
            extractive.question, passages, extractive.search.filters
        )
        pieces: list[str] = []
        failure: GeneratorError | None = None
        try:
            for piece in generator.stream(messages):
                if not pieces:
                    timings["first_token"] = _elapsed_ms(step)
                pieces.append(piece)
                yield AnswerDelta(piece)
        except GeneratorError as exc:
            if not self.settings.llm_fallback:
                raise
            logger.warning("the language model failed: %s", exc)
            failure = exc
        timings["generate"] = _elapsed_ms(step)

        step = time.perf_counter()
        checked = generator.check("".join(pieces), passages)
        timings["verify"] = _elapsed_ms(step)
        generation = checked.generation
        if failure is not None:
            generation.fallback = f"the language model failed: {failure}"
        elif checked.outcome == "unusable" and not self.settings.llm_fallback:
            raise GeneratorOutputError(generation.fallback or "unusable reply")

        if failure is not None or checked.outcome == "unusable":
            return extractive.model_copy(update={"generation": generation})
        if checked.outcome == "refused":
            return extractive.model_copy(
                update={
                    "answer": refusal_text(
                        extractive.search.filters,
                        extractive.search.chunks_in_scope,
                        len(passages),
                    ),
                    "abstained": True,
                    "citations": [],
                    "mode": "generative",
                    "generation": generation,
                }
            )
        return extractive.model_copy(
            update={
                "answer": checked.verified.text,
                "citations": checked.verified.citations,
                "mode": "generative",
                "generation": generation,
            }
        )


def _best_match(best: SentenceScore | None) -> BestMatch | None:
    if best is None:
        return None
    chunk = best.sentence.scored.chunk
    return BestMatch(
        doc_id=chunk.doc_id,
        title=chunk.title,
        chunk_id=chunk.chunk_id,
        similarity=round(best.similarity, 4),
    )
