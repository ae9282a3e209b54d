"""From what a person types to a Whoosh query, without ever raising.

    énergie ET "pompe à chaleur" -solaire  mot*   (ERBM OU DSIL) SAUF 2023

- words are all required (AND) unless joined by OU/OR; ET/OU/SAUF are read as
  AND/OR/NOT; "-mot" excludes; "mot*" is a prefix;
- unquoted words are stemmed and stop words dropped; a quoted phrase ("…" or
  « … ») matches those words, in that order, all of them, small words included,
  each word in the forms a word search finds too (pompe, pompes), through the
  exact fields' word pairs (see indexer/analysis.py);
- the thesaurus expands acronyms and synonyms (ERBM -> also "Engagement pour le
  Renouveau du Bassin Minier");
- prefixes are expanded as typed (accents and case folded, never stemmed) over
  the corpus' unstemmed words, searched in the exact fields, so "commer*" finds
  "commerce" and "commerçants", not "comment"; leading wildcards are dropped and
  expansions capped, because they would walk the whole vocabulary;
- "field:value" is plain text: nobody types field names, but URLs have colons.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from whoosh import query as wq
from whoosh.query import spans as wspans
from whoosh.qparser import AndGroup, OrGroup, QueryParser, plugins

from .analysis import (FRENCH, FRENCH_STOP_WORDS, PAIR_SEPARATOR, analyze, exact_words, fold, join_spaced_elisions,
                       stem_and_fold)
from .engine.column_scores import WideOr
from .vocabulary import Vocabulary

SEARCH_FIELDS = ("text", "title", "names")
EXACT_SUFFIX = "_exact"  # text -> text_exact: the same text, every word unstemmed, and word pairs
EXACT_FIELDS = tuple(f + EXACT_SUFFIX for f in SEARCH_FIELDS)
MAX_QUERY_CHARS = 300
MAX_PREFIX_EXPANSION = 64  # words one prefix stands for …
MAX_QUERY_EXPANSION = 128  # … and all the prefixes of a query together
MAX_QUERY_PREFIXES = 8  # prefixes expanded per query; the others are searched as typed (a word)
MIN_PREFIX_CHARS = 2
MAX_PHRASE_FORMS = 6  # forms searched per word of a quoted phrase (pompe, pompes …)

FRENCH_OPERATORS = {"ET": "AND", "OU": "OR", "SAUF": "NOT"}


@dataclass
class ParsedQuery:
    text: str  # the query as understood (cut, cleaned)
    query: Optional[wq.Query]  # None: no query words (browse by facets)
    terms: set[str] = field(default_factory=set)  # analyzed single terms to highlight …
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # … and phrases, marked only where whole
    exact_phrases: list[tuple[str, ...]] = field(default_factory=list)  # quoted, prefixes: exact words
    words: list[str] = field(default_factory=list)  # the plain words typed, for suggestions
    notices: list[str] = field(default_factory=list)  # French messages for the person
    relaxed: bool = False  # any-word instead of all-words
    fields: tuple[str, ...] = SEARCH_FIELDS  # "text" alone: the words must be in the passage itself
    expansions: dict[str, list[str]] = field(default_factory=dict)  # prefix -> its words (one lookup per query)


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
        """Whether ``word`` is one of the forms as written (case and accents folded): a
        stem would also take a typo that shares it ("solaiire" and "solaire")."""
        return fold(word) in {fold(form) for forms in self.entries for form in forms}

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
            alternatives = " OR ".join(_stemmed_phrase(f) for f in forms)
            text = f"{text[:start]}({alternatives}){text[end:]}"
        return text


def _stemmed_phrase(form: str) -> str:
    """A form of several words as one hyphenated word: the parser searches it as a
    phrase of stemmed words ("pompe-à-chaleur" finds "pompes à chaleur"), where
    quotes would ask for these exact words."""
    return "-".join(re.findall(r"[^\W_]+(?:['’][^\W_]+)*", form)) or form


class ExactPhrasePlugin(plugins.PhrasePlugin):
    """Quoted text -> its exact words, in order: a quoted word is a term of the
    exact field, a phrase the pairs of its adjacent words at consecutive positions."""

    class PhraseNode(plugins.PhrasePlugin.PhraseNode):
        def query(self, parser):
            fieldname = self.fieldname or parser.fieldname
            vocabulary = getattr(parser, "vocabulary", None)
            return plugins.attach(exact_phrase_query(fieldname, self.text, self.boost, vocabulary), self)

    class PhraseTagger(plugins.RegexTagger):
        def create(self, parser, match):
            return ExactPhrasePlugin.PhraseNode(match.group("text"), match.start("text"))


def exact_phrase_query(fieldname: str, text: str, boost: float = 1.0,
                       vocabulary: Optional[Vocabulary] = None) -> wq.Query:
    """The phrase's words in order, each in the forms of the corpus a word search would find
    (phrase_word_forms): the pairs of adjacent forms at consecutive positions. Two pairs at
    consecutive positions share their middle word, so any choice of forms is consistent."""
    words = exact_words(text)
    if not words:
        return wq.NullQuery
    exact_field = fieldname + EXACT_SUFFIX
    forms = [phrase_word_forms(word, vocabulary) for word in words]
    if len(words) == 1:
        return _or_fields([wq.Term(exact_field, form, boost=boost) for form in forms[0]])
    pairs = [[a + PAIR_SEPARATOR + b for a in first for b in second] for first, second in zip(forms, forms[1:])]
    if len(pairs) == 1:
        return _or_fields([wq.Term(exact_field, pair, boost=boost) for pair in pairs[0]])
    if all(len(alternatives) == 1 for alternatives in pairs):
        return wq.Phrase(exact_field, [alternatives[0] for alternatives in pairs], boost=boost)
    steps = [wq.Term(exact_field, alts[0]) if len(alts) == 1
             else PairForms([wq.Term(exact_field, pair) for pair in alts]) for alts in pairs]
    near = wspans.SpanNear2(steps, slop=1, ordered=True)
    near.boost = boost
    return near


class PairForms(wspans.SpanOr):
    """One step of a phrase: the pairs of forms that may stand there. Whoosh's SpanOr does not
    estimate its size, which an And (the phrase's, a query's) asks of every part."""

    def estimate_size(self, ixreader):
        return sum(q.estimate_size(ixreader) for q in self.subqs)

    def estimate_min_size(self, ixreader):
        return min(q.estimate_min_size(ixreader) for q in self.subqs)

    def children(self):
        return self.subqs


def phrase_word_forms(word: str, vocabulary: Optional[Vocabulary]) -> list[str]:
    """A word of a quoted phrase (as the exact fields hold it), and the corpus words of the
    same light stem, as a word search finds them ("pompe" -> "pompe", "pompes"). Small words
    ("à", "de", "l'") stay as typed: "de" is not "des", and they have no stem."""
    if vocabulary is None or word in FRENCH_STOP_WORDS or word.endswith(("'", "’")):
        return [word]
    others = [form for form in vocabulary.inflections(word) if form != word]
    return [word] + others[:MAX_PHRASE_FORMS - 1]


def clean(text: str) -> tuple[str, list[str]]:
    notices = []
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text or "")
    text = " ".join(text.split())
    # French and typographic quotes are phrase quotes too: « pompe à chaleur », “pompe à chaleur”.
    text = re.sub(r"[«“„]\s*", '"', re.sub(r"\s*[»”]", '"', text))
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


class _Parser(QueryParser):
    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        # Whoosh runs a wildcard's text through the field's filters, stemmer included
        # ("commer*" became "comm*"): keep it as typed, _expand_prefix folds it.
        if termclass in (wq.Prefix, wq.Wildcard):
            return termclass(fieldname, text, boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


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


def printable(value: str) -> str:
    """Control characters (NUL, escapes, bidi overrides …) become spaces: a query is printed
    back on the page and in links, and they have nothing to do there."""
    if not value:
        return ""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") and c not in "\u200c\u200d"
                   else c for c in value)


def clean_query(text: str) -> tuple[str, bool]:
    """The query as every route reads it (page, API, exports, CLI, a recording page): printable,
    and at most MAX_QUERY_CHARS, cut between words (see cut_query); True when it was cut.
    Cut once, here: the query is copied into every link of a page, and the page and its
    exports must read the same words."""
    text = printable(str(text or ""))
    if len(text) <= MAX_QUERY_CHARS:
        return text, False
    text = " ".join(text.split())
    if len(text) <= MAX_QUERY_CHARS:
        return text, False
    return cut_query(text), True


def make_parser(schema, any_word: bool = False, fields: tuple[str, ...] = SEARCH_FIELDS,
                vocabulary: Optional[Vocabulary] = None) -> QueryParser:
    parser = _Parser(None, schema, group=OrGroup if any_word else AndGroup)
    parser.vocabulary = vocabulary  # a quoted phrase's words are searched in their corpus forms
    parser.add_plugin(plugins.MultifieldPlugin(list(fields)))  # what whoosh's MultifieldParser does
    for plugin in (plugins.FieldsPlugin, plugins.RangePlugin, plugins.EveryPlugin,
                   plugins.SingleQuotePlugin, plugins.BoostPlugin, plugins.PhrasePlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(ExactPhrasePlugin())
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
    expanded = join_spaced_elisions(thesaurus.expand(cleaned) if thesaurus else cleaned)
    try:
        q = make_parser(schema, any_word, fields, vocabulary).parse(expanded)
    except Exception:  # the parser should not raise; if it does, fall back to plain words
        q = make_parser(schema, any_word, fields).parse(" ".join(typed_words))
        parsed.notices.append("La syntaxe n'a pas été comprise : recherche sur les mots seuls.")
    q = _rewrite(q, vocabulary, parsed)
    q = _normalize(q)
    if q is None:
        if re.search(r"(?:^|[\s(])-[\w\"(]|\bNOT\b|\bSAUF\b", cleaned):
            parsed.notices.append("Une exclusion seule ne désigne aucun passage : ajoutez un mot à chercher.")
        elif not parsed.notices:
            parsed.notices.append("La recherche ne contient que des mots trop courants pour être cherchés.")
        return parsed
    if _only_negative(q):
        parsed.notices.append("Une exclusion seule ne désigne aucun passage : ajoutez un mot à chercher.")
        return parsed
    parsed.query = q
    parsed.terms, parsed.phrases, parsed.exact_phrases = _positive_terms(q)
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
    """The prefix's words in the corpus vocabulary, most frequent first, as typed (never
    stemmed: "commer*" is not "comm*"): an Or of terms in ``fieldname``'s exact field
    (the parser makes one prefix query per searched field)."""
    prefix = fold(prefix)  # as typed: accents, ligatures (œ -> oe) and case folded, never stemmed
    if len(prefix) < MIN_PREFIX_CHARS:
        note = f"Préfixe trop court « {prefix}* » : donnez au moins {MIN_PREFIX_CHARS} lettres."
        if note not in parsed.notices:
            parsed.notices.append(note)
        return wq.NullQuery
    if prefix not in parsed.expansions:
        parsed.expansions[prefix] = _prefix_words(prefix, vocabulary, parsed)
    words = parsed.expansions[prefix] or [prefix]  # past the budget, or no such word: the prefix as a word
    return _or_fields([wq.Term(fieldname + EXACT_SUFFIX, w) for w in words])


def _prefix_words(prefix: str, vocabulary: Vocabulary, parsed: ParsedQuery) -> list[str]:
    """The corpus words a prefix stands for, within the query's budget: past MAX_QUERY_PREFIXES
    prefixes, or MAX_QUERY_EXPANSION words for them all, a prefix is only itself, as a word
    (a hundred broad prefixes would otherwise read most of the index for one request)."""
    used = sum(len(words) for words in parsed.expansions.values())
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
    return sorted({w for _, w in candidates[:room]})


def _or_fields(terms: list[wq.Query]) -> wq.Query:
    return wq.Or(terms) if len(terms) > 1 else terms[0]


def _preload_wide_ors(q: wq.Query) -> wq.Query:
    """The query, with each Or of more than 8 alternatives made a WideOr (in place)."""
    if type(q) is wq.Or and len(q.subqueries) > 8:
        q.__class__ = WideOr  # the same query and alternatives; only its matcher differs
    for child in q.children():
        _preload_wide_ors(child)
    return q


def _normalize(q):
    try:
        q = q.normalize()
    except Exception:
        return None
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return None
    return _preload_wide_ors(q)


def _only_negative(q: wq.Query) -> bool:
    if isinstance(q, wq.Not):
        return True
    if isinstance(q, wq.And):
        return all(_only_negative(c) for c in q.subqueries)
    return False


def _positive_terms(q: wq.Query) -> tuple[set[str], list[tuple[str, ...]], list[tuple[str, ...]]]:
    """What to highlight: the single terms, the phrases (stemmed) and the exact word
    sequences (quoted, or a prefix's words) of the query that are not excluded."""
    terms: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    exact: set[tuple[str, ...]] = set()

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
        if isinstance(node, wq.Term) and node.fieldname in EXACT_FIELDS:  # a word or a pair
            text = node.text.decode("utf-8") if isinstance(node.text, bytes) else node.text
            exact.add(tuple(text.split(PAIR_SEPARATOR)))
            return
        if isinstance(node, wq.Phrase) and node.fieldname in EXACT_FIELDS:  # pairs at consecutive positions
            pairs = [w.split(PAIR_SEPARATOR) for w in node.words]
            exact.add(tuple(pairs[0] + [pair[-1] for pair in pairs[1:]]))
            return
        if isinstance(node, wspans.SpanNear2):  # a phrase with several forms of its words
            exact.update(_phrase_forms(node))
            return
        for child in node.children():
            walk(child)

    walk(q)
    return terms, sorted(phrases), sorted(exact)


def _phrase_forms(near: "wspans.SpanNear2", limit: int = 64) -> list[tuple[str, ...]]:
    """The word sequences a phrase of alternative pairs matches (at most ``limit``), to highlight."""
    forms_at: list[list[str]] = []
    for step in near.qs:
        pairs = [t.text for t in (step.subqs if isinstance(step, PairForms) else [step])]
        pairs = [p.decode("utf-8") if isinstance(p, bytes) else p for p in pairs]
        if not forms_at:
            forms_at.append(sorted({p.split(PAIR_SEPARATOR)[0] for p in pairs}))
        forms_at.append(sorted({p.split(PAIR_SEPARATOR)[-1] for p in pairs}))
    return list(itertools.islice(itertools.product(*forms_at), limit))


TYPED_WORD = re.compile(r"(?<![\w*])[^\W_][\w'’\-]*(?![\w*])")  # a word, not a prefix (forma*)
NOT_QUERY_SYNTAX = re.compile(r"[^\w\s\"()*'’\-]+")  # what a suggestion never echoes: markup, punctuation


def suggest(parsed: ParsedQuery, searcher, vocabulary: Vocabulary,
            thesaurus: Optional[Thesaurus] = None, typed: Optional[str] = None) -> Optional[str]:
    """ "Did you mean": the query as typed (``typed``, else as understood), each word absent from
    the corpus replaced by the closest one, or left out when none is close. Only words of the
    corpus, operators, quotes and parentheses remain: markup typed is never echoed back."""
    changed = False

    def replace(match: re.Match) -> str:
        nonlocal changed
        word = match.group()
        folded = fold(word)
        if (word in ("ET", "OU", "SAUF", "AND", "OR", "NOT") or not analyze(word)  # an operator, a stop word
                or (thesaurus and thesaurus.knows(word))  # an acronym of the thesaurus is not a typo
                or _in_corpus(folded, vocabulary)):
            return word  # the word (or another form of it: "pompe" for "pompes") is in the corpus
        found = vocabulary.suggest(folded) if len(folded) >= 3 and folded.isalpha() else None
        changed |= bool(found)
        return found or ""

    out = TYPED_WORD.sub(replace, typed if typed is not None else parsed.text)
    return _tidy(_without_stranded_stop_words(NOT_QUERY_SYNTAX.sub(" ", out))) if changed else None


def _without_stranded_stop_words(text: str) -> str:
    """Stop words left at either end once a word was left out ("gaz de mine" -> "de minier"
    would otherwise be suggested): dropped, unless they are inside quotes."""
    words = text.split()
    while words and '"' not in words[0] and TYPED_WORD.fullmatch(words[0]) and not analyze(words[0]):
        words.pop(0)
    while words and '"' not in words[-1] and TYPED_WORD.fullmatch(words[-1]) and not analyze(words[-1]):
        words.pop()
    return " ".join(words)


def _tidy(text: str) -> Optional[str]:
    """Spaces, quotes and parentheses of a rewritten query put right: empty or unbalanced ones go."""
    if text.count('"') % 2:
        text = text.replace('"', " ")
    text = re.sub(r'"([^"]*)"', lambda m: f'"{" ".join(m.group(1).split())}"' if m.group(1).strip() else " ", text)
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"\(\s*\)|(?<![^\s(])-(?=\s|$)", " ", text)
    if text.count("(") != text.count(")"):
        text = text.replace("(", " ").replace(")", " ")
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", " ".join(text.split())))
    return text if re.search(r"\w", text) else None


def _in_corpus(folded: str, vocabulary: Vocabulary) -> bool:
    """Whether every part of a typed word ("l'usine", "loos-en-gohelle") is a corpus word,
    in some regular form that a search for it finds (the same stem: "energi" is not a form
    of "energie", whose stem is "energ"), or a stop word."""
    parts = [part for part in re.split(r"['’\-]+", folded) if part]
    return all(not analyze(part) or any(vocabulary.count(form) and stem_and_fold(form) == stem_and_fold(part)
                                        for form in _regular_forms(part))
               for part in parts)


def _regular_forms(word: str) -> set[str]:
    """The word and its regular plural and feminine forms. Not its stem: a typo
    can share a light stem with a real word ("gendarmrie", "gendarmerie")."""
    forms = {word, word + "s", word + "x", word + "e", word + "es"}
    for ending in ("s", "x", "e", "es"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            forms.add(word[:-len(ending)])
    return forms


def query_terms(q: Optional[wq.Query]) -> int:
    """How many terms a query reads (one per field, per expansion of a prefix …): its cost."""
    if q is None:
        return 0
    children = list(q.children())
    return sum(query_terms(c) for c in children) if children else 1
