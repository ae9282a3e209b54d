r"""CHAT (.cha), the CHILDES / TalkBank transcription format.

    @UTF8
    @Begin
    @Languages:	fra
    @Participants:	CLA Claire_Dumoulin Participant, ENQ Enquêteur Investigator
    *ENQ:	et votre père ? \x1518350_19000\x15
    *CLA:	il était mineur &=rit mais <il disait> [/] il disait
    	rien . \x1519000_25000\x15
    %com:	bruit de porte
    *CLA:	pa(r)ce que c' était dur (.) xxx .
    @End

Each "*SPK:" line (with its tab-indented continuation lines) is one cue of
speaker SPK, named through @Participants.  Its time bullet (\x15start_end\x15,
milliseconds) gives the cue's times; an utterance without a bullet is kept
without times: searchable, but with no moment to link to.  Dependent tiers
(%mor, %com …) are not speech.  The CHAT codes are not speech either:
&=rit and [=! rit] become events, "xxx" (unintelligible) an event, retracing
and overlap codes ([/], [//], [>], <…>), pauses ((.), (..)) and terminators
(+..., +/.) are dropped, and "pa(r)ce" is read "parce".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from indexer.transcripts.common import split_lines
from indexer.transcripts.model import Transcript

BULLET = re.compile(r"\x15(\d{1,12})_(\d{1,12})\x15")  # milliseconds; 12 digits is 30 years
ANY_BULLET = re.compile(r"\x15[^\x15]*\x15?")
UTTERANCE = re.compile(r"^\*(?P<code>[A-Za-z0-9_+-]+):\s?(?P<text>.*)$")

CHAT_CODES = [
    (re.compile(r"&=([\w:'’-]+)"), r" {\1} "),  # &=rit: an event
    # A bracket's content stops at the next "[" too: an unclosed "[" then costs one scan up to
    # the next bracket, not to the end of the line (a line of unclosed "[" was quadratic).
    (re.compile(r"\[=!\s*([^\]\[]*)\]"), r" {\1} "),  # [=! rit]: paralinguistic event
    (re.compile(r"\[[^\]\[]*\]"), " "),  # [/] [//] [>] [<] [: mot] [* err] [% com] [+ gram] …
    (re.compile(r"(?<!\S)(?:xxx|yyy|www)(?!\S)"), " {xxx} "),  # unintelligible: an event
    (re.compile(r"\(\.{1,3}\)|\(\d+(?:[.:]\d+)*\)"), " "),  # pauses (.) (..) (...) (1.5)
    (re.compile(r"\((\w+)\)(?=\w)|(?<=\w)\((\w+)\)"), r"\1\2"),  # pa(r)ce -> parce
    (re.compile(r"&[-+~]"), ""),  # &-euh filler, &+fr fragment: the sounds stay
    (re.compile(r"(?<!\S)0\S+"), " "),  # 0mot: a word not said
    (re.compile(r"@[\w:$]+"), ""),  # mot@s:eng: a form marker
    (re.compile(r"[⌈⌉⌊⌋↑↓≈≋°∆∇↗↘→⇗⇘∙„‡]"), " "),  # CA marks
    (re.compile(r"(?<!\S)\+\S*"), " "),  # terminators and linkers: +... +/. +//. +"/. +<
    (re.compile(r"_"), " "),  # pomme_de_terre
    (re.compile(r"(?<!\s)\s+\.(?=\s|$)"), "."),  # "dur ." -> "dur." (from a run's start only: linear)
]


@dataclass
class Utterance:
    code: str
    line: int
    parts: list[str] = field(default_factory=list)


def participants(transcript: Transcript, line_number: int, value: str) -> None:
    """'CLA Claire_Dumoulin Participant, ENQ Investigator' -> speaker_names {CLA: 'Claire Dumoulin'}."""
    for item in value.split(","):
        words = item.split()
        if not words:
            continue
        if len(words) >= 3:
            transcript.speaker_names[words[0]] = " ".join(words[1:-1]).replace("_", " ")
        elif len(words) == 1:
            transcript.warn(line_number, f"participant « {words[0]} » sans rôle")


def speech(text: str) -> str:
    for pattern, replacement in CHAT_CODES:
        text = pattern.sub(replacement, text)
    return text


def read_cha(transcript: Transcript, text: str) -> None:
    utterances: list[Utterance] = []
    current: Optional[list[str]] = None  # where a tab-indented continuation line goes
    in_participants = False  # a long @Participants line goes on, indented, on the next lines
    for number, line in enumerate(split_lines(text.lstrip("\ufeff")), 1):
        if not line.strip():
            continue
        if line.startswith(("\t", " ")):
            if in_participants:
                participants(transcript, number, line)
            elif current is not None:
                current.append(line)
            continue
        current = None
        in_participants = line.startswith("@Participants:")
        if in_participants:
            participants(transcript, number, line.split(":", 1)[1])
        elif line.startswith("*"):
            match = UTTERANCE.match(line)
            if match is None:
                transcript.skip(number, f"ligne d'énoncé illisible « {line[:40]} »")
                continue
            utterances.append(Utterance(match.group("code"), number, [match.group("text")]))
            current = utterances[-1].parts
        elif line.startswith("%"):
            current = []  # a dependent tier and its continuation lines: not speech
        elif not line.startswith("@"):
            transcript.warn(number, f"ligne inattendue ignorée « {line[:40]} »")
    if not any(line.startswith("@Begin") for line in text.lstrip("\ufeff").splitlines()[:5]):
        transcript.warn(1, "en-tête « @Begin » absent")
    for utterance in utterances:
        read_utterance(transcript, utterance)


def read_utterance(transcript: Transcript, utterance: Utterance) -> None:
    raw = " ".join(utterance.parts)
    bullet = BULLET.search(raw)
    start = end = None
    if bullet:
        start, end = int(bullet.group(1)) / 1000, int(bullet.group(2)) / 1000
        if end < start:
            transcript.skip(utterance.line, f"fin avant le début ({bullet.group(1)}_{bullet.group(2)})")
            return
    elif "\x15" in raw:
        transcript.skip(utterance.line, "horodatage illisible entre les caractères \\x15")
        return
    if not transcript.add_spoken(start, end, speech(ANY_BULLET.sub(" ", raw)), utterance.code, utterance.line,
                                 angle_marks=True):
        transcript.skip(utterance.line, "texte vide")
