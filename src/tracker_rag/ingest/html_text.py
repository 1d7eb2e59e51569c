"""Turn an HTML page into readable text with Markdown-like structure."""

from __future__ import annotations

from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

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


@dataclass(frozen=True)
class HtmlParts:
    """What a page yields: text, title, dates and canonical URL."""

    text: str
    title: str | None
    published: str | None
    updated: str | None
    url: str | None


def _meta(soup: BeautifulSoup, names: tuple[str, ...]) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find(
            "meta", attrs={"name": name}
        )
        if isinstance(tag, Tag) and tag.get("content"):
            return str(tag["content"])
    return None


def _blocks(soup: BeautifulSoup) -> list[str]:
    blocks: list[str] = []
    for tag in soup.find_all(BLOCK_TAGS):
        # A block nested in another block is read as part of the outer one.
        if tag.find_parent(BLOCK_TAGS) is not None:
            continue
        text = " ".join(tag.get_text().split())
        if text:
            blocks.append(BLOCK_PREFIXES.get(tag.name, "") + text)
    if not blocks:
        body = soup.body or soup
        text = " ".join(body.get_text().split())
        blocks = [text] if text else []
    return blocks


def html_to_document_parts(html: str) -> HtmlParts:
    """Extract readable text and metadata from a page."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(DROPPED_TAGS):
        tag.decompose()
    # Inline tags join their words as written; a line break still separates them.
    for line_break in soup.find_all("br"):
        line_break.replace_with("\n")
    title_tag = soup.find("title")
    heading = soup.find("h1")
    title = (
        _meta(soup, ("og:title",))
        or (title_tag.get_text(strip=True) if title_tag else None)
        or (heading.get_text(" ", strip=True) if heading else None)
    )
    time_tag = soup.find("time", attrs={"datetime": True})
    published = _meta(soup, PUBLISHED_META) or (
        str(time_tag["datetime"]) if isinstance(time_tag, Tag) else None
    )
    link = soup.find("link", attrs={"rel": "canonical"})
    url = _meta(soup, ("og:url",)) or (
        str(link["href"]) if isinstance(link, Tag) and link.get("href") else None
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
        title=title or None,
        published=published,
        updated=_meta(soup, UPDATED_META),
        url=url,
    )
