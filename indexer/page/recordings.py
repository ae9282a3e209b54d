"""Stage 3 and 4: a block's media links become recordings, and each gets its facts.

A block with links is cut into segments: each link with the lines after it (and
the "- de X" lines introducing it). Text before the first of several links is
shared by them and kept as the subject's own text. Each recording then gets its
title (the subject heading, or the link for a reportage naming a subject), kind,
people and roles, date and passages - looking only at its own block and section.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Optional
from urllib.parse import urlsplit

from ..corpus import Corpus, PageSource
from ..dates import FoundDate, best_date, find_dates, is_recording_date, span_date
from ..records import Problem, Recording, Speaker, web_url
from .lines import Line
from .outline import Block
from .passages import passages
from .patterns import CREDIT, INTRODUCER, KINDS, MEDIA_LINK, URL, VIDEO_LINK, clean_heading, slug
from .people import ROLE_LOOKBACK, People

VIDEO_PREFIX = re.compile(r"^[-–•·*\s]*voir la ", re.I)
BULLET = re.compile(r"^[-–•·*]\s*")
AUDIO_FILE = re.compile(r"\.(?:mp3|m4a|ogg|oga|opus|wav|flac|aac)$", re.I)
YEAR_LOOKAHEAD = 40  # lines below "jeudi 29 juin" searched for its year
BEFORE_LINK_LINES = 12  # lines of a block's shared introduction read for a link's date: bounded work


class RecordingMaker:
    def __init__(self, corpus: Corpus, source: PageSource, filename: str):
        self.corpus = corpus
        self.source = source
        self.filename = filename
        self.page_url = source.url or filename
        self.people = People(corpus)
        self.problems: list[Problem] = []
        self._ids: set[str] = set()
        self._next_suffix: Counter = Counter()

    def warn(self, line: Optional[int], reason: str):
        self.problems.append(Problem(self.filename, line, reason, "warning"))

    def new_id(self, *parts: str) -> str:
        # Ids are stable as long as the page says the same thing: page, the first
        # words of the heading, the first person heard (or the kind of media).
        words = [self.source.id, *parts]
        words[1:2] = ["-".join(slug(parts[0]).split("-")[:6])] if parts else []
        base = "-".join(p for p in (slug(x) for x in words) if p)
        candidate = base
        while candidate in self._ids:  # a counter per base: linear even with thousands of homonyms
            self._next_suffix[base] = max(self._next_suffix[base], 1) + 1
            candidate = f"{base}-{self._next_suffix[base]}"
        self._ids.add(candidate)
        return candidate

    # ------------------------------------------------------------------ text of the page
    def text_recording(self, title: str, theme: Optional[str], lines: list[Line],
                       heading: Optional[Line] = None) -> Recording:
        """Text of the page that belongs to no recording, kept as passages of its section."""
        text_lines = ([heading] if heading else []) + lines
        rec = Recording(id=self.new_id(title, "texte"), title=title, theme=theme, page_url=self.page_url,
                        source=self.filename, line=text_lines[0].number if text_lines else None, media=None,
                        kind="texte de la page")
        rec.passages = passages(text_lines, "texte de la page")
        heading_date = best_date(find_dates(title))
        if heading_date:
            rec.date, rec.date_label = heading_date.iso, heading_date.label
        self.complete(rec, text_lines)
        return rec

    # ------------------------------------------------------------------ blocks
    def from_block(self, block: Block) -> list[Recording]:
        lines = block.lines
        links = [i for i, ln in enumerate(lines) if MEDIA_LINK.match(ln.text)]
        if not links:
            return [self.text_recording(block.title, block.theme, lines, heading=block.heading)]
        # A "- du/- de Name" line just before a link introduces that link's speakers.
        starts = []
        for i in links:
            start = i
            for back in (1, 2):
                if i - back >= 0 and INTRODUCER.match(lines[i - back].text) and (not starts or i - back > starts[-1]):
                    start = i - back
                    break
            starts.append(start)
        shared = lines[: starts[0]]
        interviewer_line = next((ln for ln in shared if re.match(r"^interviews? (?:r[ée]alis[ée]es? )?par\s",
                                                                   ln.text, re.I)), None)
        recordings: list[Recording] = []
        own_intro = shared
        if len(links) > 1 and shared:
            # Text shared by several recordings stays with the subject, not with one of them.
            recordings.append(self.text_recording(block.title, block.theme, shared, heading=block.heading))
            own_intro = []
        for n, (start, link_at) in enumerate(zip(starts, links)):
            end = starts[n + 1] if n + 1 < len(links) else len(lines)
            segment = Segment(block, start, link_at, end, own_intro if n == 0 else [], shared,
                              heading=block.heading if (n == 0 and len(links) == 1) else None)
            recordings.append(self.media_recording(segment, interviewer_line))
        return recordings

    def media_recording(self, seg: "Segment", interviewer_line: Optional[Line]) -> Recording:
        link = seg.link
        video = bool(VIDEO_LINK.match(link.text))
        link_rest = MEDIA_LINK.sub("", link.text, count=1).strip()
        kind = "vidéo" if video else _kind(link_rest)
        guests, interviewers, link_dates, names_a_subject = self.people.people_of_link(link_rest, kind)
        names_a_subject = names_a_subject and not video
        if names_a_subject:
            kind = "reportage"  # "- écouter la fromagerie Vandamme - l'affinage": a subject, nobody named
        for intro in seg.introducers:
            for name, role in self.people.people_list(INTRODUCER.sub("", intro.text)):
                guests.append(self.corpus.speaker(name, role))
        if interviewer_line and not interviewers:
            for name, _ in self.people.people_list(re.sub(r"^.*?\bpar\s+", "", interviewer_line.text).rstrip(" :")):
                interviewers.append(self.corpus.speaker(name, interviewer=True))
        text_lines = [ln for ln in seg.own_lines if ln is not link]
        if not guests and not video and not names_a_subject:
            guests = self.people.people_around(text_lines, interviewers)
        nearby = text_lines + seg.lines_before_link(ROLE_LOOKBACK)
        for guest in guests:
            if not guest.role:
                guest.role = self.people.role_in_text(guest.name, nearby)
            if not guest.organisation:
                guest.organisation = self.people.organisation_of(guest.role)
        block = seg.block
        if not guests and not video:
            self.warn(link.number, f"« {link.text} » : aucune personne entendue n'est nommée "
                                   f"(titre : {_link_title(link_rest) if names_a_subject else block.title})")
        title = block.title
        if video:
            title = f"{block.title} – {VIDEO_PREFIX.sub('', link.text)}"
            title = re.sub(r"\s*©.*$", "", title)
        elif names_a_subject:
            title = _link_title(link_rest)
        rec = Recording(id="", title=title, theme=block.theme, page_url=self.page_url, source=self.filename,
                        line=link.number, media="video" if video else "audio", kind=kind,
                        speakers=_unique_speakers(guests + interviewers),
                        audio_url=link.href or (None if video else _printed_audio_url(seg.after_link())),
                        link_text=BULLET.sub("", link.text))
        first_guest = rec.guests[0].name if rec.guests else ("video" if video else kind)
        rec.id = self.new_id(title if names_a_subject else block.title, first_guest)
        date = self.date_of(seg, link_dates)
        if date:
            rec.date, rec.date_label = date.iso, date.label
        # The "écouter …" line is the recording's link, not a presentation of it: kept as its
        # link text (searched with its title), not as a passage (issue 21, point 12) - unless
        # the page says nothing else of it, which would leave it no passage to be found by.
        text_lines = ([seg.heading] if seg.heading else []) + [ln for ln in seg.own_lines if ln is not link]
        rec.passages = passages(text_lines, "présentation") or passages([link], "présentation")
        self.complete(rec, text_lines)
        return rec

    def date_of(self, seg: "Segment", link_dates: list[FoundDate]) -> Optional[FoundDate]:
        """The date of the recording, from its own block only (and the date of its group heading).

        The link's own date wins; else the heading, the lines before the link, full dates after
        it, the group heading's. Runs of an exhibition and deadlines ("jusqu'au …") are not
        the date of a recording: when nothing else is printed, a run tells at most what its
        two ends share ("7-9 juin 2024" -> 2024-06). No date is better than a wrong one.
        """
        points = [d for d in link_dates if is_recording_date(d)]
        if any(d.precision >= 2 and d.year for d in points):
            return best_date(points)
        block = seg.block
        # The date printed nearest above the link ("lors de l'inauguration du 18/10/2024") is
        # the day of the recording rather than its heading's ("20 octobre 2024 : …").
        before = [d for line in seg.before_link_for_dates() for d in find_dates(line.text)]
        found = list(link_dates) + [d for d in before if d.precision >= 3]  # a day: an event's
        found += find_dates(block.title) + [d for d in before if d.precision < 3]
        after = seg.after_link()
        for line in after:
            found += find_dates(line.text, years=False)
        if block.context_date:
            found.append(block.context_date)
        candidates = [d for d in found if is_recording_date(d)]
        if not any(c.year for c in candidates):
            day_at = next((i for i, ln in enumerate(after) if any(
                d.year is None and is_recording_date(d) for d in find_dates(ln.text, years=False))), None)
            if day_at is not None:
                # "jeudi 29 juin": the year is the nearest one printed below it in the
                # subject, e.g. under a video link ("© René Lavergne 2023").
                first = seg.link_at + 1 + day_at
                below = block.lines[first:first + YEAR_LOOKAHEAD]
                candidates += [d for ln in below for d in find_dates(ln.text) if d.precision == 1][:1]
        return best_date(candidates) or span_date([d for d in found if d.kind == "range"])

    def complete(self, rec: Recording, lines: list[Line]):
        texts = [rec.title, rec.link_text or ""] + [ln.text for ln in lines]
        texts += [s.role or "" for s in rec.speakers]
        rec.places = self.people.places.find(*texts)
        orgs = [s.organisation for s in rec.speakers if s.organisation and not s.interviewer]
        orgs += self.people.organisations.find(*texts)
        rec.organisations = list(dict.fromkeys(orgs))


class Segment:
    """One link of a block and the lines that belong to it."""

    def __init__(self, block: Block, start: int, link_at: int, end: int, intro: list[Line], shared: list[Line],
                 heading: Optional[Line]):
        self.block = block
        self.start, self.link_at, self.end = start, link_at, end
        self.intro = intro  # the block's introduction, when this is its only link
        self.shared = shared  # the block's introduction, shared by all its links
        self.heading = heading
        self.link = block.lines[link_at]
        self.introducers = block.lines[start:link_at]
        self.own_lines = intro + block.lines[start:end]

    def after_link(self) -> list[Line]:
        return self.block.lines[self.link_at + 1:self.end]

    def before_link_for_dates(self) -> list[Line]:
        """Intro and introducers of this link, then the nearest lines of the shared introduction;
        credits ("photo : X - 2016") date a picture, not the recording."""
        own = (self.intro + self.introducers)[::-1][:BEFORE_LINK_LINES]  # nearest first
        shared = [] if self.intro else self.shared[-BEFORE_LINK_LINES:][::-1]
        return [ln for ln in own + shared if not CREDIT.match(ln.text)]

    def lines_before_link(self, count: int) -> list[Line]:
        """The nearest lines above the link in its block, nearest first (for roles printed there)."""
        first = max(0, self.link_at - count)
        return self.block.lines[first:self.link_at][::-1]


def _printed_audio_url(after: list[Line]) -> Optional[str]:
    """A capture has no hrefs, but a link may be followed by its file's address, printed bare."""
    if after and URL.match(after[0].text) and AUDIO_FILE.search(urlsplit(after[0].text).path):
        return web_url(after[0].text)
    return None


def _kind(link_rest: str) -> str:
    for pattern, kind in KINDS:
        if pattern.search(link_rest):
            return kind
    return "interview"  # "écouter Sandra, …" or a bare "écouter" after "Interviews par …"


def _link_title(link_rest: str) -> str:
    title = clean_heading(link_rest)
    return title[:1].upper() + title[1:]


def _unique_speakers(speakers: list[Speaker]) -> list[Speaker]:
    seen: dict[str, Speaker] = {}
    for s in speakers:
        if s.name not in seen:
            seen[s.name] = s
        elif not seen[s.name].role and s.role:
            seen[s.name].role = s.role
    return list(seen.values())
