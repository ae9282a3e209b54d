"""The artoiscast page parser: a page (HTML or text capture) becomes recordings.

The site's pages are hand-made prose, not a template. The parser is a chain of
small stages, each readable and testable alone (as Whoosh chains analysis filters):

1. ``lines``      HTML or text capture -> the lines a person reads (an HTML media
                  link keeps its href, a heading tag and a menu link are marked);
2. ``outline``    lines -> themes (table of contents, or section headings), navigation
                  set apart, sections and subject blocks (a heading and its lines);
3. ``recordings`` each "écouter …" / "voir la vidéo …" link of a block, with the
                  lines that belong to it, becomes a recording;
4. its facts: title, kind, people and roles (``people``), date (``indexer.dates``),
   passages (``passages``), places and organisations.

Nothing of the page is lost: text that belongs to no recording becomes passages
of its section; the page's header, footer and navigation become the page's own text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ..corpus import Corpus, PageSource
from ..records import Problem, Recording
from .lines import Line, lines_from_html, lines_from_text
from .outline import build_outline
from .recordings import RecordingMaker

__all__ = ["Line", "PageResult", "lines_from_html", "lines_from_text", "parse_lines", "parse_page"]


@dataclass
class PageResult:
    recordings: list[Recording]
    problems: list[Problem]
    themes: list[str]
    theme_groups: dict[str, str] = field(default_factory=dict)  # theme -> upper-case group line of the TOC


def looks_like_html(content: str) -> bool:
    head = content.lstrip()[:500].lower()
    return head.startswith("<!doctype html") or "<html" in head or "<body" in head


# A <title> of the form "Artoiscast.fr - les fêtes": the site's name first, then the page's.
SITE_PREFIXED_TITLE = re.compile(r"^\s*[\w.-]+\.[a-z]{2,6}\s*[-–|:]\s*\S", re.I)


def page_title_of(lines: list[Line], source: PageSource) -> str:
    """The page's title: the curated one, else its own heading (<h1>), else its <title>, else its id."""
    heading = next((line.text for line in lines if line.page_heading), None)
    if source.title and not (heading and SITE_PREFIXED_TITLE.match(source.title)):
        return source.title
    return heading or source.title or source.id


def parse_lines(lines: list[Line], source: PageSource, corpus: Corpus, filename: str) -> PageResult:
    page_title = page_title_of(lines, source)
    outline = build_outline(lines, page_title)
    maker = RecordingMaker(corpus, source, filename)
    if not outline.has_toc:
        maker.warn(None, "table des sujets (« Les sujets et thèmes de la page ») introuvable : "
                   + ("les intertitres des sections servent de thèmes" if outline.themes
                      else "le texte est indexé sans thème"))
    recordings: list[Recording] = []
    for block in outline.blocks:
        recordings.extend(maker.from_block(block))
    if outline.page_lines:
        recordings.insert(0, maker.text_recording(page_title, None, outline.page_lines))
    if not any(r.media for r in recordings):
        maker.warn(None, "aucun lien « écouter » ni « voir la vidéo » trouvé dans la page")
    return PageResult(recordings, maker.problems, outline.themes, outline.groups)


def parse_page(content: str, source: PageSource, corpus: Corpus, filename: str,
               is_html: Optional[bool] = None) -> PageResult:
    """Recordings of one page, from its HTML or its text capture."""
    if is_html is None:
        is_html = looks_like_html(content)
    lines = lines_from_html(content, source.url) if is_html else lines_from_text(content)
    return parse_lines(lines, source, corpus, filename)
