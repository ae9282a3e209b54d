"""The records that flow from sources to the index.

sources (pages, transcripts, corpus.yaml) -> these records -> Whoosh documents.
Nothing here knows about Whoosh or Flask.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from unidecode import unidecode


def name_key(name: str) -> str:
    """A spelling-insensitive key for names: case, accents, hyphens and spaces folded."""
    return re.sub(r"[\W_]+", " ", unidecode(name).lower()).strip()


def web_url(url: Optional[str]) -> Optional[str]:
    """The URL if it is an http(s) address, else None: a corpus may hold
    "javascript:" or "data:" links, which must never become links on a page."""
    if url and re.match(r"^https?://[^\s/]", url.strip(), re.I):
        return url.strip()
    return None


@dataclass
class Problem:
    """Something in a source that could not be used as it is.

    Reported with the file and line (or cue number) so a person can fix it;
    the rest of the file is still used.
    """

    file: str
    line: Optional[int]
    reason: str
    severity: str = "error"  # "error": something was skipped; "warning": used, but doubtful

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.severity}: {self.reason}"


@dataclass
class Speaker:
    name: str
    role: Optional[str] = None
    organisation: Optional[str] = None
    interviewer: bool = False
    aliases: list[str] = field(default_factory=list)  # other spellings, labels in files: the speaker filter knows them


@dataclass
class Cue:
    """One timed unit of a transcript, as read from its file."""

    start: Optional[float]  # None (and end None) for an utterance without times (CHAT without bullets)
    end: Optional[float]
    text: str
    speaker: Optional[str] = None  # the label as the file gives it (name, SPEAKER_01, spk2 …)
    line: Optional[int] = None  # line number in the file (or cue number when the format has no lines)
    # Sound events and other non-speech marks ("[rires]", "{rire}", "♪") as written,
    # each at its character offset in `text` - shown, never indexed nor quoted.
    events: list[tuple[int, str]] = field(default_factory=list)
    topic: Optional[str] = None  # the topic of its section (Transcriber <Section topic>), when the file has some
    # (char offset in `text`, start in seconds) of each word the file times (Whisper/WhisperX JSON):
    # a link to a word found in the cue opens the audio at that word, not at the cue's start.
    words: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class Passage:
    """A searchable piece of a recording.

    verbatim=True: words actually spoken (from a transcript), with times.
    verbatim=False: editorial text (presentation, summary) - never a quote.
    """

    text: str
    verbatim: bool = False
    label: str = "présentation"  # "présentation", "résumé", "synthèse", "points clés", "transcription", "texte de la page" …
    speaker: Optional[str] = None
    interviewer: bool = False
    start: Optional[float] = None
    end: Optional[float] = None
    cues: list[tuple[float, float]] = field(default_factory=list)  # original cue times inside the passage
    cue_offsets: list[int] = field(default_factory=list)  # char offset in `text` of each cue of `cues`
    words: list[tuple[int, float]] = field(default_factory=list)  # (char offset in `text`, start) of timed words
    line: Optional[int] = None  # first source line, for reports
    events: list[tuple[int, str]] = field(default_factory=list)  # (offset in text, event as written), see Cue
    topic: Optional[str] = None  # a transcript section's own topic
    uncertain: list[list[int]] = field(default_factory=list)  # [start, end] chars of words ASR was unsure of
    # An automatic transcript's speaker, named by voice (indexer/speech/attribution.py): how sure, 0 to 1.
    speaker_confidence: Optional[float] = None
    # Known names heard misspelled (automatic transcripts, indexer/names.py):
    # [start, end, canonical name, heard words, known spelling matched]. The text stays as heard.
    approximate: list[list] = field(default_factory=list)


@dataclass
class Recording:
    """One media item (audio or video) - or, with media=None, a page section's own text."""

    id: str
    title: str
    theme: Optional[str] = None
    page_url: Optional[str] = None
    source: Optional[str] = None  # file the recording was read from
    line: Optional[int] = None
    media: Optional[str] = "audio"  # "audio", "video", or None for page text that belongs to no recording
    kind: Optional[str] = None  # interview, présentation, entretien, reportage, montage, sujet, page
    speakers: list[Speaker] = field(default_factory=list)
    date: Optional[str] = None  # ISO at the precision printed: "2025", "2025-03", "2025-03-14"
    date_label: Optional[str] = None  # the date as printed on the page
    audio_url: Optional[str] = None  # where the media is on the web (the "écouter" link's href)
    audio_file: Optional[str] = None  # a file under the corpus' audio/ folder, served by the app
    link_text: Optional[str] = None  # the "écouter …" text as printed
    places: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    transcript: Optional[str] = None  # transcript file, when one completes the recording
    automatic: Optional[dict] = None  # {"model", "date"} when the transcript is speech recognition's, unreviewed
    audio_dead: bool = False  # `fetch --audio` found the "écouter" link dead (404, 410): not audio

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_file or (self.audio_url and self.media == "audio" and not self.audio_dead))

    @property
    def year(self) -> Optional[str]:
        return self.date[:4] if self.date else None

    @property
    def interviewers(self) -> list[Speaker]:
        return [s for s in self.speakers if s.interviewer]

    @property
    def guests(self) -> list[Speaker]:
        return [s for s in self.speakers if not s.interviewer]


# Invisible format characters (Unicode category Cf): bidirectional overrides and isolates
# (U+202A-U+202E, U+2066-U+2069), marks, zero-width spaces and joiners, soft hyphens, BOMs.
# In a name or a title they only serve to deceive: "Marie Curie" twice, looking the same,
# or a title displayed "Titre exe.png" that is stored "Titre gnp.exe".
def strip_invisible(text: Optional[str]) -> Optional[str]:
    """``text`` without format characters (its spaces then collapsed); unchanged when it has none."""
    if not text or text.isascii() or not any(unicodedata.category(c) == "Cf" for c in text):
        return text
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Cf").split())


# Genres that are one: "l'interview" and "l'entretien" on the pages, one genre facet value.
SAME_GENRE = {"interview": "entretien"}


def one_genre(kind: Optional[str]) -> Optional[str]:
    return SAME_GENRE.get(kind.lower(), kind) if kind else kind


def neutralise_labels(rec: Recording) -> None:
    """Strip invisible format characters from what names or titles a recording (its title, theme,
    speakers, places, organisations, passage speakers and topics), at reading; a speaker whose
    name, once stripped, is another's is merged into it (the first one kept)."""
    rec.title = strip_invisible(rec.title) or rec.id
    for name in ("theme", "kind", "link_text", "date_label"):
        setattr(rec, name, strip_invisible(getattr(rec, name)))
    speakers: list[Speaker] = []
    for speaker in rec.speakers:
        written = speaker.name
        speaker.name = strip_invisible(speaker.name) or "?"
        speaker.role, speaker.organisation = strip_invisible(speaker.role), strip_invisible(speaker.organisation)
        speaker.aliases = [a for a in map(strip_invisible, speaker.aliases) if a]
        if speaker.name != written and any(s.name == speaker.name for s in speakers):
            continue  # a look-alike of a speaker already there
        speakers.append(speaker)
    rec.speakers = speakers
    rec.places = list(dict.fromkeys(filter(None, map(strip_invisible, rec.places))))
    rec.organisations = list(dict.fromkeys(filter(None, map(strip_invisible, rec.organisations))))
    for passage in rec.passages:
        passage.speaker, passage.topic = strip_invisible(passage.speaker), strip_invisible(passage.topic)
