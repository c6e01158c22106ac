"""Turn HTML into the lines a reader sees: one line per block element, inline text joined."""

from __future__ import annotations

import copy

from bs4 import BeautifulSoup, Comment, Tag

from scrapers.lgsco.normalise import clean_text

__all__ = ["BLOCK_TAGS", "soup_of", "text_lines"]

BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head", "title")


def soup_of(html: str | bytes) -> BeautifulSoup:
    """Parse with the standard-library parser (no lxml dependency)."""
    return BeautifulSoup(html, "html.parser")


def text_lines(
    node: Tag, *, drop: tuple[str, ...] = (), break_before_classes: tuple[str, ...] = ()
) -> list[str]:
    """Visible text of ``node`` as non-empty, whitespace-collapsed lines.

    Block elements and ``<br>`` start new lines; inline elements (``span``, ``a``, ``strong``)
    stay on their line, so ``<span class="label">Category :</span> <span>X</span>`` reads
    ``Category : X``. Elements with a class in ``break_before_classes`` also start a line
    (for label/value pairs run together in one paragraph). Scripts, styles, comments and any
    tags named in ``drop`` are ignored.
    ``node`` is not modified (a copy is worked on).
    """
    work = copy.copy(node)
    for tag in work.find_all([*_INVISIBLE_TAGS, *drop]):
        tag.decompose()
    for comment in work.find_all(string=lambda value: isinstance(value, Comment)):
        comment.extract()
    for br in work.find_all("br"):
        br.replace_with("\n")
    for tag in work.find_all(class_=lambda value: value in break_before_classes):
        tag.insert_before("\n")
    for tag in work.find_all(BLOCK_TAGS):
        tag.insert_before("\n")
        tag.append("\n")
    raw = work.get_text()
    return [line for line in (clean_text(part) for part in raw.split("\n")) if line]
