"""Names the corpus knows, found where speech recognition misspelled them.

The recogniser writes what it hears: "Gaëlle Vanderbecque" may come out as
"gaël vendre bec", an acronym "SMH" as "ès ème ache". A French phonetic key
(phonetic_key) makes both spellings meet. Only *known* names are looked for -
corpus.yaml's people, organisations, places and thesaurus names, and the
recording's own speakers, organisations and places - and only in automatic
transcripts; the text is never changed: a match is a span of the passage
(char start, char end, canonical name, heard words), which the index makes
searchable under the canonical name (analysis.TextWithNames) and the views show
as « nom reconnu approximativement ».

Precision guards (figures in docs/transcription.md): a name's key must be
long enough (MIN_KEY), the edit distance allowed grows with the key's length
(allowed_distance), a window of heard words never crosses punctuation nor
starts or ends with a stop word unless its key is the name's exactly, a window
that already holds the name as written is left to the normal search, and
overlapping matches keep the longest name.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable, Optional

from .analysis import FRENCH_STOP_WORDS, analyze, fold

MIN_KEY = 5  # shorter keys ("lil" for Lille, "av3" for Avion) are ordinary words too often
MAX_WINDOW = 4  # heard words per name: "Fou an" for "Fouant", "ès ème ache" for "SMH"
MAX_SPELLED = 4  # an all-capital word of at most 4 letters may be spelled out ("SMH", "BFM")
MAX_FORM_CHARS = 80  # longer "names" are sentences: not looked for
MAX_FORMS = 5000  # spellings looked for in one corpus (memory: a few hundred key variants each)

# French letter names, already as phonetic keys: "SMH" is heard "ès ème ache".
LETTER_KEYS = {
    "a": "a", "b": "be", "c": "se", "d": "de", "e": "e", "f": "ef", "g": "je", "h": "aS", "i": "i",
    "j": "ji", "k": "ka", "l": "el", "m": "em", "n": "en", "o": "o", "p": "pe", "q": "ku", "r": "er",
    "s": "es", "t": "te", "u": "u", "v": "ve", "w": "dubleve", "x": "iks", "y": "igrek", "z": "sed",
}

# Grapheme rules, in order (each on the result of the one before): a word as it sounds.
_RULES = [
    (re.compile(r"(?<=...)(er|ez|et)$"), "e"),  # parler, chez, poulet
    (re.compile(r"([a-z])\1+"), r"\1"),  # doubled letters: femme -> feme
    (re.compile(r"eau|au"), "o"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"x(?=.)"), "ks"),  # a final x is not heard (_SILENT_END)
    (re.compile(r"s?ch|sh"), "S"),  # ch, sch, sh: one sound, written S
    (re.compile(r"cqu|qu|ck|cq|q"), "k"),
    (re.compile(r"gu(?=[eiy])"), "g"),
    (re.compile(r"g(?=[eiy])"), "j"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"gn"), "ni"),
    (re.compile(r"h"), ""),
    (re.compile(r"y"), "i"),
    (re.compile(r"w"), "v"),
    (re.compile(r"z"), "s"),
    (re.compile(r"oeu|eu|oe"), "e"),
    (re.compile(r"oi"), "wa"),
    (re.compile(r"ou"), "u"),
    (re.compile(r"ai|ei"), "e"),
    # Nasal vowels (not before a vowel): in, ain, ein, un -> 1; an, en -> 2; on -> 3.
    (re.compile(r"(ien|ain|ein|aim|eim|in|im|un|um|an|am|en|em|on|om)(?![aeiou])"),
     lambda m: {"ien": "i1", "an": "2", "am": "2", "en": "2", "em": "2", "on": "3", "om": "3"}.get(m.group(1), "1")),
]
# A final e, s, t, d, x, p is not heard - but in a word of two letters ("ès", "èm": letter names).
_SILENT_END = re.compile(r"(?<=..)[estdxp]+$")
_DOUBLED = re.compile(r"(.)\1+")
_LETTERS = re.compile(r"[^a-z]")  # keys hold lower-case letters, S (ch) and 1, 2, 3 (nasals)


@functools.lru_cache(maxsize=100_000)
def word_key(word: str) -> str:
    """The phonetic key of one word as read ("Vanderbecque" -> "v2derbek")."""
    w = _LETTERS.sub("", fold(word.replace("ç", "s").replace("Ç", "s")))
    for pattern, replacement in _RULES:
        w = pattern.sub(replacement, w)
    return _DOUBLED.sub(r"\1", _SILENT_END.sub("", w))


def spelled_key(word: str) -> str:
    """An acronym said letter by letter: "SMH" -> "es"+"em"+"ax"."""
    return _DOUBLED.sub(r"\1", "".join(LETTER_KEYS.get(c, "") for c in fold(word)))


def is_acronym(word: str) -> bool:
    """An all-capital word short enough to be spelled out ("SMH"; "S" of "S.M.H.")."""
    return len(word) <= MAX_SPELLED and word.isalpha() and word.isupper()


LETTER_NAMES = frozenset(LETTER_KEYS.values())


def is_spelling(words: list[str]) -> bool:
    """Whether heard words can be an acronym said letter by letter: letter names ("ès ème ache"),
    or an acronym with words that are not stop words ("Femme TV" for "BFM TV")."""
    if all(is_acronym(w) or word_key(w) in LETTER_NAMES for w in words):
        return True
    return any(is_acronym(w) for w in words) and not any(fold(w) in FRENCH_STOP_WORDS for w in words)


def phonetic_key(words: Iterable[str]) -> str:
    """The key of words said one after the other: each word's key, joined (word boundaries
    may differ between the name and what was heard). An acronym counts as spelled out."""
    return "".join(spelled_key(w) if is_acronym(w) else word_key(w) for w in words)


def allowed_distance(key: str) -> int:
    """Edits allowed between a name's key and a heard one: none for a short key."""
    return 0 if len(key) <= 6 else 1 if len(key) <= 8 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it is known to be over ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


@functools.lru_cache(maxsize=50_000)  # speech repeats its words, and so its windows' keys
def _deletions(key: str, depth: int) -> frozenset[str]:
    """``key`` with up to ``depth`` letters deleted (the symmetric-delete look-up: two keys
    within distance d share a variant with at most d deletions each)."""
    found, frontier = {key}, {key}
    for _ in range(depth):
        frontier = {k[:i] + k[i + 1:] for k in frontier for i in range(len(k))}
        found |= frontier
    return frozenset(found)


@dataclass(frozen=True)
class KnownForm:
    name: str  # canonical name ("Gaëlle Vanderbecque")
    form: str  # the spelling whose key this is (the name itself, an alias, an acronym)
    key: str
    terms: tuple[str, ...]  # the form as the index analyzes it: a window with these is found already
    words: tuple[str, ...]  # its words, folded
    spelled: bool  # the key is of an acronym said letter by letter


@dataclass(frozen=True)
class ApproximateName:
    start: int
    end: int
    name: str  # canonical name
    heard: str  # the words of the transcript, as written
    form: str  # the known spelling matched (the name, an alias)

    def as_list(self) -> list:
        return [self.start, self.end, self.name, self.heard, self.form]


_NAME_WORD = re.compile(r"[^\W\d_]+")


class KnownNames:
    """Known names and their phonetic keys, looked up by key variants."""

    def __init__(self, names: dict[str, Iterable[str]], limit: Optional[int] = None):
        """``names``: canonical name -> its other spellings. Only the first ``limit`` spellings
        are looked for (``left_out`` says how many were not): the table of a key holds up to a
        few hundred variants, and a corpus is untrusted input."""
        self.forms: list[KnownForm] = []
        self._variants: dict[str, list[int]] = {}
        self.left_out = 0
        limit = MAX_FORMS if limit is None else limit
        for name, aliases in names.items():
            for form in dict.fromkeys([name, *aliases]):
                if not form or len(form) > MAX_FORM_CHARS or any(c.isdigit() for c in form):
                    continue  # "Rev3", "C2RP": not said as written; a whole sentence is no name
                if len(self.forms) >= limit:
                    self.left_out += 1
                    continue
                words = _NAME_WORD.findall(form)
                keys = {phonetic_key(words): any(is_acronym(w) for w in words)}
                if keys[next(iter(keys))]:  # "EPAL" may be said as a word too
                    keys.setdefault("".join(word_key(w) for w in words), False)
                for key, spelled in keys.items():
                    if len(key) >= MIN_KEY:
                        self._add(KnownForm(name, form, key, tuple(analyze(form)),
                                            tuple(fold(w) for w in words), spelled))
        self.longest = max((len(f.key) for f in self.forms), default=0)

    def _add(self, form: KnownForm):
        self.forms.append(form)
        for variant in _deletions(form.key, allowed_distance(form.key)):
            self._variants.setdefault(variant, []).append(len(self.forms) - 1)

    def __bool__(self) -> bool:
        return bool(self.forms)

    def candidates(self, key: str) -> Iterable[tuple[KnownForm, int]]:
        """The forms within their allowed distance of ``key``, with the distance."""
        if len(key) > self.longest + 2 or len(key) < MIN_KEY - 2:
            return
        seen = set()
        for variant in _deletions(key, allowed_distance(key) if len(key) <= 8 else 2):
            for i in self._variants.get(variant, ()):
                if i in seen:
                    continue
                seen.add(i)
                form = self.forms[i]
                limit = allowed_distance(form.key)
                distance = edit_distance(key, form.key, limit)
                if distance <= limit:
                    yield form, distance


# Words of a passage, and what separates them: a window of heard words spans spaces,
# hyphens and apostrophes only, never a comma or a full stop.
_HEARD_WORD = re.compile(r"[^\W\d_]+")
_JOINING = re.compile(r"[\s\-'’]*")


def find_approximate_names(text: str, *knowns: KnownNames) -> list[ApproximateName]:
    """The known names (of any of ``knowns``) heard, misspelled, in ``text``: at most one per
    span, longest names first."""
    knowns = tuple(k for k in knowns if k)
    if not knowns or not text:
        return []
    longest = max(k.longest for k in knowns)
    words = [(m.group(), m.start(), m.end()) for m in _HEARD_WORD.finditer(text)]
    found = []  # (-key length, distance, start, end, form)
    for i in range(len(words)):
        for n in range(1, MAX_WINDOW + 1):
            window = words[i:i + n]
            if len(window) < n:
                break
            if n > 1 and not _JOINING.fullmatch(text, window[-2][2], window[-1][1]):
                break
            heard = [w for w, _, _ in window]
            folded = [fold(w) for w in heard]
            if all(w in FRENCH_STOP_WORDS for w in folded):
                continue
            key = phonetic_key(heard)
            if len(key) > longest + 2:
                break
            edge_stop = folded[0] in FRENCH_STOP_WORDS or folded[-1] in FRENCH_STOP_WORDS
            terms = None
            for form, distance in (found for known in knowns for found in known.candidates(key)):
                if form.spelled:
                    if not is_spelling(heard):
                        continue  # "ESAAT de" is not "E S A D" spelled out
                elif edge_stop and distance:
                    continue
                elif distance and not _distinct_enough(folded, form, distance):
                    continue
                if terms is None:
                    terms = tuple(analyze(text[window[0][1]:window[-1][2]]))
                if terms == form.terms:
                    continue  # written as the name: the normal search finds it
                found.append((-len(form.key), distance, window[0][1], window[-1][2], form))
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    taken: list[tuple[int, int]] = []
    chosen = []
    for _, _, start, end, form in found:
        if any(start < b and a < end for a, b in taken):
            continue
        taken.append((start, end))
        chosen.append(ApproximateName(start, end, form.name, text[start:end], form.form))
    return sorted(chosen, key=lambda a: a.start)


def _distinct_enough(heard: list[str], form: KnownForm, distance: int) -> bool:
    """The distance allowed once the words heard exactly as in the name are set aside:
    "ville de Loos" is not "Ville de Lens" (the place, "Lens", is too short to differ)."""
    rest = [w for w in form.words if w not in heard]
    return len(rest) == len(form.words) or distance <= allowed_distance(phonetic_key(rest))


def is_name_like(form: str) -> bool:
    """A thesaurus form that is a name: each word that is not a stop word starts with a
    capital ("Bassin Minier", "ERBM"), not "pompe à chaleur"."""
    words = _NAME_WORD.findall(form)
    return bool(words) and all(w[0].isupper() for w in words if fold(w) not in FRENCH_STOP_WORDS)


def corpus_names(corpus) -> dict[str, list[str]]:
    """The names corpus.yaml knows: canonical name -> other spellings."""
    names: dict[str, list[str]] = {}

    def add(name: str, aliases: Iterable[str] = ()):
        names.setdefault(name, []).extend(a for a in aliases if a not in names[name])

    for person in corpus.people:
        add(person.name, person.aliases)
    for organisation in corpus.organisations:
        add(organisation.name, organisation.aliases)
    for place in corpus.places:
        add(place)
    for forms in corpus.thesaurus:
        for form in forms:
            if is_name_like(form):
                add(form)
    return names


def recording_names(corpus_known: dict[str, list[str]], rec) -> dict[str, list[str]]:
    """The recording's own speakers, organisations and places that corpus.yaml does not list."""
    names: dict[str, list[str]] = {}
    for speaker in rec.speakers:
        if speaker.name not in corpus_known:
            names.setdefault(speaker.name, []).extend(speaker.aliases)
    for name in [*rec.organisations, *rec.places]:
        if name not in corpus_known:
            names.setdefault(name, [])
    return names


# corpus.yaml's names, keyed once per corpus read (a harvested site may list thousands of people).
_corpus_known: tuple = (None, {}, KnownNames({}))


def known_names_of(corpus) -> tuple[dict[str, list[str]], KnownNames]:
    global _corpus_known
    if _corpus_known[0] is not corpus:
        names = corpus_names(corpus)
        _corpus_known = (corpus, names, KnownNames(names))
    return _corpus_known[1], _corpus_known[2]


def attach_approximate_names(rec, corpus, passages: Optional[list] = None) -> int:
    """Each verbatim passage's approximate names (Passage.approximate), for an automatic transcript.
    Returns how many of corpus.yaml's spellings were left out (over MAX_FORMS)."""
    names, known = known_names_of(corpus)
    own = KnownNames(recording_names(names, rec))
    for passage in rec.passages if passages is None else passages:
        if passage.verbatim and passage.text:
            passage.approximate = [a.as_list() for a in find_approximate_names(passage.text, known, own)]
    return known.left_out
