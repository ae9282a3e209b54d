"""Issue 21, the second walk of the three journeys: what still misled a researcher, a
student or a journalist on the default corpus (points 3, 4, 6, 8 …), pinned by view tests."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from bs4 import BeautifulSoup

from webapp_fixtures import (  # noqa: F401  (pytest fixtures)
    app,
    client,
    default_client,
    default_index_dir,
    test_corpus,
    test_index,
)


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def heading(page: BeautifulSoup) -> str:
    return " ".join(page.select_one(".results__count").get_text(" ", strip=True).split())


# --------------------------------------------------------------------------- 3. phrases


def test_the_helps_own_phrase_example_finds_its_plural(default_client):
    page = soup(default_client.get("/"))
    example = page.select_one(".syntax-help code").get_text()
    assert example == '"pompe à chaleur"'
    page = soup(default_client.get("/", query_string={"q": example}))
    marked = [m.get_text(" ", strip=True).lower() for m in page.select(".results mark")]
    assert heading(page).startswith("2 ") and "pompes à chaleur" in marked


@pytest.mark.parametrize("typed", ["« pompe à chaleur »", "«\u00a0pompe à chaleur\u00a0»", "“pompe à chaleur”"])
def test_guillemets_are_phrase_quotes_and_are_not_doubled(default_client, typed):
    page = soup(default_client.get("/", query_string={"q": typed}))
    assert heading(page).startswith("2 ")
    assert page.select_one(".results__query").get_text(strip=True) == "pour « pompe à chaleur »"
    assert page.title.get_text().startswith("« pompe à chaleur » —")
    # A phrase, not three words: the words apart, or in another order, are not enough.
    other_order = soup(default_client.get("/", query_string={"q": "« chaleur à pompe »"}))
    assert other_order.select_one(".results mark") is None


def test_a_phrase_keeps_its_small_words(default_client):
    # "pompes chaleur" without its "à" is not in the corpus: the small word counts in a phrase.
    page = soup(default_client.get("/", query_string={"q": '"pompes chaleur"'}))
    assert page.select_one(".results mark") is None
    api = default_client.get("/api/search", query_string={"q": '"pompe à chaleur"'}).get_json()
    assert api["total"] == 2


# --------------------------------------------------------------------------- 4. concordance exports


def csv_rows(client, url: str, **args) -> list[dict]:
    response = client.get(url, query_string=args)
    delimiter = ";" if args.get("sep") == "semicolon" else ","
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=delimiter))


def test_concordance_exports_say_speech_or_summary_and_where_it_comes_from(client, default_client):
    speech = csv_rows(client, "/export.csv", q="schiste", mode="concordance")
    assert len(speech) == 2
    for row in speech:
        assert (row["nature"], row["libellé"], row["locuteur"]) == ("verbatim", "transcription", "Gaston Verbrugge")
        assert row["provenance"] == "transcription du corpus"
        assert row["début (s)"] and row["fin (s)"] and row["mots à (s)"]
    summaries = csv_rows(default_client, "/export.csv", q="Gazonor", mode="concordance")
    assert summaries and {row["nature"] for row in summaries} == {"éditorial"}
    assert {row["provenance"] for row in summaries} == {"texte du site"}
    assert all(row["libellé"] for row in summaries)
    document = client.get("/export.json", query_string={"q": "schiste", "mode": "concordance"}).get_json()
    assert "passages" not in document and document["count"] == len(document["occurrences"]) == 2
    first = document["occurrences"][0]
    assert first["verbatim"] is True and first["label"] == "transcription" and first["automatic"] is None
    assert document["column_labels"]["match"] == "occurrence"


# --------------------------------------------------------------------------- 8. spreadsheets


def test_excel_neutralises_formulas_only(default_client):
    from webapp.views import spreadsheet_safe

    for formula in ("=1+2", "+33 6", "@SOMME(A1)", "-2+3", "-=A1", "\tx"):
        assert spreadsheet_safe(formula) == "'" + formula
    for text in ("- Gazonor, la mine", "-solaire", "—", "2-3", "Wingles"):
        assert spreadsheet_safe(text) == text
    # The default corpus' page texts start with a dialogue dash: shown as written in Excel.
    rows = csv_rows(default_client, "/export.csv", q="Gazonor", sep="semicolon")
    assert any(row["texte"].startswith("- Gazonor") for row in rows)
    assert not any(row["texte"].startswith("'") for row in rows)


def test_csv_and_excel_exports_have_distinct_names_and_french_headers(default_client):
    names = set()
    for args in ({}, {"sep": "semicolon"}, {"mode": "concordance"}):
        disposition = default_client.get("/export.csv", query_string={"q": "énergie", **args}).headers["Content-Disposition"]
        names.add(re.search(r'filename="([^"]+)"', disposition).group(1))
    assert names == {"artoiscast-energie.csv", "artoiscast-energie-excel.csv", "artoiscast-energie-concordance.csv"}
    header = default_client.get("/export.csv?q=énergie&sep=semicolon").get_data().decode("utf-8-sig").splitlines()[0]
    assert header.startswith("identifiant;titre;locuteur;rôle;") and "texte" in header.split(";")
