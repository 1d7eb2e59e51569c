"""Render an answer's citations as HTML: each passage highlighted in its context."""

from __future__ import annotations

from html import escape

from tracker_rag.domain import Answer, Citation


def render_citation(citation: Citation) -> str:
    """One source card: title, date, link, section and the highlighted passage."""
    offset = citation.start - citation.chunk_start
    before = citation.chunk_text[:offset]
    after = citation.chunk_text[offset + len(citation.text) :]
    date = citation.updated or citation.published
    heading = escape(citation.title)
    if citation.url:
        heading = (
            f'<a href="{escape(citation.url, quote=True)}" target="_blank" '
            f'rel="noopener noreferrer">{heading}</a>'
        )
    meta = [f"section \u201c{escape(citation.section)}\u201d"]
    if date:
        meta.insert(0, f"<time>{date.isoformat()}</time>")
    meta.append(f"characters {citation.start}\u2013{citation.end}")
    meta_line = " \u00b7 ".join(meta)
    return (
        f'<article class="tr-source" data-marker="{citation.marker}">'
        f'<h4><span class="tr-marker">[{citation.marker}]</span> {heading}</h4>'
        f'<p class="tr-meta">{meta_line}</p>'
        f'<blockquote class="tr-passage">{escape(before)}'
        f'<mark class="tr-cited">{escape(citation.text)}</mark>'
        f"{escape(after)}</blockquote>"
        "</article>"
    )


def render_sources(answer: Answer) -> str:
    """The whole panel for one answer."""
    if answer.abstained:
        search = answer.search
        return (
            '<div class="tr-abstained"><h4>No answer in the corpus</h4>'
            f"<p>Searched {search.chunks_in_scope} chunks "
            f"(filters: {escape(search.filters.describe())}); best confidence "
            f"{search.confidence:.2f}, below {search.threshold:.2f}.</p></div>"
        )
    cards = "".join(render_citation(citation) for citation in answer.citations)
    return f'<div class="tr-sources">{render_check(answer)}{cards}</div>'


def render_check(answer: Answer) -> str:
    """A line on how a generated answer was checked, or why it fell back."""
    generation = answer.generation
    if generation is None:
        return ""
    if generation.fallback:
        return (
            '<p class="tr-check tr-fallback">Showing the extractive answer: '
            f"{escape(generation.fallback)}.</p>"
        )
    checked = len(generation.statements)
    notes = [f"{checked} sentences checked against their passages"]
    if generation.removed:
        notes.append(f"{generation.removed} unsupported removed")
    if generation.marked:
        notes.append(f"{generation.marked} unsupported marked")
    return (
        f'<p class="tr-check">Written by {escape(generation.model)}; '
        f"{escape(', '.join(notes))}.</p>"
    )


EMPTY_PANEL = '<div class="tr-empty">Sources of the latest answer appear here.</div>'
