"""What the site's pages print, as patterns shared by the stages of the page parser."""
from __future__ import annotations

import re

from unidecode import unidecode

from ..analysis import analyze

# A media link, possibly as a bullet: "écouter …", "- écouter …", "voir la vidéo …".
MEDIA_LINK = re.compile(r"^\s*(?:[-–•·*]\s*)?(écouter|ecouter|voir la vid[ée]o)\b", re.I)
VIDEO_LINK = re.compile(r"^\s*(?:[-–•·*]\s*)?voir la vid[ée]o\b", re.I)
TOC_HEADER = re.compile(r"sujets et th[èe]mes de la page", re.I)
FOOTER = re.compile(r"^retour [àa] la page d['’]accueil", re.I)
# Lines that take the reader elsewhere; "retour en début de page" and "retour au menu …" also end a section.
NAVIGATION = re.compile(
    r"^(?:retour (?:en|au) d[ée]but de (?:la )?page|retour en haut(?: de (?:la )?page)?|haut de (?:la )?page"
    r"|retour au (?:menu|sommaire|plan)\b.*|retour [àa] la page d['’]accueil.*|retour [àa] l['’]accueil.*"
    r"|menu(?: g[ée]n[ée]ral)?|plan du site|accueil)\s*[.:]?$",
    re.I,
)
SECTION_END = re.compile(r"^(?:retour (?:en|au) d[ée]but|retour en haut|haut de|retour au (?:menu|sommaire|plan))",
                         re.I)
INTRODUCER = re.compile(r"^-\s*(?:du|de|d['’])\s*(?=[A-ZÀ-Ý])")
NUMBERED = re.compile(r"^\s*\d+\s*[.)]\s")
URL = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
# "photos : X", "photo ; X - 2016", "crédit photo : X", "© X": who took the pictures, not who speaks.
CREDIT = re.compile(r"^(?:cr[ée]dits?\s*(?:photos?)?|photos?|clich[ée]s?|images?)\s*[:;]|^©", re.I)

SUMMARY_LABELS = [
    (re.compile(r"^r[ée]sum[ée] de l['’]entretien\b", re.I), "résumé"),
    (re.compile(r"^en r[ée]sum[ée]\b", re.I), "résumé"),
    (re.compile(r"^synth[èe]se\b", re.I), "synthèse"),
    (re.compile(r"^points? cl[ée]s?\b", re.I), "points clés"),
]
TRAILING_SYNTHESIS = re.compile(r"^\(\s*synth[èe]se de (?P<who>[^)]+)\)$", re.I)

UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"
_WORD = rf"[{UPPER}][\w'’\-]*"
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

# An upper-case line grouping the themes of a table of contents: "LE MONDE AGRICOLE".
GROUP_LINE = re.compile(rf"^[{UPPER}0-9][{UPPER}0-9 '’,&\-–]{{3,80}}$")


def is_group_line(text: str) -> bool:
    return bool(GROUP_LINE.match(text)) and sum(c.isalpha() for c in text) >= 4 and len(text.split()) >= 2


_WRAPPED_IN_QUOTES = re.compile(r'^["“]\s*(?P<inner>.*["“”].*?)\s*["”]$')


def clean_heading(text: str) -> str:
    text = text.strip()
    text = re.sub(r"^[-–•·]+\s*", "", text)
    wrapped = _WRAPPED_IN_QUOTES.match(text)
    if wrapped:
        # A heading set between quotes with quotes inside (" La fête "Les Jardins" Arras - 3-5 mai "):
        # the quotes only set it apart; what is inside is kept as printed, quotes and hyphens too.
        return " ".join(wrapped.group("inner").split())
    text = re.sub(r"[\"“”]\s*([^\"“”]*?)\s*[\"“”]", r"« \1 »", text)
    text = text.replace(" - ", " – ").strip(" -–")
    return " ".join(text.split())


def tokens(text: str) -> set[str]:
    return set(analyze(text))


def slug(text: str) -> str:
    text = unidecode(text or "").lower()
    text = re.sub(r"\b(?:l|d|qu|s|n|j|c)'", "", text)
    words = [w for w in re.split(r"[^a-z0-9]+", text)
             if w and w not in {"le", "la", "les", "de", "du", "des", "et", "a", "en", "au", "aux", "un", "une"}]
    return "-".join(words)
