"""A small French relevance set for the stemmer (issue 11, docs/relevance-fr.md).

An unquoted word finds a passage when both give the same analyzed term. MEET lists
forms a search must bring together (plurals, feminine forms, regular -al/-aux
plurals, with and without accents); APART lists different words a search must
keep apart (the false merges of the Snowball stemmer this project used before).

    python tests/test_relevance_fr.py     # prints the figures of docs/relevance-fr.md

Run it on an older checkout (PYTHONPATH=that checkout) for the "before" column.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.analysis import analyze  # noqa: E402

MEET = {
    "énergétique": ["énergétiques", "Énergétique", "energetiques"],
    "directeur": ["directrice", "directeurs", "directrices"],
    "cheval": ["chevaux"],
    "journal": ["journaux"],
    "animal": ["animaux"],
    "mineur": ["mineurs", "mineure", "mineures"],
    "ouvrier": ["ouvriers", "ouvrière", "ouvrières"],
    "premier": ["première", "premiers", "premières"],
    "petit": ["petite", "petits", "petites"],
    "ancien": ["ancienne", "anciens", "anciennes"],
    "sportif": ["sportive", "sportifs", "sportives"],
    "heureux": ["heureuse", "heureuses"],
    "travailleur": ["travailleurs", "travailleuse", "travailleuses"],
    "commerçant": ["commerçants", "commerçante", "commerçantes", "commercants"],
    "boulanger": ["boulangère", "boulangers", "boulangères"],
    "chanteur": ["chanteuse", "chanteurs", "chanteuses"],
    "nouveau": ["nouveaux"],
    "usine": ["usines"],
    "emploi": ["emplois"],
    "cité": ["cités", "cite"],
    "faute": ["fautes"],
    "an": ["ans"],
    "salle": ["salles"],
    "photovoltaïque": ["photovoltaïques"],
    "logement": ["logements"],
    "cybersécurité": ["cybersecurite"],
    "œuvre": ["oeuvres"],
}

APART = [
    ("fautes", "faut"),
    ("faute", "faut"),
    ("pete", "petit"),
    ("pète", "petite"),
    ("mère", "mer"),
    ("cité", "citer"),
    ("commune", "communication"),
    ("mine", "miner"),
    ("bas", "base"),
    ("parti", "partie"),
    ("emploi", "employer"),
    ("salle", "sale"),
]


def meets(analyze_fn, a: str, b: str) -> bool:
    return analyze_fn(a) == analyze_fn(b)


def evaluate(analyze_fn) -> dict:
    pairs = [(q, form) for q, forms in MEET.items() for form in forms]
    missed = [(q, f) for q, f in pairs if not meets(analyze_fn, q, f)]
    merged = [(a, b) for a, b in APART if meets(analyze_fn, a, b)]
    return {"meet": len(pairs) - len(missed), "meet_total": len(pairs), "missed": missed,
            "apart": len(APART) - len(merged), "apart_total": len(APART), "merged": merged}


@pytest.mark.parametrize("query, form", [(q, f) for q, forms in MEET.items() for f in forms])
def test_forms_meet(query, form):
    assert analyze(query) == analyze(form)


@pytest.mark.parametrize("a, b", APART)
def test_different_words_stay_apart(a, b):
    assert analyze(a) != analyze(b)


# --------------------------------------------------------------------------- through a search

PASSAGES = {
    "il-faut": "Il faut partir tôt le matin pour prendre la navette de six heures.",
    "dictee": "Il y avait trois fautes dans la dictée, et une faute de frappe sur l'affiche.",
    "petit-train": "Le petit train passait devant les petites maisons du coron.",
    "pete-plombs": "Quand la machine pète, tout l'atelier s'arrête d'un coup.",
    "energie": "Les économies énergétiques du chantier ont été mesurées en hiver.",
    "direction": "La directrice de l'école et les directeurs des deux usines étaient là.",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from indexer.build import build_index
    from indexer.search import SearchService

    root = tmp_path_factory.mktemp("relevance") / "corpus"
    (root / "transcripts").mkdir(parents=True)
    entries = []
    for rec_id, text in PASSAGES.items():
        (root / "transcripts" / f"{rec_id}.vtt").write_text(
            f"WEBVTT\n\n00:00.000 --> 00:09.000\n<v Ghislaine Vandewalle>{text}\n", encoding="utf-8")
        entries.append(f"  {rec_id}:\n    title: \"Souvenirs {rec_id}\"\n    date: \"2020\"\n"
                       f"    transcript: transcripts/{rec_id}.vtt\n    speakers:\n      - {{name: Ghislaine Vandewalle}}")
    (root / "corpus.yaml").write_text("site: https://artoiscast.fr/\npages: []\nrecordings:\n" + "\n".join(entries) + "\n",
                                      encoding="utf-8")
    build_index(root, root.parent / "index")
    return SearchService(root.parent / "index")


@pytest.mark.parametrize("q, expected", [
    ("fautes", {"dictee"}),
    ("faut", {"il-faut"}),
    ("pete", {"pete-plombs"}),
    ("petit", {"petit-train"}),
    ("petites", {"petit-train"}),
    ("énergétique", {"energie"}),
    ("directeur", {"direction"}),
])
def test_searches_find_the_forms_and_only_them(service, q, expected):
    from indexer.search import SearchParams

    doc = service.search(SearchParams(q=q, mode="concordance", per_page=50))
    assert {p["recording_id"] for p in doc["passages"]} == expected


if __name__ == "__main__":
    result = evaluate(analyze)
    print(f"forms that meet: {result['meet']}/{result['meet_total']}; missed: {result['missed']}")
    print(f"words kept apart: {result['apart']}/{result['apart_total']}; merged: {result['merged']}")
