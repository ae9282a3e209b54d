"""The artoiscast page parser: a page (HTML or text capture) becomes recordings.

The site's pages are hand-made prose, not a template. What they reliably have:
- a table of contents ("Les sujets et thèmes de la page :") listing the themes,
  whose headings come back in the body, in another order and worded a little
  differently;
- subjects, mostly introduced by a line starting with "- ";
- media links: "écouter …" (audio) and "voir la vidéo …" (video); a link names
  its speaker, or the people heard are named by a "- du Lieutenant-colonel …" /
  "- de …" line before a bare "écouter", or in the text around, or nowhere;
- editorial text around a link: presentation, "Résumé de l'entretien",
  "synthèse", "Points clés", "En résumé" …

HTML and text captures are first turned into the same list of lines (an HTML
link keeps its href), then go through the same parser. Nothing of the page is
lost: text that belongs to no recording becomes passages of its section.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from unidecode import unidecode

from .analysis import analyze
from .corpus import Corpus, PageSource
from .dates import FoundDate, best_date, find_dates
from .gazetteer import Gazetteer
from .records import Passage, Problem, Recording, Speaker, web_url

# --------------------------------------------------------------------------- lines


@dataclass
class Line:
    number: int  # 1-based line in the capture (or in the text extracted from HTML)
    text: str  # whitespace collapsed
    blank_before: int = 0  # blank lines just above: the page's only layout signal
    joined_to_previous: bool = False  # no blank line between this line and the previous one
    href: Optional[str] = None  # for HTML media links


def lines_from_text(text: str) -> list[Line]:
    lines: list[Line] = []
    blanks = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        collapsed = " ".join(raw.split())
        if not collapsed:
            blanks += 1
            continue
        lines.append(Line(number, collapsed, blanks, joined_to_previous=bool(lines) and blanks == 0))
        blanks = 0
    return lines


_BLOCK_TAGS = ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tr",
               "section", "article", "header", "footer", "blockquote", "pre", "hr", "title"]
_HREF_MARK = re.compile("\ue000(\\d+)\ue001")


def lines_from_html(html: str, base_url: Optional[str] = None) -> list[Line]:
    """Lines of an HTML page, as a person reads them; media links keep their href."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    hrefs: list[Optional[str]] = []
    for anchor in soup.find_all("a", href=True):
        if MEDIA_LINK.match(anchor.get_text(" ", strip=True)):
            # Only http(s) media links are kept ("javascript:" stays text).
            hrefs.append(web_url(urljoin(base_url or "", anchor["href"].strip())))
            anchor.append(f"\ue000{len(hrefs) - 1}\ue001")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    text = soup.get_text()
    lines = lines_from_text(text)
    for line in lines:
        match = _HREF_MARK.search(line.text)
        if match:
            line.href = hrefs[int(match.group(1))]
            line.text = " ".join(_HREF_MARK.sub("", line.text).split())
    return [line for line in lines if line.text]


# --------------------------------------------------------------------------- patterns

MEDIA_LINK = re.compile(r"^\s*(écouter|ecouter|voir la vid[ée]o)\b", re.I)
VIDEO_LINK = re.compile(r"^\s*voir la vid[ée]o\b", re.I)
TOC_HEADER = re.compile(r"sujets et th[èe]mes de la page", re.I)
FOOTER = re.compile(r"^retour [àa] la page d'accueil", re.I)
NAVIGATION = re.compile(r"^retour (en|au) d[ée]but de page$|^retour [àa] la page d'accueil", re.I)
INTRODUCER = re.compile(r"^-\s*(?:du|de|d['’])\s*(?=[A-ZÀ-Ý])")
NUMBERED = re.compile(r"^\s*\d+\s*[.)]\s")

SUMMARY_LABELS = [
    (re.compile(r"^r[ée]sum[ée] de l['’]entretien\b", re.I), "résumé"),
    (re.compile(r"^en r[ée]sum[ée]\b", re.I), "résumé"),
    (re.compile(r"^synth[èe]se\b", re.I), "synthèse"),
    (re.compile(r"^points? cl[ée]s?\b", re.I), "points clés"),
]
TRAILING_SYNTHESIS = re.compile(r"^\(\s*synth[èe]se de (?P<who>[^)]+)\)$", re.I)

_UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"
_WORD = rf"[{_UPPER}][\w'’\-]*"
# A person's name: capitalised words, with the usual particles ("El", "de", "van").
NAME = rf"{_WORD}(?:\s+(?:(?:van|von|le|la)\s+)?{_WORD}){{0,3}}"
NAME_RE = re.compile(NAME)
TITLES = re.compile(
    r"^(?:(?:le|la)\s+)?(lieutenant-colonel|lieutenant|colonel|commandant|capitaine|g[ée]n[ée]ral|"
    r"monsieur|madame|m\.|mme|docteur|dr|ma[îi]tre|professeur|pr)\s+",
    re.I,
)

KINDS = [
    (re.compile(r"^l['’]interview\b", re.I), "interview"),
    (re.compile(r"^la pr[ée]sentation\b", re.I), "présentation"),
    (re.compile(r"^l['’]entretien\b", re.I), "entretien"),
    (re.compile(r"^le reportage\b", re.I), "reportage"),
    (re.compile(r"^les moments choisis\b|\(montage\b", re.I), "montage"),
    (re.compile(r"^le sujet\b", re.I), "sujet"),
]

# People met or heard, named in the text around a link that names nobody.
MET_PEOPLE = re.compile(
    r"(?:nous (?:y )?(?:retrouvons|retouvons|rencontrons|entendons)|rencontre (?:avec|avc))\s+",
    re.I,
)
OFFICE_HOLDER = re.compile(rf"\b(?:par |avec )?(?:le|la) (maire|pr[ée]sidente?|directeur|directrice|adjointe?)\s*,\s*({NAME})",
                           re.I)


def _clean_heading(text: str) -> str:
    text = text.strip()
    text = re.sub(r"^-+\s*", "", text)
    text = re.sub(r"\"\s*([^\"]*?)\s*\"", r"« \1 »", text)
    text = text.replace(" - ", " – ").strip(" -–")
    return " ".join(text.split())


def _tokens(text: str) -> set[str]:
    return set(analyze(text))


# --------------------------------------------------------------------------- speakers


def _strip_title(text: str) -> tuple[str, Optional[str]]:
    match = TITLES.match(text)
    if not match:
        return text, None
    title = match.group(1)
    return text[match.end():], title[:1].upper() + title[1:]


def _cut_role(role: str) -> Optional[str]:
    """A role as printed, without the sentence that follows it."""
    role = role.strip()
    role = re.split(r"\.\s|\.$|;|\s+(?:il|elle)\s|,\s+(?:un|une)\s|,\s+[\"«]", role)[0]
    role = re.sub(r"^(?:est\s+)?(?:le|la|l['’]|un|une|du|de la|de l['’]|de)\s*(?=\w)", "", role.strip(" ,.:"), flags=re.I)
    role = role.strip(" ,.:-–")
    return role or None


def _person(text: str) -> Optional[tuple[str, Optional[str]]]:
    """(name, role) from "Name, role" / "Name role" / "Lieutenant-colonel Name, role"."""
    text = text.strip(" ,")
    text, title = _strip_title(text)
    match = NAME_RE.match(text)
    if not match:
        return None
    name = match.group(0)
    rest = text[match.end():]
    role = _cut_role(rest.lstrip(" ,")) if rest.strip(" ,.") else None
    if title:
        role = f"{title}, {role}" if role else title
    return name, role


def _people_list(text: str) -> list[tuple[str, Optional[str]]]:
    """ "A, role et de B, role" -> [(A, role), (B, role)]."""
    parts = re.split(r"\s+et\s+(?:de\s+|d['’]\s*)?(?=[" + _UPPER + r"])", text)
    people = []
    for part in parts:
        found = _person(part)
        if found:
            people.append(found)
    return people


# --------------------------------------------------------------------------- parse


@dataclass
class Block:
    """The lines of one subject: a heading and what follows until the next heading."""

    title: str
    theme: Optional[str]
    heading: Optional[Line]
    lines: list[Line] = field(default_factory=list)
    context_date: Optional[FoundDate] = None


@dataclass
class PageResult:
    recordings: list[Recording]
    problems: list[Problem]
    themes: list[str]


class PageParser:
    def __init__(self, corpus: Corpus, source: PageSource, filename: str):
        self.corpus = corpus
        self.source = source
        self.filename = filename
        self.page_url = source.url or filename
        self.problems: list[Problem] = []
        self.places = Gazetteer({p: [] for p in corpus.places})
        self.organisations = Gazetteer({o.name: o.aliases for o in corpus.organisations})
        self._ids: set[str] = set()

    # ------------------------------------------------------------------ helpers
    def warn(self, line: Optional[int], reason: str):
        self.problems.append(Problem(self.filename, line, reason, "warning"))

    def new_id(self, *parts: str) -> str:
        # Ids are stable as long as the page says the same thing: page, the first
        # words of the heading, the first person heard (or the kind of media).
        words = [self.source.id, *parts]
        words[1:2] = ["-".join(_slug(parts[0]).split("-")[:6])] if parts else []
        base = "-".join(p for p in (_slug(x) for x in words) if p)
        candidate, n = base, 2
        while candidate in self._ids:
            candidate, n = f"{base}-{n}", n + 1
        self._ids.add(candidate)
        return candidate

    # ------------------------------------------------------------------ structure
    def find_toc(self, lines: list[Line]) -> tuple[int, int, list[str]]:
        """(index of the TOC header, index of the first body line, theme titles)."""
        for i, line in enumerate(lines):
            if TOC_HEADER.search(line.text):
                themes: list[str] = []
                seen: set[frozenset] = set()
                j = i + 1
                # The TOC ends at a wider gap than the one between its first two entries
                # (one blank line in a capture, more between HTML blocks).
                gap = lines[i + 2].blank_before if i + 2 < len(lines) else 1
                while j < len(lines) and lines[j].text.startswith("-"):
                    if len(themes) >= 2 and lines[j].blank_before > gap:
                        break
                    key = frozenset(_tokens(lines[j].text))
                    if key in seen:
                        break
                    seen.add(key)
                    themes.append(_clean_heading(lines[j].text))
                    j += 1
                return i, j, themes
        return -1, 0, []

    def theme_of_heading(self, line: Line, themes: list[str], visited: set[str]) -> Optional[str]:
        """The theme a body line announces, if it is one of the TOC's headings."""
        tokens = _tokens(line.text)
        if not tokens or len(tokens) > 25 or MEDIA_LINK.match(line.text) or NUMBERED.match(line.text):
            return None
        best, best_score = None, 0.0
        for theme in themes:
            if theme in visited:
                continue
            theme_tokens = _tokens(theme)
            common = len(tokens & theme_tokens)
            if common < 2:
                continue
            if common / len(tokens) >= 0.6 and common / len(theme_tokens) >= 0.4:
                score = common / len(tokens) + common / len(theme_tokens)
                if score > best_score:
                    best, best_score = theme, score
        return best

    @staticmethod
    def is_subject_heading(line: Line) -> bool:
        text = line.text
        if text.startswith("-"):
            body = text.lstrip("- ").strip()
            return (
                bool(re.search(r"\w", body))
                and len(body) <= 150
                and not body.endswith(":")
                and not INTRODUCER.match(text)
                and not MEDIA_LINK.match(body)
            )
        # A headline without a dash: a short question standing alone on the page.
        return (
            text.endswith("?")
            and len(text) <= 120
            and line.blank_before >= 2
            and not NUMBERED.match(text)
        )

    def split_blocks(self, lines: list[Line], themes: list[str]) -> tuple[list[Block], list[Line]]:
        blocks: list[Block] = []
        navigation: list[Line] = []
        visited: set[str] = set()
        current = Block(title=self.source.title or self.source.id, theme=None, heading=None)
        for line in lines:
            if NAVIGATION.match(line.text):
                navigation.append(line)
                continue
            theme = self.theme_of_heading(line, themes, visited) if themes else None
            if theme:
                visited.add(theme)
                blocks.append(current)
                current = Block(_clean_heading(line.text), theme, line)
                continue
            if self.is_subject_heading(line):
                blocks.append(current)
                title = _clean_heading(line.text)
                current = Block(title, current.theme, line)
                continue
            if (
                current.heading is not None
                and line.text.startswith("(")
                and len(current.lines) == 0
                and find_dates(line.text)
            ):
                # "(03/04/2025)" on the line under a heading belongs to the heading.
                current.title = f"{current.title} {line.text}"
            current.lines.append(line)
        blocks.append(current)
        # A heading with a year ("… porteurs de projets 2024") dates the subjects that follow it.
        context = None
        theme = object()
        for block in blocks:
            if block.theme != theme:
                theme, context = block.theme, None
            own = best_date(find_dates(block.title))
            if own:
                in_block = best_date([own] + [d for ln in block.lines[:3] for d in find_dates(ln.text, years=False)])
                context = in_block or own
                block.context_date = None
            else:
                block.context_date = context
        return [b for b in blocks if b.heading is not None or b.lines], navigation

    # ------------------------------------------------------------------ parse
    def parse(self, lines: list[Line]) -> PageResult:
        toc_at, body_at, themes = self.find_toc(lines)
        recordings: list[Recording] = []
        if toc_at < 0:
            self.warn(None, "table des sujets (« Les sujets et thèmes de la page ») introuvable : "
                            "le texte est indexé sans thème")
            preamble, body = [], lines
        else:
            preamble, body = lines[:body_at], lines[body_at:]
        footer_at = next((i for i, ln in enumerate(body) if FOOTER.match(ln.text)), len(body))
        footer = body[footer_at:]
        body = body[:footer_at]

        blocks, navigation = self.split_blocks(body, themes)
        for block in blocks:
            recordings.extend(self.parse_block(block))
        page_lines = preamble + footer + _unique_lines(navigation)
        if page_lines:
            recordings.insert(0, self.section_recording(self.source.title or self.source.id, None, page_lines))
        media = [r for r in recordings if r.media]
        if not media:
            self.warn(None, "aucun lien « écouter » ni « voir la vidéo » trouvé dans la page")
        return PageResult(recordings, self.problems, themes)

    def section_recording(self, title: str, theme: Optional[str], lines: list[Line],
                          heading: Optional[Line] = None) -> Recording:
        """Text of the page that belongs to no recording, kept as passages of its section."""
        text_lines = ([heading] if heading else []) + lines
        rec = Recording(
            id=self.new_id(title, "texte"),
            title=title,
            theme=theme,
            page_url=self.page_url,
            source=self.filename,
            line=text_lines[0].number if text_lines else None,
            media=None,
            kind="texte de la page",
        )
        rec.passages = _passages(text_lines, "texte de la page")
        heading_date = best_date(find_dates(title))
        if heading_date:
            rec.date, rec.date_label = heading_date.iso, heading_date.label
        self.complete(rec, text_lines)
        return rec

    def parse_block(self, block: Block) -> list[Recording]:
        links = [i for i, ln in enumerate(block.lines) if MEDIA_LINK.match(ln.text)]
        if not links:
            return [self.section_recording(block.title, block.theme, block.lines, heading=block.heading)]
        # Segments: what comes before the first link, then each link with the text after it.
        # A "- du/- de Name" line just before a link introduces that link's speakers.
        starts = []
        for i in links:
            start = i
            for back in (1, 2):
                if i - back >= 0 and INTRODUCER.match(block.lines[i - back].text) and (
                    not starts or i - back > starts[-1]
                ):
                    start = i - back
                    break
            starts.append(start)
        pre = block.lines[: starts[0]]
        interviewer_line = next((ln for ln in pre if re.match(r"^interviews? (?:r[ée]alis[ée]es? )?par\s", ln.text, re.I)),
                                None)
        recordings: list[Recording] = []
        if len(links) > 1 and pre:
            # Text shared by several recordings stays with the subject, not with one of them.
            recordings.append(self.section_recording(block.title, block.theme, pre, heading=block.heading))
            pre = []
        for n, (start, link_at) in enumerate(zip(starts, links)):
            end = starts[n + 1] if n + 1 < len(links) else len(block.lines)
            segment = block.lines[start:end]
            own_lines = (pre if n == 0 else []) + segment
            heading = block.heading if (n == 0 and len(links) == 1) else None
            recordings.append(self.media_recording(
                block, own_lines, block.lines[link_at], block.lines[start:link_at],
                heading=heading, interviewer_line=interviewer_line))
        return recordings

    def media_recording(self, block: Block, lines: list[Line], link: Line, introducers: list[Line],
                        heading: Optional[Line], interviewer_line: Optional[Line]) -> Recording:
        video = bool(VIDEO_LINK.match(link.text))
        link_rest = MEDIA_LINK.sub("", link.text, count=1).strip()
        kind = "vidéo" if video else _kind(link_rest)
        guests, interviewers, link_date = self.people_of_link(link_rest, kind)
        for intro in introducers:
            for name, role in _people_list(INTRODUCER.sub("", intro.text)):
                guests.append(self.corpus.speaker(name, role))
        if interviewer_line and not interviewers:
            for name, _ in _people_list(re.sub(r"^.*?\bpar\s+", "", interviewer_line.text).rstrip(" :")):
                interviewers.append(self.corpus.speaker(name, interviewer=True))
        text_lines = [ln for ln in lines if ln is not link]
        if not guests and not video:
            guests = self.people_around(text_lines, interviewers)
        for guest in guests:
            if not guest.role:
                guest.role = self.role_in_text(guest.name, text_lines)
            if not guest.organisation and guest.role:
                found = self.organisations.find(guest.role)
                guest.organisation = found[0] if found else None
        if not guests and not video:
            self.warn(link.number, f"« {link.text} » : aucune personne entendue n'est nommée "
                                   f"(titre : {block.title})")

        title = block.title
        if video:
            title = f"{block.title} – {re.sub(r'^voir la ', '', link.text, flags=re.I)}"
            title = re.sub(r"\s*©.*$", "", title)
        rec = Recording(
            id="",
            title=title,
            theme=block.theme,
            page_url=self.page_url,
            source=self.filename,
            line=link.number,
            media="video" if video else "audio",
            kind=kind,
            speakers=_unique_speakers(guests + interviewers),
            audio_url=link.href,
            link_text=link.text,
        )
        first_guest = rec.guests[0].name if rec.guests else ("video" if video else kind)
        rec.id = self.new_id(block.title, first_guest)
        # The date: printed in the link; else in the heading, before the link, or as a
        # full date after it, else the date of the group heading above. A more precise
        # date of the same year refines the first one found.
        link_at = lines.index(link) if link in lines else 0
        if any(d.precision >= 2 and d.year for d in link_date):
            candidates = list(link_date)
        else:
            candidates = list(link_date)
            candidates += find_dates(block.title)
            candidates += [d for ln in lines[:link_at] for d in find_dates(ln.text)]
            candidates += [d for ln in lines[link_at + 1:] for d in find_dates(ln.text, years=False)]
            if block.context_date:
                candidates.append(block.context_date)
            day_line = next((ln for ln in lines[link_at + 1:] if any(
                d.year is None for d in find_dates(ln.text, years=False))), None)
            if day_line is not None and not any(c.year for c in candidates):
                # "jeudi 29 juin": the year is the nearest one printed below it in the
                # subject, e.g. under a video link ("© René Lavergne 2023").
                below = block.lines[block.lines.index(day_line):]
                candidates += [d for ln in below for d in find_dates(ln.text) if d.precision == 1][:1]
        date = best_date(candidates)
        if date:
            rec.date, rec.date_label = date.iso, date.label
        text_lines = ([heading] if heading else []) + lines
        rec.passages = _passages(text_lines, "présentation")
        self.complete(rec, text_lines)
        return rec

    def complete(self, rec: Recording, lines: list[Line]):
        texts = [rec.title, rec.link_text or ""] + [ln.text for ln in lines]
        texts += [s.role or "" for s in rec.speakers]
        rec.places = self.places.find(*texts)
        orgs = [s.organisation for s in rec.speakers if s.organisation and not s.interviewer]
        orgs += self.organisations.find(*texts)
        rec.organisations = list(dict.fromkeys(orgs))

    # ------------------------------------------------------------------ people
    def people_of_link(self, rest: str, kind: str) -> tuple[list[Speaker], list[Speaker], list[FoundDate]]:
        """Guests, interviewers and dates printed in the text of a link."""
        guests: list[Speaker] = []
        interviewers: list[Speaker] = []
        dates = find_dates(rest)
        # Dates and credits at the end: " - mars 2025", " © octobre 2012".
        rest = re.sub(r"\s*(?:[-–]\s*|©\s*)(?:\d{1,2}(?:er)?\s+)?(?:\w+\s+)?(?:19|20)\d\d\s*$", "", rest).strip()
        montage = re.search(r"\(montage\s+(?P<who>[^)]+)\)", rest, re.I)
        if montage:
            interviewers.append(self.corpus.speaker(montage.group("who"), role="montage", interviewer=True))
            rest = rest[: montage.start()].strip()
        matched_kind = next((p for p, k in KINDS if p.match(rest)), None)
        if matched_kind:
            rest = matched_kind.sub("", rest, count=1).strip()
        # "… par René Lavergne" at the end: the interviewer (for a presentation, the presenter).
        by = re.search(rf"(?:,\s*|\s+)par\s+({NAME})\s*$", rest)
        by_name = None
        if by and not rest.startswith("par "):
            by_name = by.group(1)
            rest = rest[: by.start()].strip(" ,")
        if kind == "présentation" and rest.startswith("par "):
            rest = rest[4:]
        elif kind in ("reportage", "sujet") and re.match(r"^(de|d['’])\s*", rest):
            who = re.sub(r"^(de|d['’])\s*", "", rest)
            found = _person(who)
            if found:
                interviewers.append(self.corpus.speaker(found[0], role=kind, interviewer=True))
            rest = ""
        elif kind == "entretien" and rest.startswith("par "):
            by_name, rest = rest[4:].strip(), ""
        rest = re.sub(r"^(de|d['’])\s*", "", rest).strip()
        if by_name:
            interviewers.append(self.corpus.speaker(by_name, interviewer=True))
        if rest:
            team = re.match(r"^(l['’]équipe|les équipes)\b", rest, re.I)
            if team:
                project = re.search(r"\bdu projet\s+(.*)$", rest)
                role = _clean_heading(f"projet {project.group(1)}") if project else None
                guests.append(Speaker(name=_team_name(rest), role=role, interviewer=False))
                organisation = self.organisations.find(rest)
                if organisation:
                    guests[-1].organisation = organisation[0]
            else:
                for name, role in _people_list(rest):
                    guests.append(self.corpus.speaker(name, role))
        return guests, interviewers, dates

    def people_around(self, lines: list[Line], interviewers: list[Speaker]) -> list[Speaker]:
        """People the text says are heard: "Nous retrouvons A du C2RP et B du Cd2e", "le Maire, X"."""
        known = {s.name for s in interviewers}
        found: list[Speaker] = []
        for line in lines:
            for match in MET_PEOPLE.finditer(line.text):
                after = line.text[match.end():]
                after = re.split(r"(?<=[a-zé)])\.\s|\.$", after)[0]
                for name, role in _people_list(after):
                    speaker = self.corpus.speaker(name, _cut_role(re.sub(r"\s*\([^)]*\)", "", role or "")) if role else None)
                    if speaker.name not in known:
                        found.append(speaker)
                        known.add(speaker.name)
            for match in OFFICE_HOLDER.finditer(line.text):
                speaker = self.corpus.speaker(match.group(2), match.group(1)[:1].upper() + match.group(1)[1:])
                if speaker.name not in known:
                    found.append(speaker)
                    known.add(speaker.name)
        return found

    def role_in_text(self, name: str, lines: list[Line]) -> Optional[str]:
        """A role printed next to the name: "Name est …", "rencontre avec Name, …", "Name, …"."""
        # Line by line: a role never runs on into the next line of the page.
        spelled = re.escape(name).replace(r"\ ", r"\s+")
        for pattern in (rf"{spelled}\s+est\s+(.+)", rf"{spelled}\s*,\s*(.+)"):
            for line in lines:
                for match in re.finditer(pattern, line.text, re.I):
                    role = _cut_role(match.group(1))
                    if role and len(role) >= 4:
                        return role
        return None


# --------------------------------------------------------------------------- helpers


def _slug(text: str) -> str:
    text = unidecode(text or "").lower()
    text = re.sub(r"\b(?:l|d|qu|s|n|j|c)'", "", text)
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in {"le", "la", "les", "de", "du", "des", "et", "a", "en", "au", "aux", "un", "une"}]
    return "-".join(words)


def _kind(link_rest: str) -> str:
    for pattern, kind in KINDS:
        if pattern.search(link_rest):
            return kind
    return "interview"  # "écouter Sandra, …" or a bare "écouter" after "Interviews par …"


def _team_name(text: str) -> str:
    text = re.sub(r"\s+e?de\s+", " de ", text)  # "l'équipe ede l'ESAD": a typo on the page
    text = re.split(r"\s+du projet\b", text)[0]
    return text[:1].upper() + text[1:]


def _unique_speakers(speakers: list[Speaker]) -> list[Speaker]:
    seen: dict[str, Speaker] = {}
    for s in speakers:
        if s.name not in seen:
            seen[s.name] = s
        elif not seen[s.name].role and s.role:
            seen[s.name].role = s.role
    return list(seen.values())


def _unique_lines(lines: list[Line]) -> list[Line]:
    seen, out = set(), []
    for line in lines:
        if line.text.lower() not in seen:
            seen.add(line.text.lower())
            out.append(line)
    return out


MAX_PASSAGE_CHARS = 700


def _passages(lines: list[Line], label: str) -> list[Passage]:
    """Editorial text cut into passages: at labels ("Résumé de l'entretien"), numbered parts, or size."""
    passages: list[Passage] = []
    chunk: list[Line] = []
    current = label

    def flush():
        if chunk:
            text = ""
            for ln in chunk:
                if text:
                    text += " " if ln.joined_to_previous else "\n"
                text += ln.text
            passages.append(Passage(text=text, verbatim=False, label=current, line=chunk[0].number))
            chunk.clear()

    for line in lines:
        new_label = next((lab for pattern, lab in SUMMARY_LABELS if pattern.match(line.text)), None)
        size = sum(len(ln.text) for ln in chunk)
        if new_label:
            flush()
            current = new_label
        elif chunk and ((NUMBERED.match(line.text) and size > 200) or size + len(line.text) > MAX_PASSAGE_CHARS):
            flush()
        trailing = TRAILING_SYNTHESIS.match(line.text)
        if trailing:
            # "(Synthèse de René Lavergne)" closes a synthesis printed *above* it.
            flush()
            for passage in passages:
                if passage.label == "présentation" and passage is not passages[0]:
                    passage.label = "synthèse"
            current = "synthèse"
        chunk.append(line)
    flush()
    return passages


def parse_page(content: str, source: PageSource, corpus: Corpus, filename: str,
               is_html: Optional[bool] = None) -> PageResult:
    """Recordings of one page, from its HTML or its text capture."""
    if is_html is None:
        head = content.lstrip()[:500].lower()
        is_html = head.startswith("<!doctype html") or "<html" in head or "<body" in head
    lines = lines_from_html(content, source.url) if is_html else lines_from_text(content)
    return PageParser(corpus, source, filename).parse(lines)
