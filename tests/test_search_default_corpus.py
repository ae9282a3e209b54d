"""Searches a researcher would type, on the real page: the right recording comes first (or near).

Written by reading the page: accents left out, plurals, hyphens, acronyms,
phrases, boolean syntax. Ids are those the parser gives (stable).
"""
import re

import pytest

from indexer.page import lines_from_text
from indexer.search import SearchParams

P = "economie-"
GAZONOR = P + "gazonor-yann-fouant"
MINE_SOLEIL = P + "mine-soleil-marie-piotrowski"
RAMERY = P + "ramery-photovoltaique-gregoire-cambray"
DELOTS = P + "erbm-engagement-pour-renouveau-bassin-minier-melanie-delots"
DSIL = P + "dotation-soutien-investissement-local-dsil-texte"
CALL = P + "services-habitat-call-reportage"
MONNIN = P + "classe-maitre-redirection-ecologique-par-alexandre-alexandre-monnin"
TISSEL = P + "voyage-etude-usine-tissel-roubaix-03-ophelie-poillion"
VANHERPE = P + "llv-afterwork-cybersecurite-11-avril-2024-vincent-vanherpe"
RUTHENBERG = P + "llv-afterwork-cybersecurite-11-avril-2024-shenja-ruthenberg"
MAZURE_CYBER = P + "llv-afterwork-cybersecurite-11-avril-2024-bertrand-mazure"
CULTURATHON = P + "culturathon-fonde-developpe-par-louvre-lens-reportage"
NOVA = P + "autour-design-fiction-nicolas-nova"
KYROU = P + "dans-imaginaires-futur-30-mai-2024-ariel-kyrou"
BATTERY = P + "inauguration-battery-training-center-douvrin-reportage"
ATLANTIC = P + "pose-premiere-pierre-extension-usine-artois-reportage"
ATLANTIC_VIDEO_1 = P + "pose-premiere-pierre-extension-usine-artois-video"
ATLANTIC_VIDEO_2 = P + "pose-premiere-pierre-extension-usine-artois-video-2"
MONTAGE = P + "problematique-commerce-lens-sylvain-robert"
SANDRA = P + "commerce-centre-ville-lens-cas-fermeture-sandra"
CD2E = P + "developpement-filieres-metiers-economie-verte-cd2e-audrey-el-arti"
YCHE = P + "avenir-parc-immobilier-artois-andre-yche"
DILLY = P + "reconversion-friches-maisons-cites-yann-dilly"
VIMY = P + "reconversion-site-briqueterie-vimy-photovoltaique-julien-wojcieszak"
EPAL = P + "ecole-production-automobile-lens-epal-pierre-dussart"
REV3 = P + "rev3-lab-outil-regional-developpement-durable-entretien"
MARLIERE = P + "pole-metropolitain-artois-olivier-marliere"
RIGAUD = P + "emploi-formation-laurent-rigaud"
BIZET = P + "label-euralens-porteurs-projets-2024-lucy-bizet"

QUERIES = [
    # (query, expected recording, within the first n results)
    ("grisou", GAZONOR, 1),
    ("gaz de schiste", GAZONOR, 1),
    ('"gaz de mine"', GAZONOR, 1),
    ("methane galeries", GAZONOR, 1),
    ("Loos-en-Gohelle", MINE_SOLEIL, 2),
    ("loos en gohelle centrales solaires", MINE_SOLEIL, 1),
    ("loos-en--gohelle", MINE_SOLEIL, 2),
    ("panneau photovoltaique toiture", RAMERY, 2),
    ("autoconsommation", RAMERY, 1),
    ("intelligence artificielle", RAMERY, 2),
    ("IA", RAMERY, 2),
    ("ERBM", DELOTS, 2),
    ("renouveau du bassin minier", DELOTS, 3),
    ("ingenieure en chef des mines", DELOTS, 1),
    ("DSIL", DSIL, 1),
    ("CALL copropriete", CALL, 1),
    ("habitat indigne", CALL, 1),
    ("redirection ecologique", MONNIN, 1),
    ("limites planetaires", MONNIN, 1),
    ("escape game", TISSEL, 1),
    ("economie circulaire Roubaix", TISSEL, 1),
    ("rancongiciels", MAZURE_CYBER, 1),
    ("cybersecurite gendarmerie", VANHERPE, 1),
    ("Europol", VANHERPE, 1),
    ("EDIH", RUTHENBERG, 1),
    ("hackathon", CULTURATHON, 1),
    ("design fiction", NOVA, 1),
    ("science-fiction dystopie", KYROU, 1),
    ("Battery Training Center", BATTERY, 1),
    ("gigafactory", BATTERY, 1),
    ("pompes a chaleur", ATLANTIC_VIDEO_1, 2),
    ("PAC", ATLANTIC_VIDEO_1, 2),
    ("mercerie", SANDRA, 1),
    ("Aqualens", MONTAGE, 1),
    ("Vert, l'avenir", CD2E, 1),
    ("metropole horizontale", YCHE, 1),
    ("vacance immobiliere", YCHE, 2),
    ("friches Maisons et Cites", DILLY, 1),
    ("briqueterie Vimy", VIMY, 1),
    ("ecole de production automobile", EPAL, 1),
    ("EPAL", EPAL, 1),
    ("Troisieme Revolution Industrielle", REV3, 1),
    ("business angels", REV3, 1),
    ("Marliere", MARLIERE, 1),
    ("Rigaud emploi", RIGAUD, 1),
    ("labellisations Euralens", BIZET, 1),
    ("grisou OU hackathon", GAZONOR, 2),
    ("grisou OR hackathon", CULTURATHON, 2),
    ("cyber* ET PME", RUTHENBERG, 2),
    ("photovolta*", MINE_SOLEIL, 3),
    ('"transition écologique" Vimy', VIMY, 1),
]


def ids(service, q, **filters):
    doc = service.search(SearchParams(q=q, filters={k: [v] for k, v in filters.items()}, per_page=50))
    return [r["recording"]["id"] for r in doc["results"]]


def test_there_are_at_least_30_queries():
    assert len(QUERIES) >= 30


@pytest.mark.parametrize("query, expected, within", QUERIES)
def test_researcher_query(service, query, expected, within):
    found = ids(service, query)
    assert expected in found[:within], (query, found[:5])


def test_exclusion_removes_the_recording(service):
    assert RAMERY in ids(service, "photovoltaique")
    assert RAMERY not in ids(service, "photovoltaique -Ramery")
    assert RAMERY not in ids(service, "photovoltaique SAUF Ramery")


def test_and_is_the_default_and_falls_back_to_any_word(service):
    doc = service.search(SearchParams(q="grisou hackathon"))
    assert doc["relaxed"] is True
    assert {GAZONOR, CULTURATHON} <= {r["recording"]["id"] for r in doc["results"]}
    assert doc["notices"]


def test_phrase_is_stricter_than_words(service):
    loose = ids(service, "energie solaire")
    phrase = ids(service, '"énergie solaire"')
    assert MINE_SOLEIL in phrase
    assert set(phrase) <= set(loose)


def test_did_you_mean(service):
    doc = service.search(SearchParams(q="Piotrowsky"))
    assert doc["suggestion"] == "Piotrowski"  # a name, as the corpus writes it (issue 21)
    doc = service.search(SearchParams(q="gendarmrie"))
    assert doc["suggestion"] == "gendarmerie"
    assert service.search(SearchParams(q="grisou"))["suggestion"] is None


def test_speaker_year_and_theme_filters(service):
    assert ids(service, "methane", speaker="Yann Fouant") == [GAZONOR]
    assert ids(service, "", year="2012") == [CD2E]
    theme = "Louvre Lens Vallée : l'accélérateur de talents créatifs"
    cyber = ids(service, "cybersecurite", theme=theme)
    assert set(cyber) >= {VANHERPE, RUTHENBERG, MAZURE_CYBER}
    assert all(service.recording(i)["theme"] == theme for i in cyber)


def test_facet_counts_follow_the_query(service):
    doc = service.search(SearchParams(q="photovoltaique"))
    themes = {f["value"]: f["count"] for f in doc["facets"]["theme"]}
    assert sum(themes.values()) == doc["total"]
    everything = service.search(SearchParams(q=""))
    assert everything["total"] > doc["total"]
    years = {f["value"] for f in everything["facets"]["year"]}
    assert {"2012", "2023", "2024", "2025"} <= years


@pytest.mark.slow
def test_every_line_of_the_page_is_reachable_by_search(service, default_corpus):
    page = default_corpus / "pages" / "economie.txt"
    missing = []
    for line in lines_from_text(page.read_text(encoding="utf-8")):
        text = re.sub(r"[\"«»()]", " ", line.text).strip(" -")
        if not re.search(r"\w\w", text):
            continue
        params = SearchParams(q=f'"{text}"', per_page=50)
        doc = service.search(params)
        titles = [" ".join(r["recording"]["title"].split()) for r in doc["results"]]
        passages = [" ".join(p["text"].split()) for p in service.export(params)["passages"]]
        wanted = line.text.lstrip("- ")
        if not any(wanted in t for t in passages) and not any(
            re.sub(r"[\"«»–-]", "", wanted).split() == re.sub(r"[\"«»–-]", "", t).split() for t in titles
        ) and doc["total"] == 0:
            missing.append((line.number, line.text))
    assert missing == []


def test_phrases_are_marked_only_where_whole(service):
    doc = service.search(SearchParams(q='"bassin minier"', mode="concordance", per_page=50))
    matches = [line["match"] for p in doc["passages"] for line in p["kwic"]]
    assert matches and all(" ".join(m.lower().split()) == "bassin minier" for m in matches), matches
    # a hyphenated name is one mark, whatever its hyphens
    doc = service.search(SearchParams(q="Loos-en-Gohelle", mode="concordance", per_page=50))
    marks = {line["match"] for p in doc["passages"] for line in p["kwic"]}
    assert marks == {"Loos-en--Gohelle", "Loos-en-Gohelle"}
