"""Stage 1: a page, HTML or text capture, becomes the lines a person reads.

Both paths give the same ``Line`` objects, so everything after this stage is
blind to the format. HTML adds what only markup can tell: the href of a media
link, a heading tag, a line that is wholly a link to another page of the site
(a menu entry). Work is linear in the size of the page: the HTML tree is
walked once, iteratively (no tag is inserted into the tree, which costs the
size of its parent each time).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString
from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

from ..records import web_url
from .patterns import MEDIA_LINK, URL


@dataclass
class Line:
    number: int  # 1-based line in the capture (or in the text extracted from HTML)
    text: str  # whitespace collapsed
    blank_before: int = 0  # blank lines just above: the page's only layout signal in a capture
    joined_to_previous: bool = False  # no blank line between this line and the previous one
    href: Optional[str] = None  # for HTML media links
    heading: bool = False  # HTML: an <h2>-<h6>, or a paragraph wholly in bold
    level: Optional[int] = None  # HTML: 2-6 for <h2>-<h6>, 7 for a bold paragraph
    menu_link: bool = False  # HTML: the whole line is a link to another page of the same site
    in_list: bool = False  # set by the outline: an item of a list, never a heading
    hard_break: bool = False  # HTML: the line follows a <br> (a line break, not a wrapped sentence)
    page_heading: bool = False  # HTML: the page's <h1>, its own title


def lines_from_text(text: str, unwrap: bool = True) -> list[Line]:
    """Lines of a text capture; with ``unwrap``, a line hard-wrapped inside a name or after an
    apostrophe ("Marie" / "Durand", "L’" / "association") is joined again."""
    lines: list[Line] = []
    blanks = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        collapsed = " ".join(raw.split())
        if not collapsed:
            blanks += 1
            continue
        line = Line(number, collapsed, blanks, joined_to_previous=bool(lines) and blanks == 0)
        blanks = 0
        if unwrap and line.joined_to_previous:
            glue = _wrap_glue(lines[-1].text, collapsed)
            if glue is not None:
                lines[-1].text += glue + collapsed
                continue
        lines.append(line)
    return lines


# A capture wrapped at a fixed width cuts phrases anywhere; only the cuts that would break a
# fact are mended: inside a name, after an elided article, before a lower-case continuation.
_ELIDED_END = re.compile(r"(?:^|\s)\w{1,3}['’]$")  # "L’", "d'", "qu'"
_CAPITALISED = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'’\-]+$")
_SENTENCE_END = re.compile(r"[.!?:;…»\"”)]$")
_NOT_A_CONTINUATION = re.compile(r"^(?:[-–•·*]|\(|\d+\s*[.)]\s|https?://|www\.)|^(?:[-–•·*]\s*)?(?:écouter|ecouter|voir la vid)",
                                 re.I)


def _wrap_glue(previous: str, line: str) -> Optional[str]:
    """What joins ``line`` to the line above when the capture cut a phrase there, else None."""
    if _NOT_A_CONTINUATION.match(line) or URL.match(previous):
        return None
    if _ELIDED_END.search(previous):
        return ""
    if _SENTENCE_END.search(previous) or len(previous.split()) < 2:
        return None
    first = line.split()[0].rstrip(",.;:")
    last = previous.split()[-1]
    if _CAPITALISED.match(last) and _CAPITALISED.match(first):
        return " "  # "… d'accueillir l'artiste Gaspard" / "Lemaire qui …"
    if line[:1].islower() and len(previous) >= 40:
        return " "  # a sentence running on: "… jusqu'au 14" / "septembre 2025."
    return None


# --------------------------------------------------------------------------- HTML

_BLOCK_TAGS = frozenset(["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tr",
                         "section", "article", "header", "footer", "blockquote", "pre", "hr", "title", "nav",
                         "main", "aside", "dl", "dt", "dd", "figure", "figcaption", "td", "th"])
_HEADING_TAGS = frozenset(["h2", "h3", "h4", "h5", "h6"])  # <h1> is the page's own title, not a section
_BOLD_TAGS = frozenset(["b", "strong"])
_SKIPPED_TAGS = frozenset(["script", "style", "noscript", "template"])
_SKIPPED_STRINGS = (Comment, Doctype, Declaration, CData, ProcessingInstruction)
_MEDIA_FILE = re.compile(r"\.(?:mp3|m4a|ogg|oga|opus|wav|flac|aac|mp4|m4v|webm|mov|avi|pdf|jpe?g|png|gif)$", re.I)

# Private-use characters mark what the markup said, through the text stage.
_MEDIA_MARK = re.compile("\ue000(\\d+)\ue001")
_HEADING = "\ue002"  # followed by the heading's level digit
_BOLD_OPEN, _BOLD_CLOSE = "\ue003", "\ue004"
_MENU_OPEN, _MENU_CLOSE = "\ue005", "\ue006"
_SOURCE_LINE = re.compile("\ue007(\\d+)\ue008")  # the line of the HTML file a block starts on
_MARKS = re.compile("[\ue000-\ue006]")
_SPACES = re.compile(r"\s+")


def _is_site_page(href: str, base_url: Optional[str]) -> bool:
    """A link to another page of the same site (a menu entry), not to a file or an anchor."""
    target = urlsplit(urljoin(base_url or "", href))
    if target.scheme not in ("http", "https", "") or _MEDIA_FILE.search(target.path):
        return False
    base = urlsplit(base_url or "")
    if target.netloc and base.netloc and target.netloc.lower() != base.netloc.lower():
        return False
    if not target.netloc and not target.path:
        return False  # "#haut"
    return (target.netloc, target.path) != (base.netloc, base.path)


def _html_text(soup, base_url: Optional[str]) -> tuple[str, list[Optional[str]]]:
    """The page's text with line breaks where blocks and <br> are, and marks; media hrefs."""
    out: list[str] = []
    hrefs: list[Optional[str]] = []
    stack: list = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):  # text to emit after a tag's content
            out.append(node[0])
            continue
        if isinstance(node, NavigableString):
            if not isinstance(node, _SKIPPED_STRINGS):
                out.append(_SPACES.sub(" ", node))
            continue
        name = node.name
        if name in _SKIPPED_TAGS:
            continue
        if name == "br":
            out.append(f"\n\ue007{node.sourceline}\ue008" if node.sourceline else "\n")
            continue
        before, after = [], []
        if name in _BLOCK_TAGS:
            before.append("\n\n")
            if node.sourceline:
                before.append(f"\ue007{node.sourceline}\ue008")
            after.append("\n\n")
        if name in _HEADING_TAGS or name == "h1":
            before.append(_HEADING + name[1])
        if name in _BOLD_TAGS:
            before.append(_BOLD_OPEN)
            after.insert(0, _BOLD_CLOSE)
        if name == "a" and node.get("href"):
            href = str(node["href"]).strip()
            label = node.get_text(" ", strip=True)
            if MEDIA_LINK.match(label):
                # Only http(s) media links are kept ("javascript:" stays text).
                hrefs.append(web_url(urljoin(base_url or "", href)))
                after.insert(0, f"\ue000{len(hrefs) - 1}\ue001")
            elif _is_site_page(href, base_url) and not URL.match(label):  # a bare URL is the page's text
                before.append(_MENU_OPEN)
                after.insert(0, _MENU_CLOSE)
        out.extend(before)
        stack.extend((text,) for text in reversed(after))
        stack.extend(reversed(node.contents))
    return "".join(out), hrefs


def _short_title(text: str) -> bool:
    """A paragraph wholly in bold is a heading when it reads as a title, not as a sentence."""
    text = _MARKS.sub("", text).strip()
    return len(text.split()) <= 15 and not text.endswith((".", "!", ":", ";"))


def lines_from_html(html: str, base_url: Optional[str] = None) -> list[Line]:
    """Lines of an HTML page, as a person reads them; media links keep their href."""
    text, hrefs = _html_text(BeautifulSoup(html, "html.parser"), base_url)
    lines: list[Line] = []
    source_line = None
    carried_blanks = 0
    for line in lines_from_text(text, unwrap=False):  # an HTML line break is the page's, not a wrap
        raw = line.text
        # Reports name the line of the HTML file: where the block (or <br>) this text follows starts.
        marks = [int(n) for n in _SOURCE_LINE.findall(raw)]
        line.number = marks[0] if marks else (source_line or line.number)
        source_line = marks[-1] if marks else source_line
        raw = _SOURCE_LINE.sub("", raw)
        media = _MEDIA_MARK.search(raw)
        if media:
            line.href = hrefs[int(media.group(1))]
        tag = raw.find(_HEADING)
        if tag >= 0 and raw[tag + 1:tag + 2].isdigit():
            if raw[tag + 1] == "1":
                line.page_heading = True  # the page's title, not a section's heading
            else:
                line.heading, line.level = True, int(raw[tag + 1])
            raw = raw[:tag + 1] + raw[tag + 2:]
        elif raw.startswith(_BOLD_OPEN) and raw.endswith(_BOLD_CLOSE) and _short_title(raw):
            line.heading, line.level = True, 7
        line.menu_link = raw.startswith(_MENU_OPEN) and raw.endswith(_MENU_CLOSE) and raw.count(_MENU_OPEN) == 1
        line.text = " ".join(_MARKS.sub("", _MEDIA_MARK.sub("", raw)).split())
        if not line.text:
            carried_blanks += line.blank_before + 1  # only marks: a blank line for the reader
            continue
        line.blank_before += carried_blanks
        line.joined_to_previous = bool(lines) and line.blank_before == 0
        line.hard_break = line.blank_before == 0
        carried_blanks = 0
        lines.append(line)
    return lines
