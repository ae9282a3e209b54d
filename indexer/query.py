"""From what a person types to a Whoosh query, without ever raising.

    énergie ET "pompe à chaleur" -solaire  mot*   (ERBM OU DSIL) SAUF 2023

- words are all required (AND) unless joined by OU/OR; ET/OU/SAUF are read as
  AND/OR/NOT; "-mot" excludes; "mot*" is a prefix; "…" is a phrase;
- the thesaurus expands acronyms and synonyms (ERBM -> also "Engagement pour le
  Renouveau du Bassin Minier");
- prefixes are expanded on the unstemmed vocabulary and then stemmed, so
  "énergéti*" finds "énergétiques"; leading wildcards are dropped and
  expansions capped, because they would walk the whole vocabulary;
- "field:value" is plain text: nobody types field names, but URLs have colons.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from unidecode import unidecode
from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, plugins

from .analysis import FRENCH, analyze, fold, stem_and_fold
from .vocabulary import Vocabulary

SEARCH_FIELDS = ("text", "title", "names")
MAX_QUERY_CHARS = 300
MAX_PREFIX_EXPANSION = 64  # words one prefix stands for …
MAX_QUERY_EXPANSION = 128  # … and all the prefixes of a query together
MAX_QUERY_PREFIXES = 8  # prefixes expanded per query; the others are searched as typed (their stem)
MIN_PREFIX_CHARS = 2

FRENCH_OPERATORS = {"ET": "AND", "OU": "OR", "SAUF": "NOT"}


@dataclass
class ParsedQuery:
    text: str  # the query as understood (cut, cleaned)
    query: Optional[wq.Query]  # None: no query words (browse by facets)
    terms: set[str] = field(default_factory=set)  # analyzed single terms to highlight …
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # … and phrases, marked only where whole
    words: list[str] = field(default_factory=list)  # the plain words typed, for suggestions
    notices: list[str] = field(default_factory=list)  # French messages for the person
    relaxed: bool = False  # any-word instead of all-words
    fields: tuple[str, ...] = SEARCH_FIELDS  # "text" alone: the words must be in the passage itself
    expansions: dict[str, list[str]] = field(default_factory=dict)  # prefix -> its stems (one lookup per query)


class Thesaurus:
    """Equivalent forms; a query naming one form also searches the others.

    Forms are compared after analysis, so "pompes à chaleur" is the entry
    "pompe à chaleur" and "Photovoltaïques" the entry "photovoltaïque".
    """

    def __init__(self, entries: list[list[str]]):
        self.entries = [list(e) for e in entries]
        self._forms: list[tuple[tuple[str, ...], list[str]]] = []
        for forms in self.entries:
            for form in forms:
                terms = tuple(analyze(form))
                if terms:
                    self._forms.append((terms, forms))
        self._forms.sort(key=lambda f: len(f[0]), reverse=True)  # longest form first

    def knows(self, word: str) -> bool:
        terms = tuple(analyze(word))
        return any(terms == form for form, _ in self._forms)

    def expand(self, text: str) -> str:
        """Replaces each form found outside quotes by (form OR "other form" …)."""
        if not self._forms:
            return text
        parts = re.split(r"(\"[^\"]*\")", text)
        for i in range(0, len(parts), 2):  # even parts are outside quotes
            parts[i] = self._expand_part(parts[i])
        return "".join(parts)

    def _expand_part(self, text: str) -> str:
        tokens = [(t.text, t.startchar, t.endchar) for t in FRENCH(text, chars=True, mode="query")]
        spans = []
        i = 0
        while i < len(tokens):
            for terms, forms in self._forms:
                window = tuple(t[0] for t in tokens[i:i + len(terms)])
                if window == terms:
                    start, end = tokens[i][1], tokens[i + len(terms) - 1][2]
                    if text[start - 1:start] in ("*", "?") or text[end:end + 1] in ("*", "?"):
                        continue  # part of a wildcard: "grisou*" is the person's own pattern
                    spans.append((tokens[i][1], tokens[i + len(terms) - 1][2], forms))
                    i += len(terms) - 1
                    break
            i += 1
        for start, end, forms in reversed(spans):
            alternatives = " OR ".join(f'"{f}"' if re.search(r"[\s\-'’]", f) else f for f in forms)
            text = f"{text[:start]}({alternatives}){text[end:]}"
        return text


def _fold(text: str) -> str:
    """Lowercase, accents removed, one character for one (so positions still match the original)."""
    out = []
    for c in text:
        folded = unidecode(c).lower()
        out.append(folded if len(folded) == 1 else c.lower())
    return "".join(out)


def clean(text: str) -> tuple[str, list[str]]:
    notices = []
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text or "")
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = cut_query(text)
        notices.append(f"La recherche a été coupée à {MAX_QUERY_CHARS} caractères.")
    if text.count('"') % 2:
        text = text.replace('"', " ")
        notices.append("Guillemet non refermé : il a été ignoré.")
    depth, balanced = 0, True
    for c in text:
        depth += c == "("
        depth -= c == ")"
        balanced &= depth >= 0
    if depth != 0 or not balanced:
        text = text.replace("(", " ").replace(")", " ")
        notices.append("Parenthèses déséquilibrées : elles ont été ignorées.")
    # French operators, in capitals like their English counterparts.
    text = re.sub(r"(?<![\w\"])(ET|OU|SAUF)(?![\w\"])", lambda m: FRENCH_OPERATORS[m.group(1)], text)
    return " ".join(text.split()), notices


_OPERATOR = re.compile(r"^(?:AND|OR|NOT|ET|OU|SAUF|[-+]+)$")


def cut_query(text: str, limit: int = MAX_QUERY_CHARS) -> str:
    """At most ``limit`` characters, cut between words, without an operator left dangling
    at the end (« … chômage OR » would otherwise be read differently by each reader)."""
    if len(text) <= limit:
        return text
    cut = text[:limit + 1]
    words = (cut.rsplit(" ", 1)[0] if " " in cut else text[:limit]).split()
    while words and _OPERATOR.match(words[-1]):
        words.pop()
    return " ".join(words)


def make_parser(schema, any_word: bool = False, fields: tuple[str, ...] = SEARCH_FIELDS) -> MultifieldParser:
    parser = MultifieldParser(list(fields), schema, group=OrGroup if any_word else AndGroup)
    for plugin in (plugins.FieldsPlugin, plugins.RangePlugin, plugins.EveryPlugin,
                   plugins.SingleQuotePlugin, plugins.BoostPlugin):
        parser.remove_plugin_class(plugin)
    # "-" and "+" are operators only at the start of a word: "Billy-Berclau" is a name.
    parser.add_plugin(plugins.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def parse(text: str, schema, vocabulary: Vocabulary, thesaurus: Optional[Thesaurus] = None,
          any_word: bool = False, fields: tuple[str, ...] = SEARCH_FIELDS) -> ParsedQuery:
    """``fields``: where the words may be. A passage also matches through its
    recording's title and people by default; quotes and concordance lines need
    the words in the passage text itself (fields=("text",))."""
    cleaned, notices = clean(text)
    typed_words = [w for w in re.findall(r"[^\W_][\w'’\-]*", re.sub(r"\b(AND|OR|NOT)\b", " ", cleaned))]
    parsed = ParsedQuery(text=cleaned, query=None, notices=notices, words=typed_words, fields=fields)
    if not cleaned.strip(" -+*?()\""):
        return parsed
    expanded = thesaurus.expand(cleaned) if thesaurus else cleaned
    try:
        q = make_parser(schema, any_word, fields).parse(expanded)
    except Exception:  # the parser should not raise; if it does, fall back to plain words
        q = make_parser(schema, any_word, fields).parse(" ".join(typed_words))
        parsed.notices.append("La syntaxe n'a pas été comprise : recherche sur les mots seuls.")
    q = _rewrite(q, vocabulary, parsed)
    q = _normalize(q)
    if q is None:
        if re.search(r"(?:^|\s)-\w|\bNOT\b", cleaned):
            parsed.notices.append("Une exclusion seule ne désigne aucun passage : ajoutez un mot à chercher.")
        elif not parsed.notices:
            parsed.notices.append("La recherche ne contient que des mots trop courants pour être cherchés.")
        return parsed
    if _only_negative(q):
        parsed.notices.append("Une exclusion seule ne désigne aucun passage : ajoutez un mot à chercher.")
        return parsed
    parsed.query = q
    parsed.terms, parsed.phrases = _positive_terms(q)
    return parsed


def _rewrite(q: wq.Query, vocabulary: Vocabulary, parsed: ParsedQuery) -> Optional[wq.Query]:
    """Prefix and wildcard queries -> bounded Or of stemmed terms."""
    if isinstance(q, (wq.Prefix, wq.Wildcard)):
        pattern = q.text
        if isinstance(q, wq.Wildcard) or pattern.startswith(("*", "?")):
            literal = re.split(r"[*?]", pattern)[0]
            if len(literal) < MIN_PREFIX_CHARS:
                note = "Les jokers en début de mot (*mot, ?mot) ne sont pas pris en charge : ils ont été ignorés."
                if note not in parsed.notices:
                    parsed.notices.append(note)
                rest = re.sub(r"[*?]+", "", pattern)
                if len(rest) < MIN_PREFIX_CHARS:
                    return wq.NullQuery
                stems = analyze(rest)
                return _or_fields([wq.Term(q.fieldname, s) for s in stems]) if stems else wq.NullQuery
            pattern = literal
        return _expand_prefix(pattern, q.fieldname, vocabulary, parsed)
    if isinstance(q, wq.compound.BinaryQuery):  # AndNot, AndMaybe, Require, Otherwise
        return q.__class__(_rewrite(q.a, vocabulary, parsed), _rewrite(q.b, vocabulary, parsed))
    if isinstance(q, wq.compound.CompoundQuery):
        children = [_rewrite(c, vocabulary, parsed) for c in q.subqueries]
        return q.__class__([c for c in children if c is not None], boost=q.boost)
    if isinstance(q, wq.Not):
        return wq.Not(_rewrite(q.query, vocabulary, parsed))
    return q


def _expand_prefix(prefix: str, fieldname: str, vocabulary: Vocabulary, parsed: ParsedQuery) -> wq.Query:
    """The prefix's words in the corpus vocabulary, most frequent first, stemmed: an Or
    of terms in ``fieldname`` (the parser makes one prefix query per searched field)."""
    prefix = _fold(prefix)
    if len(prefix) < MIN_PREFIX_CHARS:
        note = f"Préfixe trop court « {prefix}* » : donnez au moins {MIN_PREFIX_CHARS} lettres."
        if note not in parsed.notices:
            parsed.notices.append(note)
        return wq.NullQuery
    if prefix not in parsed.expansions:
        parsed.expansions[prefix] = _prefix_stems(prefix, vocabulary, parsed)
    stems = parsed.expansions[prefix]
    if not stems:
        # Still match the stem itself: "énergét*" should find "énergétique" even if the
        # vocabulary has no word starting that way after folding.
        stems = analyze(prefix)
    if not stems:
        return wq.NullQuery
    return _or_fields([wq.Term(fieldname, s) for s in stems])


def _prefix_stems(prefix: str, vocabulary: Vocabulary, parsed: ParsedQuery) -> list[str]:
    """The stems a prefix is searched as, within the query's budget: past MAX_QUERY_PREFIXES
    prefixes, or MAX_QUERY_EXPANSION words for them all, a prefix is only its own stem
    (a hundred broad prefixes would otherwise read most of the index for one request)."""
    used = sum(len(stems) for stems in parsed.expansions.values())
    room = min(MAX_PREFIX_EXPANSION, MAX_QUERY_EXPANSION - used)
    if len(parsed.expansions) >= MAX_QUERY_PREFIXES or room <= 0:
        note = (f"Trop de mots à compléter (*) dans la recherche : au-delà de {MAX_QUERY_PREFIXES} préfixes "
                f"ou {MAX_QUERY_EXPANSION} mots, les suivants sont cherchés tels quels.")
        if note not in parsed.notices:
            parsed.notices.append(note)
        return []
    candidates = vocabulary.prefixed(prefix)
    if len(candidates) > room:
        parsed.notices.append(
            f"« {prefix}* » correspond à trop de mots : seuls les {room} plus fréquents sont cherchés."
        )
    return sorted({stem_and_fold(w) for _, w in candidates[:room]})


def _or_fields(terms: list[wq.Query]) -> wq.Query:
    return wq.Or(terms) if len(terms) > 1 else terms[0]


def _preload_wide_ors(q: wq.Query) -> None:
    """Many alternatives (a prefix's expansions): Whoosh's pre-loaded Or reads each
    term's postings once into an array, where its default binary tree of unions
    spends its time re-balancing block qualities (1.9 s for "min*" over 1,000 h)."""
    if isinstance(q, wq.Or) and len(q.subqueries) > 8:
        q.matcher_type = wq.Or.ARRAY_MATCHER
    for child in q.children():
        _preload_wide_ors(child)


def _normalize(q):
    try:
        q = q.normalize()
    except Exception:
        return None
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return None
    _preload_wide_ors(q)
    return q


def _only_negative(q: wq.Query) -> bool:
    if isinstance(q, wq.Not):
        return True
    if isinstance(q, wq.And):
        return all(_only_negative(c) for c in q.subqueries)
    return False


def _positive_terms(q: wq.Query) -> tuple[set[str], list[tuple[str, ...]]]:
    """What to highlight: the single terms and the phrases of the query that are not excluded."""
    terms: set[str] = set()
    phrases: set[tuple[str, ...]] = set()

    def walk(node):
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.Term) and node.fieldname in SEARCH_FIELDS:
            terms.add(node.text.decode("utf-8") if isinstance(node.text, bytes) else node.text)
            return
        if isinstance(node, wq.Phrase) and node.fieldname in SEARCH_FIELDS:
            phrases.add(tuple(node.words))
            return
        for child in node.children():
            walk(child)

    walk(q)
    return terms, sorted(phrases)


def suggest(parsed: ParsedQuery, searcher, vocabulary: Vocabulary,
            thesaurus: Optional[Thesaurus] = None) -> Optional[str]:
    """ "Did you mean": each typed word absent from the corpus replaced by the closest one."""
    reader = searcher.reader()
    changed = False
    out = parsed.text
    for word in parsed.words:
        folded = fold(word)
        if len(folded) < 3 or not folded.isalpha() or word in ("AND", "OR", "NOT"):
            continue
        if thesaurus and thesaurus.knows(word):
            continue  # an acronym of the thesaurus is not a typo
        if vocabulary.count(folded) or any(
            reader.doc_frequency(f, stem) > 0 for stem in analyze(word) for f in SEARCH_FIELDS
        ):
            continue  # the word (or another form of it: "pompe" for "pompes") is in the corpus
        found = vocabulary.suggest(folded)
        if found:
            out = re.sub(r"(?<![\w])%s(?![\w])" % re.escape(word), found, out, count=1)
            changed = True
    return out if changed else None
