"""Query syntax: French operators, exclusion, prefixes, thesaurus; nothing typed ever raises."""
import pytest

from indexer.query import Thesaurus, clean
from indexer.search import SearchParams

HOSTILE = [
    '"', '""', '"unbalanced', "(((", ")))", "((( AND", "AND", "OR", "NOT", "ET", "OU", "SAUF", "-", "--", "+",
    "*", "**", "?", "?*a*", "*mot", "a*", "x:y", "titre:lens", "https://tissel.org/", "^3", "lens^", "~", "lens~2",
    "[a TO z]", "{}", "\\", "\x00\x01\x02", "é" * 5000, "lens " * 400, "<script>alert(1)</script>", "'", "’",
    "l'", "-lens", "NOT lens", "lens AND", "AND lens", "OR OR OR", "\"a\" \"b", "🔍", "\u202e", "(lens",
    "les la le", "énergi* SAUF", "2025-2027", "06/02/2025", "C₂",
]


@pytest.mark.parametrize("q", HOSTILE)
@pytest.mark.parametrize("mode", ["results", "citations", "concordance"])
def test_hostile_queries_never_raise(service, q, mode):
    doc = service.search(SearchParams(q=q, mode=mode))
    assert isinstance(doc["total"], int)
    assert isinstance(doc["notices"], list)


def test_long_query_is_cut_with_a_message():
    text, notices = clean("énergie " * 200)
    assert len(text) <= 300
    assert any("coupée" in n for n in notices)


def test_french_operators_are_read():
    text, _ = clean("grisou OU schiste ET gaz SAUF charbon")
    assert text == "grisou OR schiste AND gaz NOT charbon"
    # lower-case "et"/"ou" stay words
    assert clean("pompe et chaleur")[0] == "pompe et chaleur"


def test_leading_wildcards_are_refused_with_a_message(service):
    doc = service.search(SearchParams(q="*grisou"))
    assert any("jokers" in n for n in doc["notices"])
    assert doc["total"] == 1  # searched as the plain word, not as a scan of the vocabulary


def test_prefix_expansion_uses_the_vocabulary(service):
    doc = service.search(SearchParams(q="énergéti*"))
    assert doc["total"] >= 3


def test_thesaurus_expands_acronyms_both_ways():
    thesaurus = Thesaurus([["PAC", "pompe à chaleur"], ["IA", "intelligence artificielle"]])
    # a form of several words is searched as stemmed words in a row (hyphenated), not as
    # an exact quoted phrase, so that "pompes à chaleur" still finds "pompe à chaleur"
    assert thesaurus.expand("PAC Lens") == "(PAC OR pompe-à-chaleur) Lens"
    assert thesaurus.expand("pompes à chaleur") == "(PAC OR pompe-à-chaleur)"
    assert thesaurus.expand('"pompe à chaleur"') == '"pompe à chaleur"'  # a quoted phrase is left as typed
    assert thesaurus.expand("-IA") == "-(IA OR intelligence-artificielle)"


def test_an_exclusion_alone_says_so(service):
    doc = service.search(SearchParams(q="-lens"))
    assert any("exclusion" in n for n in doc["notices"])


def _vocabulary(*words):
    from indexer.vocabulary import Vocabulary

    return Vocabulary({w: [1, w] for w in words})


def _parse(q, vocabulary=None):
    from indexer.schema import make_schema
    from indexer.query import parse

    return parse(q, make_schema(), vocabulary or _vocabulary(), fields=("text",))


def test_prefix_is_expanded_as_typed_not_stemmed():
    vocabulary = _vocabulary("commerce", "commercants", "comment", "commencer", "travail", "travailleurs", "travees")
    parsed = _parse("Commer*", vocabulary)
    assert parsed.exact_phrases == [("commercants",), ("commerce",)]
    assert {t.text for t in parsed.query.leaves()} == {"commerce", "commercants"}
    assert {t.fieldname for t in parsed.query.leaves()} == {"text_exact"}
    assert _parse("travai*", vocabulary).exact_phrases == [("travail",), ("travailleurs",)]


def test_quoted_text_searches_exact_words_and_pairs():
    parsed = _parse('"Il y avait des caméras"')
    assert parsed.exact_phrases == [("il", "y", "avait", "des", "cameras")]
    assert parsed.query.fieldname == "text_exact"
    assert list(parsed.query.words) == ["il y", "y avait", "avait des", "des cameras"]
    assert _parse('"il y"').query.text == "il y"  # two words: one pair term
    assert _parse('"Caméras"').query.text == "cameras"  # one word: the exact word
    assert _parse('"l\' envers"').query.text == _parse('"l\'envers"').query.text == "l' envers"


def test_unquoted_words_stay_stemmed_and_spaced_elisions_are_joined():
    assert _parse("caméras").terms == _parse("caméra").terms
    assert _parse("aujourd' hui").terms == _parse("aujourd'hui").terms == {"aujourd'hui"}
    assert _parse("l' envers").terms == _parse("envers").terms
