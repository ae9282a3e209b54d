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
