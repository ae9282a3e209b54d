"""The corpus vocabulary (prefixes, "did you mean") holds the words of the exact fields,
split by the analyzer itself: a sync point between two word patterns was a bug
("S.N.C.F." was stored as s, n, c, f, so "snc*" found nothing while "sncf" did).

Invented recordings, invented speakers, invented words.
"""
from __future__ import annotations

import pytest
from whoosh import index

from indexer.analysis import PAIR_SEPARATOR
from indexer.build import build_index
from indexer.search import SearchParams, SearchService
from indexer.vocabulary import Vocabulary

CORPUS_YAML = """\
site: https://artoiscast.fr/
pages: []
recordings:
{recordings}
"""

PASSAGES = {
    "gare-fret": ("Odilon Vasseuracq", "chef de quai",
                  "À la S.N.C.F. on chargeait le fret de l'usine ; aujourd' hui la R.A.T.P. recrute ailleurs."),
    "filature": ("Gisèle Brunoir-Lemaire", "fileuse",
                 "Les bobineuses tournaient jusqu'au soir, qu'il pleuve ou qu’il vente, à l’Œuvre-Sainte-Ysolde."),
    "chiffres": ("Anselme Quérignon", None,
                 "En 1974 la CO₂-mètre n°3 marquait 12,5 ; l'équipe B2 relevait les cuves de l'aile-nord."),
}
EXACT_FIELDS = ("text_exact", "title_exact", "names_exact")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("vocabulary") / "corpus"
    (root / "transcripts").mkdir(parents=True)
    entries = []
    for rec_id, (speaker, role, text) in PASSAGES.items():
        (root / "transcripts" / f"{rec_id}.vtt").write_text(
            f"WEBVTT\n\n00:00.000 --> 00:12.000\n<v {speaker}>{text}\n", encoding="utf-8")
        role_line = f", role: {role}" if role else ""
        entries.append(f"  {rec_id}:\n    title: \"Entretien à l'atelier {rec_id}\"\n    date: \"2021\"\n"
                       f"    transcript: transcripts/{rec_id}.vtt\n"
                       f"    speakers:\n      - {{name: {speaker}{role_line}}}")
    (root / "corpus.yaml").write_text(CORPUS_YAML.format(recordings="\n".join(entries)), encoding="utf-8")
    build_index(root, root.parent / "index")
    return root.parent / "index"


def test_the_vocabulary_is_the_exact_fields_words(built):
    ix = index.open_dir(str(built.resolve()))
    with ix.reader() as reader:
        exact_words = {term for field in EXACT_FIELDS for term in reader.field_terms(field)
                       # words, not pairs nor elided articles ("l'"); one-letter words are not suggested
                       if PAIR_SEPARATOR not in term and not term.endswith("'") and len(term) >= 2}
    vocabulary = Vocabulary.load(built.resolve())
    assert set(vocabulary.words) == exact_words
    assert {"sncf", "ratp", "aujourd'hui", "oeuvre", "ysolde", "fileuse", "atelier"} <= set(vocabulary.words)
    assert vocabulary.shown["oeuvre"] == "Œuvre"  # suggestions keep the word as printed: accents and capitals


def test_a_prefix_of_a_dotted_acronym_finds_it(built):
    service = SearchService(built)
    found = {p["recording_id"] for p in service.search(SearchParams(q="snc*", mode="citations"))["passages"]}
    assert found == {"gare-fret"}
    assert {p["recording_id"] for p in service.search(SearchParams(q="sncf", mode="citations"))["passages"]} == found
