"""Stage 2: lines become the page's outline - themes, navigation, sections and subject blocks.

- The table of contents ("Les sujets et thèmes de la page :") lists the themes; its
  entries may be hard-wrapped over several lines and grouped under upper-case lines
  ("LE MONDE AGRICOLE"). Without one, the first heading of each section of the body
  is its theme.
- Navigation ("retour en début de page", "retour au menu général …", the menu of the
  site's pages) is set apart: never a heading, a recording, or a passage of its own.
  "retour …" lines also end a section: nothing (a date, a theme) crosses them.
- A block is a subject: its heading (the nearest above) and the lines under it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ..analysis import analyze
from ..dates import FoundDate, best_date, find_dates
from .lines import Line
from .patterns import (FOOTER, INTRODUCER, MEDIA_LINK, NAVIGATION, NUMBERED, SECTION_END, SUMMARY_LABELS, TOC_HEADER,
                       URL, clean_heading, is_group_line, tokens)

MAX_TOC_ENTRIES = 300  # more is not a table of contents (and would make heading matching costly)
MIN_LIST_RUN = 3  # consecutive short bullets with nothing under them: a list (a menu), not headings
_DATE_PREFIX = re.compile(
    r"^(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
    r"(?:\d{1,2}(?:er)?\s+\w+\s+(?:19|20)\d\d|\d{1,2}/\d{1,2}/(?:19|20)\d\d)\s*:\s*\S", re.I)
_UNFINISHED = re.compile(r"(?:\b(?:le|la|les|l['’]|de|du|des|d['’]|et|à|au|aux|en|sur|pour|par|un|une)|[,–-])$",
                         re.I)


@dataclass
class Toc:
    start: int  # index of the "Les sujets et thèmes de la page" line
    end: int  # index of the first line after the table
    themes: list[str]
    groups: dict[str, str]  # theme -> the upper-case line grouping it


@dataclass
class Block:
    """The lines of one subject: a heading and what follows until the next heading."""

    title: str
    theme: Optional[str]
    heading: Optional[Line]
    section: int
    lines: list[Line] = field(default_factory=list)
    context_date: Optional[FoundDate] = None  # the date of the group heading above, in the same section


@dataclass
class Outline:
    themes: list[str]
    groups: dict[str, str]
    has_toc: bool
    blocks: list[Block]
    page_lines: list[Line]  # heading of the page, footer and navigation: the page's own text


# --------------------------------------------------------------------------- table of contents


def _entry_text(line: Line) -> Optional[str]:
    text = line.text
    if text.startswith(("-", "–", "•", "·")) and re.search(r"\w", text):
        return text
    return None


def find_toc(lines: list[Line]) -> Optional[Toc]:
    start = next((i for i, line in enumerate(lines) if TOC_HEADER.search(line.text)), None)
    if start is None:
        return None
    entries: list[list] = []  # [text, group, index of its first line]
    seen: set[frozenset] = set()
    group: Optional[str] = None
    gap: Optional[int] = None  # blank lines between two entries; the table ends at a wider one
    j = start + 1
    end = j
    while j < len(lines) and len(entries) < MAX_TOC_ENTRIES:
        line = lines[j]
        if len(entries) >= 2 and gap is not None and line.blank_before > gap:
            break
        entry = _entry_text(line)
        if entry is not None and not MEDIA_LINK.match(entry):
            key = frozenset(tokens(entry))
            if key in seen:
                break  # the body starts with the first theme again
            seen.add(key)
            if len(entries) == 1 and gap is None:
                gap = line.blank_before
            entries.append([entry, group, j])
            end = j + 1
        elif is_group_line(line.text):
            group = " ".join(line.text.split())
        elif entries and j == end and _continues(entries[-1][0], line):
            entries[-1][0] += " " + line.text  # a title hard-wrapped in the middle
            end = j + 1
        else:
            break
        j += 1
    if not entries:
        return None
    themes = [clean_heading(text) for text, _, _ in entries]
    groups = {theme: grp for theme, (_, grp, _) in zip(themes, entries) if grp}
    return Toc(start, end, themes, groups)


def _continues(entry: str, line: Line) -> bool:
    """Is this line the rest of a TOC entry broken over two lines?"""
    if _entry_text(line) is not None or MEDIA_LINK.match(line.text) or TOC_HEADER.search(line.text):
        return False
    return line.joined_to_previous or bool(_UNFINISHED.search(entry)) or line.text[:1].islower()


# --------------------------------------------------------------------------- headings


def _short_bullet(line: Line) -> bool:
    body = line.text.lstrip("-–•· ").strip()
    return (line.text[:1] in "-–•·" and 0 < len(body.split()) <= 10 and not body.endswith((":", ".", "?"))
            and not MEDIA_LINK.match(body) and not INTRODUCER.match(line.text))


def is_subject_heading(line: Line) -> bool:
    text = line.text
    if line.in_list or MEDIA_LINK.match(text) or NAVIGATION.match(text):
        return False
    if text.startswith(("-", "–", "•")):
        body = text.lstrip("-–• ").strip()
        return (
            bool(re.search(r"\w", body))
            and len(body) <= 150
            and not body.endswith(":")
            and not INTRODUCER.match(text)
            and not URL.match(body)
        )
    if line.heading:
        return (len(text) <= 150 and not text.endswith(":") and not TOC_HEADER.search(text)
                and not any(p.match(text) for p, _ in SUMMARY_LABELS))
    if _DATE_PREFIX.match(text) and len(text) <= 150:
        return True  # "4 décembre 2024 : visite de la ferme"
    # A headline without a dash: a short question standing alone on the page.
    return text.endswith("?") and len(text) <= 120 and line.blank_before >= 2 and not NUMBERED.match(text)


def theme_of_heading(line: Line, themes: list[str], theme_tokens: list[set[str]], visited: set[str]) -> Optional[str]:
    """The TOC theme a body line announces (worded a little differently), if any."""
    text = line.text
    if len(text) > 300 or MEDIA_LINK.match(text) or NUMBERED.match(text) or line.in_list:
        return None
    words = tokens(text)
    if not words or len(words) > 25:
        return None
    best, best_score = None, 0.0
    # The table of contents may list a section shorter than its heading prints it: "- La fête
    # "Les Jardins d'Hiver"" for "La fête "Les Jardins d'Hiver" Arras - 3-5 mai 2024".
    heading_words = analyze(text) if is_subject_heading(line) else []
    for theme, wanted in zip(themes, theme_tokens):
        if theme in visited:
            continue
        theme_words = analyze(theme)
        if len(theme_words) >= 2 and heading_words[:len(theme_words)] == theme_words:
            score = 1 + len(theme_words) / len(heading_words)
            if score > best_score:
                best, best_score = theme, score
            continue
        common = len(words & wanted)
        if common < 2:
            continue
        if common / len(words) >= 0.6 and common / len(wanted) >= 0.4:
            score = common / len(words) + common / len(wanted)
            if score > best_score:
                best, best_score = theme, score
    return best


# --------------------------------------------------------------------------- navigation


def mark_lists(lines: list[Line]) -> None:
    """Runs of short bullets with nothing between them are lists (a menu, a list of names), not headings."""
    i = 0
    while i < len(lines):
        j = i
        # A list's items are evenly spaced: a wider gap ends it (the first section's heading).
        gap = lines[i + 1].blank_before if i + 1 < len(lines) else 0
        while j < len(lines) and _short_bullet(lines[j]) and (j == i or lines[j].blank_before <= gap):
            j += 1
        if j - i >= MIN_LIST_RUN:
            for line in lines[i:j]:
                line.in_list = True
        i = max(j, i + 1)


def mark_menus(lines: list[Line]) -> None:
    """HTML: links to other pages of the site, one after the other, are a menu (in a list of its own)."""
    for before, line, after in zip([None] + lines[:-1], lines, lines[1:] + [None]):
        if line.menu_link and ((before and before.menu_link) or (after and after.menu_link)):
            line.in_list = True


def _is_navigation(line: Line, outside_sections: bool) -> bool:
    if NAVIGATION.match(line.text):
        return True
    # The menu of the site's pages: a list (or a link to another page) before the first section or
    # after a "retour au menu"; a single link inside a section ("voir la page des lauréats") is its text.
    menu = line.menu_link and line.in_list  # a run of links to the site's pages, wherever it is
    return menu or ((line.in_list or line.menu_link) and outside_sections)


# --------------------------------------------------------------------------- outline


def join_lone_bullets(lines: list[Line]) -> list[Line]:
    """A bullet alone on its line ("-") belongs to the line under it: the heading it marks."""
    out: list[Line] = []
    for line in lines:
        if out and out[-1].text in ("-", "–", "•", "·"):
            bullet = out.pop()
            line.text = f"{bullet.text} {line.text}"
            line.blank_before, line.joined_to_previous = bullet.blank_before, bullet.joined_to_previous
        out.append(line)
    return out


def build_outline(lines: list[Line], page_title: str) -> Outline:
    lines = join_lone_bullets(lines)
    toc = find_toc(lines)
    if toc:
        preamble, body = lines[:toc.end], lines[toc.end:]
    else:
        preamble, body = [], lines
    footer_at = next((i for i, ln in enumerate(body) if FOOTER.match(ln.text)), len(body))
    footer, body = body[footer_at:], body[:footer_at]
    mark_lists(body)
    mark_menus(body)
    # Without a table of contents, the first heading after each "retour en début de page"
    # is a theme. A page with no such separator: in HTML its top-level headings (<h2> rather
    # than <h3>) are the themes; in a text capture, which has no levels, every heading is.
    has_sections = any(SECTION_END.match(ln.text) for ln in body)
    levels = [ln.level for ln in body if ln.level and is_subject_heading(ln)]
    theme_level = None if has_sections else (min(levels) if levels else 0)
    splitter = _Splitter(page_title, toc, theme_level)
    for line in body:
        splitter.add(line)
    blocks = splitter.finish()
    blocks, menus = _split_off_menus(blocks)
    splitter.navigation.extend(menus)
    _date_blocks_from_group_headings(blocks)
    page_lines = preamble + footer + _unique_lines(splitter.navigation)
    first = blocks[0] if blocks else None
    if (first and first.heading is None and first.theme is None and first.section == 0
            and not any(MEDIA_LINK.match(line.text) for line in first.lines)):
        # No table of contents: what comes before the first heading is the page's own text too.
        page_lines = sorted(blocks.pop(0).lines + page_lines, key=lambda line: line.number)
    themes = toc.themes if toc else splitter.found_themes
    return Outline(themes, toc.groups if toc else {}, toc is not None, blocks, page_lines)


class _Splitter:
    """Cuts the body into blocks, one line at a time."""

    def __init__(self, page_title: str, toc: Optional[Toc], theme_level: Optional[int]):
        self.page_title = page_title
        self.theme_level = theme_level  # None: by sections; 0: every heading; n: headings of level n
        self.toc_themes = toc.themes if toc else []
        self.toc_tokens = [tokens(t) for t in self.toc_themes]
        self.group_lines = {g.lower() for g in (toc.groups.values() if toc else [])}
        self.visited: set[str] = set()
        self.found_themes: list[str] = []
        self.navigation: list[Line] = []
        self.blocks: list[Block] = []
        self.section = 0
        self.section_has_heading = False
        self.current = Block(page_title, None, None, 0)

    def start(self, title: str, theme: Optional[str], heading: Optional[Line]):
        self.blocks.append(self.current)
        self.current = Block(title, theme, heading, self.section)

    def add(self, line: Line):
        if line.text.lower() in self.group_lines:
            # "LE MONDE AGRICOLE" again in the body: a signpost between sections, not a subject's text.
            self.navigation.append(line)
            self.section += 1
            self.start(self.page_title, None, None)
            return
        if _is_navigation(line, outside_sections=not self.section_has_heading):
            self.navigation.append(line)
            if SECTION_END.match(line.text):
                self.section += 1
                self.section_has_heading = False
                # With a table of contents, text after the separator stays in its theme (as printed).
                self.start(self.page_title, self.current.theme if self.toc_themes else None, None)
            return
        if self.toc_themes:
            theme = theme_of_heading(line, self.toc_themes, self.toc_tokens, self.visited)
            if theme:
                self.visited.add(theme)
                self.section += 1
                self.section_has_heading = True
                self.start(clean_heading(line.text), theme, line)
                return
        if is_subject_heading(line):
            title = clean_heading(line.text)
            if not self.toc_themes and self._is_theme_heading(line):
                # No table of contents: a section's first heading is its theme.
                if title not in self.found_themes:
                    self.found_themes.append(title)
                self.section += 1
                self.section_has_heading = True
                self.start(title, title, line)
            else:
                self.section_has_heading = True
                self.start(title, self.current.theme, line)
            return
        if (self.current.heading is not None and line.text.startswith("(") and not self.current.lines
                and find_dates(line.text)):
            # "(03/04/2025)" on the line under a heading belongs to the heading.
            self.current.title = f"{self.current.title} {line.text}"
        self.current.lines.append(line)

    def _is_theme_heading(self, line: Line) -> bool:
        if self.theme_level is None:
            return not self.section_has_heading
        return self.theme_level == 0 or line.level == self.theme_level

    def finish(self) -> list[Block]:
        self.blocks.append(self.current)
        return [b for b in self.blocks if b.heading is not None or b.lines]


def _menu_like(line: Line) -> bool:
    text = line.text.lstrip("-–•· ")
    return 0 < len(text.split()) <= 8 and not text.endswith((".", "?", "!", ":")) and not MEDIA_LINK.match(text)


def _split_off_menus(blocks: list[Block]) -> tuple[list[Block], list[Line]]:
    """Short lines under no heading after a "retour au menu …": the site's menu, printed again."""
    kept, menus = [], []
    for block in blocks:
        if block.heading is None and block.section > 0 and all(_menu_like(ln) for ln in block.lines):
            menus.extend(block.lines)
        else:
            kept.append(block)
    return kept, menus


def _date_blocks_from_group_headings(blocks: list[Block]) -> None:
    """A heading with a year ("… porteurs de projets 2024") dates the subjects under it, in its section."""
    context = None
    context_level = None  # HTML level of the heading that gave the context
    where = None
    for block in blocks:
        level = block.heading.level if block.heading is not None else None
        if (block.theme, block.section) != where or (level and context_level and level <= context_level):
            # A new section, or a heading of the same rank as the dated one: a sibling, not a part of it.
            where, context, context_level = (block.theme, block.section), None, None
        own = best_date(find_dates(block.title))
        block.context_date = None if own else context
        if own and own.precision < 3:
            first_lines = [d for ln in block.lines[:3] for d in find_dates(ln.text, years=False)]
            context, context_level = best_date([own] + first_lines) or own, level
        elif own:
            # "20 octobre 2024 : la journée des foreurs": one day's subject, not a group: the
            # subjects after it are not of that day.
            context, context_level = None, None


def _unique_lines(lines: list[Line]) -> list[Line]:
    seen, out = set(), []
    for line in lines:
        if line.text.lower() not in seen:
            seen.add(line.text.lower())
            out.append(line)
    return out
