"""Quoted phrases, like a concordancer: those words, in that order, all of them (issue 11);
prefixes expanded as typed (issue 13); elisions written with a space.

On a small invented corpus (people and words invented), then on a generated archive
where the phrase and prefix paths must give the same passages as a plain scan of
the words of every passage.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from indexer.analysis import FRENCH_STOP_WORDS, exact_words, fold, stem_and_fold
from indexer.build import build_index
from indexer.query import MAX_PREFIX_EXPANSION
from indexer.search import SearchParams, SearchService

CORPUS_YAML = """\
site: https://artoiscast.fr/
pages: []
places: [Wingles]
recordings:
{recordings}
"""

# recording id -> (speaker, what they say). One recording per passage.
PASSAGES = {
    "quai-aujourdhui": ("Léonce Dupuich",
                        "Sur le quai il y a des caméras partout, on les voit tout de suite en arrivant."),
    "quai-autrefois": ("Armelle Quénehen",
                       "Avant la fermeture il y avait des caméras au-dessus des voies, mais elles ne marchaient pas."),
    "camera-seule": ("Léonce Dupuich", "La caméra du hall filmait la pointeuse, rien d'autre."),
    "merci-elus": ("Firmin Decobecq",
                   "Elle remercie beaucoup les élus, elle remercie les bénévoles, elle remercie beaucoup "
                   "beaucoup la ducasse, on remercie beaucoup tout le monde de la fanfare."),
    "merci-accueil": ("Armelle Quénehen",
                      "Alors pour finir, avant de repartir vers la gare de Wingles par le dernier train du soir, "
                      "je vous remercie beaucoup de votre accueil dans la maison du peuple."),
    "envers-espace": ("Firmin Decobecq",
                      "Le métier à tisser tournait à l' envers et aujourd' hui personne ne sait plus le régler."),
    "envers-colle": ("Léonce Dupuich", "On retournait la toile à l'envers pour voir les fils."),
    "commerce": ("Armelle Quénehen",
                 "Les commerçants de la rue du Marais ont fermé, le commerce est parti en périphérie."),
    "comment": ("Léonce Dupuich", "Comment voulez-vous que je commence, je ne sais plus comment dire."),
    "travail": ("Firmin Decobecq", "Les travailleurs du carreau travaillaient sous les travées du hangar."),
}


def _vtt(speaker: str, text: str) -> str:
    return f"WEBVTT\n\n00:00.000 --> 00:12.000\n<v {speaker}>{text}\n"


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> SearchService:
    root = tmp_path_factory.mktemp("phrases") / "corpus"
    (root / "transcripts").mkdir(parents=True)
    entries = []
    for rec_id, (speaker, text) in PASSAGES.items():
        (root / "transcripts" / f"{rec_id}.vtt").write_text(_vtt(speaker, text), encoding="utf-8")
        entries.append(f"  {rec_id}:\n    title: \"Entretien {rec_id}\"\n    date: \"2021\"\n"
                       f"    transcript: transcripts/{rec_id}.vtt\n    speakers:\n      - {{name: {speaker}}}")
    (root / "corpus.yaml").write_text(CORPUS_YAML.format(recordings="\n".join(entries)), encoding="utf-8")
    build_index(root, root.parent / "index")
    return SearchService(root.parent / "index")


def found(service, q: str, mode: str = "citations") -> list[str]:
    """Recording ids of the matching passages, best first (citations: the words must be in the passage)."""
    doc = service.search(SearchParams(q=q, mode=mode, per_page=50))
    if mode == "results":
        return [r["recording"]["id"] for r in doc["results"]]
    return [p["recording_id"] for p in doc["passages"]]


def test_a_phrase_keeps_its_small_words(service):
    assert found(service, '"il y avait des caméras"') == ["quai-autrefois"]
    assert found(service, '"il y a des caméras"') == ["quai-aujourdhui"]
    # unquoted, the same words are stemmed and stop words dropped: both quays match
    assert {"quai-autrefois", "quai-aujourdhui"} <= set(found(service, "il y avait des caméras"))


def test_the_passage_holding_the_phrase_comes_first(service):
    assert found(service, '"je vous remercie beaucoup de"') == ["merci-accueil"]
    assert found(service, '"je vous remercie beaucoup de"', mode="results")[:1] == ["merci-accueil"]


def test_phrase_accents_and_case_are_folded_and_words_inflected_as_a_word_search(service):
    assert found(service, '"IL Y AVAIT DES CAMERAS"') == ["quai-autrefois"]
    # A phrase's words take the forms a word search finds (issue 21): singular and plural meet …
    assert set(found(service, '"caméras"')) == {"quai-aujourdhui", "quai-autrefois", "camera-seule"}
    assert set(found(service, '"caméra"')) == set(found(service, "caméras"))
    assert found(service, '"il y avait des caméra"') == ["quai-autrefois"]
    # … its small words do not: "des" is not "de", "il y avait" is not "il y a".
    assert found(service, '"il y avait de caméras"') == []


def test_words_must_be_in_that_order(service):
    assert found(service, '"caméras des avait y il"') == []
    assert found(service, '"beaucoup remercie vous je"') == []


def test_phrase_is_marked_as_the_words_typed(service):
    doc = service.search(SearchParams(q='"il y avait des caméras"', mode="concordance"))
    assert [line["match"] for p in doc["passages"] for line in p["kwic"]] == ["il y avait des caméras"]
    doc = service.search(SearchParams(q='"je vous remercie beaucoup de"', mode="concordance"))
    assert [line["match"] for p in doc["passages"] for line in p["kwic"]] == ["je vous remercie beaucoup de"]


@pytest.mark.parametrize("q", ["l'envers", "l' envers", '"l\'envers"', '"l\' envers"', '"à l’envers"'])
def test_elision_written_with_a_space_meets_the_usual_spelling(service, q):
    assert set(found(service, q)) == {"envers-espace", "envers-colle"}


@pytest.mark.parametrize("q", ["aujourd'hui", "aujourd' hui", '"aujourd\'hui personne"', '"aujourd’ hui"'])
def test_aujourdhui_with_a_space(service, q):
    assert found(service, q) == ["envers-espace"]


def test_elision_exact_tokens():
    assert exact_words("l'envers") == exact_words("l' envers") == exact_words("L’ envers") == ["l'", "envers"]
    assert exact_words("aujourd' hui") == exact_words("Aujourd'hui") == ["aujourd'hui"]


def test_prefix_is_expanded_as_typed(service):
    # "commer*" used to be stemmed to "comm*" (issue 13) and found "comment", "commence"
    assert set(found(service, "commer*")) == {"commerce"}
    assert set(found(service, "COMMERÇ*")) == {"commerce"}
    # "travai*" used to become "trav*" and find "travées"
    doc = service.search(SearchParams(q="travai*", mode="concordance"))
    marked = {line["match"] for p in doc["passages"] for line in p["kwic"]}
    assert marked == {"travailleurs", "travaillaient"}


# --------------------------------------------------------------------------- generated archive


@pytest.fixture(scope="module")
def archive(tmp_path_factory, generated_archive):
    """Two hours of generated interviews (bench/generate_archive.py), indexed."""
    index = tmp_path_factory.mktemp("generated") / "index"
    build_index(generated_archive(2, 11), index)
    service = SearchService(index)
    # Every passage: the export of no words (a concordance without words has no rows, issue 21 point 5).
    passages = [(p["recording_id"], p["n"], p["text"]) for p in service.export(SearchParams(q=""))["passages"]]
    return service, passages


def _all_matches(service, q: str) -> set[tuple[str, int]]:
    hits = service.export(SearchParams(q=q, mode="concordance"))["passages"]
    return {(p["recording_id"], p["n"]) for p in hits}


def _contains(words: list[str], phrase: list[str]) -> bool:
    """``phrase`` in ``words``, its small words as written, its other words in any form of
    the same light stem (what a word search finds, issue 21)."""
    def key(word):
        return word if word in FRENCH_STOP_WORDS or word.endswith("'") else stem_and_fold(word)

    words, phrase = [key(w) for w in words], [key(w) for w in phrase]
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def test_phrases_match_a_plain_scan_of_the_words(archive):
    service, passages = archive
    words_of = {(rec, n): exact_words(text) for rec, n, text in passages}
    assert 50 < len(words_of) < 5000  # a real archive, and under the export cap
    rng = random.Random(3)
    checked = 0
    for _ in range(40):
        rec, n, text = rng.choice(passages)
        raw = re.findall(r"\S+", text)
        size = rng.randint(2, 5)
        if len(raw) <= size:
            continue
        start = rng.randrange(len(raw) - size)
        phrase_text = " ".join(raw[start:start + size])
        phrase = exact_words(phrase_text)
        if len(phrase) < 2:
            continue
        expected = {key for key, words in words_of.items() if _contains(words, phrase)}
        assert (rec, n) in expected
        assert _all_matches(service, f'"{phrase_text}"') == expected, phrase_text
        checked += 1
    assert checked >= 30


def test_prefixes_match_a_plain_scan_of_the_words(archive):
    service, passages = archive
    words_of = {(rec, n): set(exact_words(text)) for rec, n, text in passages}
    vocabulary = sorted(set().union(*words_of.values()))
    rng = random.Random(5)
    checked = 0
    for word in rng.sample([w for w in vocabulary if len(w) >= 6 and w.isalpha()], 25):
        prefix = word[:rng.randint(3, 5)]
        expansions = {w for w in vocabulary if w.startswith(prefix)}
        if len(expansions) > MAX_PREFIX_EXPANSION:
            continue
        expected = {key for key, words in words_of.items() if words & expansions}
        assert _all_matches(service, prefix + "*") == expected, prefix
        checked += 1
    assert checked >= 15


def test_generated_phrase_keeps_its_small_words(archive):
    """A phrase of stop words only, which the stemmed field cannot see at all."""
    service, passages = archive
    words_of = {(rec, n): exact_words(text) for rec, n, text in passages}
    checked = 0
    for phrase_text in ("il y a", "c'est", "on a", "je pense que", "de la"):
        phrase = exact_words(phrase_text)
        expected = {key for key, words in words_of.items() if _contains(words, phrase)}
        assert _all_matches(service, f'"{phrase_text}"') == expected, phrase_text
        checked += bool(expected)
    assert checked >= 3
