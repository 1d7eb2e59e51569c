"""Turn an HTML page into readable text with Markdown-like structure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag
from bs4.element import PageElement

DROPPED_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "footer",
    "iframe",
    "svg",
)
BLOCK_PREFIXES = {
    "h1": "# ",
    "h2": "## ",
    "h3": "### ",
    "h4": "#### ",
    "h5": "##### ",
    "h6": "###### ",
    "li": "- ",
}
BLOCK_TAGS = (*BLOCK_PREFIXES, "p", "blockquote", "pre", "td", "dd", "dt", "figcaption")
PUBLISHED_META = (
    "article:published_time",
    "datePublished",
    "date",
    "pubdate",
    "dc.date",
)
UPDATED_META = ("article:modified_time", "dateModified", "last-modified")
_METADATA_TAGS = ("meta", "title", "h1", "time", "link", "br")
# Known limit: pages with more tags are refused rather than parsed, because the
# parsed tree costs several hundred bytes a tag (a 20 MB page of `<i>` would
# need gigabytes); real articles hold a few thousand.
MAX_TAGS = 200_000
# What opens a node of the tree: an element, a comment, a declaration.
_NODE_START = re.compile(r"<[A-Za-z!?]")


@dataclass(frozen=True)
class HtmlParts:
    """What a page yields: text, title, dates and canonical URL."""

    text: str
    title: str | None
    published: str | None
    updated: str | None
    url: str | None


def count_tags(html: str, limit: int = MAX_TAGS) -> int:
    """Count the tags that open a node of the page, stopping once past `limit`."""
    count = 0
    for count, _ in enumerate(_NODE_START.finditer(html), start=1):
        if count > limit:
            break
    return count


def _meta(metas: list[Tag], names: tuple[str, ...]) -> str | None:
    """The content of the first meta tag naming one of `names`, in their order."""
    for name in names:
        tag = next((meta for meta in metas if meta.get("property") == name), None)
        tag = tag or next((meta for meta in metas if meta.get("name") == name), None)
        if tag is not None and tag.get("content"):
            return str(tag["content"])
    return None


def _is_canonical(link: Tag) -> bool:
    rel = link.get("rel")
    values = rel if isinstance(rel, list) else str(rel or "").split()
    return "canonical" in values


def _single_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _outer_blocks(soup: BeautifulSoup) -> Iterator[Tag]:
    """Yield the block tags that no other block holds, in page order.

    The tree is walked once with a stack, never recursively and never upwards,
    so a page nested 100,000 levels deep costs one pass over its tags.
    """
    stack: list[PageElement] = list(reversed(soup.contents))
    while stack:
        element = stack.pop()
        if not isinstance(element, Tag):
            continue
        if element.name in BLOCK_TAGS:
            # A block nested in another block is read as part of the outer one.
            yield element
        else:
            stack.extend(reversed(element.contents))


def _blocks(soup: BeautifulSoup) -> list[str]:
    blocks: list[str] = []
    for tag in _outer_blocks(soup):
        text = " ".join(tag.get_text().split())
        if text:
            blocks.append(BLOCK_PREFIXES.get(tag.name, "") + text)
    if not blocks:
        body = soup.body or soup
        text = " ".join(body.get_text().split())
        blocks = [text] if text else []
    return blocks


def html_to_document_parts(html: str) -> HtmlParts:
    """Extract readable text and metadata from a page.

    The tree is searched twice in all (once for the tags to drop, once for the
    tags that carry metadata), however many meta names are looked for.
    """
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(DROPPED_TAGS):
        # A dropped tag inside another is gone already with the outer one.
        if not tag.decomposed:
            tag.decompose()
    found: dict[str, list[Tag]] = {name: [] for name in _METADATA_TAGS}
    for tag in soup.find_all(_METADATA_TAGS):
        found[tag.name].append(tag)
    # Inline tags join their words as written; a line break still separates them.
    for line_break in found["br"]:
        line_break.replace_with("\n")
    metas = found["meta"]
    title_tag = next(iter(found["title"]), None)
    heading = next(iter(found["h1"]), None)
    title = (
        _meta(metas, ("og:title",))
        or (title_tag.get_text(strip=True) if title_tag else None)
        or (heading.get_text(" ", strip=True) if heading else None)
    )
    time_tag = next((tag for tag in found["time"] if tag.has_attr("datetime")), None)
    published = _meta(metas, PUBLISHED_META) or (
        str(time_tag["datetime"]) if time_tag is not None else None
    )
    link = next((tag for tag in found["link"] if _is_canonical(tag)), None)
    url = _meta(metas, ("og:url",)) or (
        str(link["href"]) if link is not None and link.get("href") else None
    )
    blocks = _blocks(soup)
    # Separate list items by one newline and other blocks by a blank line.
    lines: list[str] = []
    for block in blocks:
        if lines and not (block.startswith("- ") and lines[-1].startswith("- ")):
            lines.append("")
        lines.append(block)
    return HtmlParts(
        text="\n".join(lines),
        title=_single_line(title),
        published=published,
        updated=_meta(metas, UPDATED_META),
        url=url,
    )
