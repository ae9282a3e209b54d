"""Issue 22: one search document that every route renders, and facets as small classes
(a new facet is one class; the CLI options, the page's panels and the API follow from them)."""
from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from conftest import invoke_cli
from indexer.cli import main
from indexer.search import FACETS, FACETS_BY_NAME, SearchParams, SearchService
from indexer.search.facets import SingleValueFacet
from webapp import create_app
from webapp_fixtures import app, client, default_index_dir, heading, soup, test_corpus, test_index  # noqa: F401


class MediaFacet(SingleValueFacet):
    """A facet nobody wrote anywhere else: audio, video or a text of the site."""

    name, label, key, missing = "media", "Support", "media", "texte seul"


@pytest.fixture
def media_facet():
    facet = MediaFacet()
    FACETS.append(facet)
    FACETS_BY_NAME[facet.name] = facet
    try:
        yield facet
    finally:
        FACETS.remove(facet)
        del FACETS_BY_NAME[facet.name]


def test_a_new_facet_is_one_class(default_index_dir, media_facet):
    """Counted, filtered, kept in the URL, shown on the page, its filter chip removable: from
    the class alone (a new service: the snapshot reads the facets' tables when it opens)."""
    index, corpus = default_index_dir / "index", default_index_dir / "corpus"
    service = SearchService(index)
    counts = {v["value"]: v["count"] for v in service.search(SearchParams.from_args({}))["facets"]["media"]}
    assert counts.get("audio") and counts.get("-")  # recordings with audio, and texts of the site
    audio = service.search(SearchParams.from_args({"media": "audio"}))
    assert audio["total"] == counts["audio"] and audio["filters"] == {"media": ["audio"]}
    assert all(r["recording"]["media"] == "audio" for r in audio["results"])
    assert ("media", "audio") in SearchParams.from_args({"media": "audio"}).url_args()
    client = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus)}).test_client()
    page = soup(client.get("/", query_string={"media": "audio"}))
    assert page.select_one("#facet-media").get_text(strip=True) == "Support"
    chip = page.select_one("a.chip")
    assert "Support" in chip.get_text() and "media=" not in chip["href"]
    assert heading(page).startswith(f"{counts['audio']} ")


def test_the_cli_has_an_option_per_facet():
    """The search command's filters are generated from FACETS (a facet added is an option)."""
    shown = CliRunner().invoke(main, ["search", "--help"]).output
    for facet in FACETS:
        assert f"--{facet.name} " in shown, facet.name


def test_the_cli_filters_as_the_url_does(default_index_dir):
    index, corpus = default_index_dir / "index", default_index_dir / "corpus"
    service = SearchService(index)
    theme = service.search(SearchParams.from_args({}))["facets"]["theme"][0]
    done = invoke_cli(corpus, index, "search", "--theme", theme["value"], "--audio", "oui")
    expected = service.search(SearchParams.from_args({"theme": theme["value"], "audio": "oui"}))
    assert done.exit_code == 0
    assert f"{expected['total']} enregistrements pour" in done.output or f"{expected['total']} enregistrement" in done.output


def _csv(client, **args) -> list[dict]:
    response = client.get("/export.csv", query_string=args)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_an_export_is_the_pages_search_without_pages(default_index_dir):
    """Nothing to search ("-solaire" alone): the page shows nothing, and the exports now export
    nothing either (they exported the whole corpus); their JSON says why, as the page does."""
    index, corpus = default_index_dir / "index", default_index_dir / "corpus"
    client = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus)}).test_client()
    api = client.get("/api/search", query_string={"q": "-solaire"}).get_json()
    assert api["total"] == 0 and api["nothing_to_search"] is True and api["notices"]
    assert _csv(client, q="-solaire") == []
    exported = client.get("/export.json", query_string={"q": "-solaire"}).get_json()
    assert exported["passages"] == [] and exported["notices"] == api["notices"]
    # A concordance without words: the JSON export says why it has no rows.
    concordance = client.get("/export.json", query_string={"mode": "concordance"}).get_json()
    assert concordance["occurrences"] == [] and any("tapez d'abord un mot" in n for n in concordance["notices"])
    # With words, the export holds the passages the page counts, with the page's notices.
    api = client.get("/api/search", query_string={"q": "énergie solaire"}).get_json()
    exported = client.get("/export.json", query_string={"q": "énergie solaire"}).get_json()
    assert exported["count"] == api["total_passages"] and exported["notices"] == api["notices"]


def test_citations_and_concordance_carry_their_recordings(default_index_dir):
    """The passages' recordings come with the document: the page renders them, no second lookup."""
    service = SearchService(default_index_dir / "index")
    doc = service.search(SearchParams.from_args({"q": "énergie", "mode": "concordance"}))
    assert doc["passages"] and set(doc["recordings"]) == {p["recording_id"] for p in doc["passages"]}
    for rec_id, rec in doc["recordings"].items():
        assert rec["id"] == rec_id and rec["link"] == f"/enregistrement/{rec_id}"


def test_words_said_by_the_person_asked_for_are_held_by_the_passage(client):
    """« Verbrugge orchidées »: what that person said about orchids. His passage holds the words
    (the text, and its speaker's name): counted, exported, and not « found by its metadata »."""
    api = client.get("/api/search", query_string={"q": "Verbrugge orchidées"}).get_json()
    assert api["total"] == 1 and api["total_passages"] == 1
    result = api["results"][0]
    assert result["found_by_metadata"] is None
    assert result["passages"][0]["speaker"] == "Gaston Verbrugge" and "<mark>orchidées</mark>" in result["passages"][0]["snippet"]
    rows = _csv(client, q="Verbrugge orchidées")
    assert [row["locuteur"] for row in rows] == ["Gaston Verbrugge"]
    # The role asked for with the words (« botaniste orchidées ») is the speaker's too.
    assert client.get("/api/search", query_string={"q": "botaniste orchidées"}).get_json()["total_passages"] == 1
    # One word found in the speaker's name only is his metadata, as a title word is.
    alone = client.get("/api/search", query_string={"q": "Verbrugge"}).get_json()
    assert alone["total"] == 1 and alone["total_passages"] == 0
    assert alone["results"][0]["found_by_metadata"] == ["intervenant"]
    # A word of the recording's title is still the recording's, not the passage's.
    title = client.get("/api/search", query_string={"q": "forêt moutons"}).get_json()
    assert title["total"] == 1 and title["total_passages"] == 0
    assert title["results"][0]["found_by_metadata"] == ["titre"]
