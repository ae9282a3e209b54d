"""Issue 21, points 1, 2 and 5: one answer per address, whichever route asks (page, API,
exports, CLI), and a passage counted or exported as matching holds the words itself."""
from __future__ import annotations

import csv
import io
import re

from unidecode import unidecode

from conftest import invoke_cli
from webapp import create_app
from webapp_fixtures import (  # noqa: F401  (pytest fixtures)
    heading,
    soup,
    app,
    client,
    default_client,
    default_index_dir,
    test_corpus,
    test_index,
)



def csv_rows(client, **args) -> list[dict]:
    response = client.get("/export.csv", query_string=args)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def fresh_client(default_index_dir):
    """A new app: a new service, so a new facet cache (the order of requests is the test's)."""
    return create_app({"INDEX_DIR": str(default_index_dir / "index"),
                       "CORPUS_DIR": str(default_index_dir / "corpus")}).test_client()


def folded(text: str) -> str:
    return unidecode(text or "").lower()


# --------------------------------------------------------------------------- 1. the filters of the home page


def test_a_search_without_searchable_words_neither_hides_nor_borrows_the_home_pages_filters(default_index_dir):
    for typed in ("-solaire", "les"):
        # A search with nothing to search first, then the home page: its filters are there.
        first = fresh_client(default_index_dir)
        assert soup(first.get("/", query_string={"q": typed})).select_one("aside.facets") is None
        home = soup(first.get("/"))
        assert home.select_one("#facets-title") is not None and home.select("a.facet__link")
        # The home page first, then the search: nothing is counted next to "0 enregistrement".
        second = fresh_client(default_index_dir)
        assert soup(second.get("/")).select("a.facet__link")
        page = soup(second.get("/", query_string={"q": typed}))
        assert heading(page).startswith("0 enregistrement")
        assert page.select_one("aside.facets") is None
        api = second.get("/api/search", query_string={"q": typed}).get_json()
        assert api["total"] == 0 and not any(api["facets"].values())


def test_a_filter_chosen_before_a_search_without_searchable_words_stays_listed_at_zero(default_client):
    theme = default_client.get("/api/search").get_json()["facets"]["theme"][0]["value"]
    page = soup(default_client.get("/", query_string={"q": "les", "theme": theme}))
    counts = [int(re.search(r"\d+", link.select_one(".facet__count").get_text())[0])
              for link in page.select("a.facet__link")]
    assert counts == [0]  # the chosen theme only, to untick it: no other count of the whole corpus


# --------------------------------------------------------------------------- 2. what matches holds the words


def test_the_passages_counted_exported_and_lined_up_are_the_same_and_hold_the_word(default_client):
    page = soup(default_client.get("/", query_string={"q": "énergie"}))
    counted = int(re.match(r"(\d+) passages? correspond", page.select_one(".results__sub").get_text(strip=True))[1])
    rows = csv_rows(default_client, q="énergie")
    concordance = default_client.get("/api/search", query_string={"q": "énergie", "mode": "concordance"}).get_json()
    api = default_client.get("/api/search", query_string={"q": "énergie"}).get_json()
    assert counted == len(rows) == concordance["total"] == api["total_passages"] == 12
    assert all("energ" in folded(row["texte"]) for row in rows)
    json_rows = default_client.get("/export.json", query_string={"q": "énergie"}).get_json()["passages"]
    assert len(json_rows) == 12
    # Every passage shown under a result holds the word (marked): none found through metadata only.
    for passage in page.select(".result .passage__text"):
        assert passage.select_one("mark") is not None, passage.get_text()


def test_a_recording_found_by_its_metadata_says_so_and_exports_no_passage_of_it(default_client):
    q = "réalisateur audiovisuel"  # a role of people in the corpus, in the words of one passage only
    api = default_client.get("/api/search", query_string={"q": q, "per_page": 50}).get_json()
    by_metadata = [r for r in api["results"] if r["found_by_metadata"] is not None]
    holding = [r for r in api["results"] if r["found_by_metadata"] is None]
    assert by_metadata and holding
    assert all(r["found_by_metadata"] == ["fonction"] for r in by_metadata)
    assert api["total_passages"] == 1 and api["total"] == len(api["results"]) > 1
    rows = csv_rows(default_client, q=q)
    assert len(rows) == 1 and "realisateur audiovisuel" in folded(rows[0]["texte"])
    assert {r["recording"]["id"] for r in holding} == {rows[0]["identifiant"]}
    page = soup(default_client.get("/", query_string={"q": q, "per_page": 50}))
    notes = [n.get_text(" ", strip=True) for n in page.select(".result__by-metadata")]
    assert len(notes) == len(by_metadata)
    assert all(n.startswith("Trouvé par ses métadonnées (fonction)") for n in notes)
    assert page.select_one(".results__sub").get_text(strip=True).startswith("1 passage correspond")


# --------------------------------------------------------------------------- 5. one answer per address


def test_a_concordance_without_words_is_the_same_answer_everywhere(default_client, default_index_dir):
    api = default_client.get("/api/search", query_string={"mode": "concordance"}).get_json()
    assert api["total"] == 0 and api["passages"] == [] and api["needs_words"] is True
    assert any("tapez d'abord un mot" in n for n in api["notices"])
    assert not any(api["facets"].values())
    page = soup(default_client.get("/", query_string={"mode": "concordance"}))
    assert "tapez d'abord un mot" in page.select_one(".results").get_text(" ", strip=True)
    assert not page.select("table.concordance") and page.select_one("nav.pagination") is None
    assert csv_rows(default_client, mode="concordance") == []
    assert default_client.get("/export.json", query_string={"mode": "concordance"}).get_json()["occurrences"] == []
    # Quotes with nothing inside are no words either (they used to line up the whole corpus).
    assert default_client.get("/api/search", query_string={"mode": "concordance", "q": '""'}).get_json()["total"] == 0
    cli = invoke_cli(default_index_dir / "corpus", default_index_dir / "index", "search", "--mode", "concordance")
    assert cli.exit_code == 0 and "tapez d'abord un mot" in cli.output and "0 passages" in cli.output


def test_a_page_past_the_last_is_the_last_page_everywhere(default_client, default_index_dir):
    api = default_client.get("/api/search", query_string={"q": "énergie", "per_page": 2, "page": 9999}).get_json()
    assert api["page"] == api["pages"] == 5 and len(api["results"]) == 1
    assert any("La page 9999 n'existe pas" in n and "la page 5" in n for n in api["notices"])
    assert not any("ramené" in n for n in api["notices"])
    page = soup(default_client.get("/", query_string={"q": "énergie", "per_page": 2, "page": 9999}))
    assert len(page.select(".result")) == 1
    assert page.select_one(".result__title").get_text(strip=True).startswith(api["results"][0]["recording"]["title"])
    passages = default_client.get("/api/search", query_string={"q": "énergie", "mode": "concordance",
                                                               "page": 7}).get_json()
    assert passages["page"] == 2 and passages["passages"]
    cli = invoke_cli(default_index_dir / "corpus", default_index_dir / "index", "search", "énergie",
                     "--per-page", "2", "--page", "9999")
    assert cli.exit_code == 0 and "La page 9999 n'existe pas" in cli.output and "(page 5/5)" in cli.output
    assert "9. " in cli.output  # the ninth result, alone on the last page
