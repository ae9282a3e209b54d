"""Issue 12: what misled a researcher, a student and a journalist walking the web app,
checked through Flask's test client (the browser side is in test_webapp_browser.py).

The invented corpus of tests/webapp_fixtures.py, plus the default corpus (corpus/ of the
repository: page texts and summaries, no transcript) where the journeys were walked.
"""
from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from indexer.build import build_index
from webapp import create_app
from webapp_fixtures import (  # noqa: F401  (pytest fixtures)
    heading,
    soup,
    CORPUS_YAML,
    app,
    client,
    default_client,
    default_index_dir,
    make_test_corpus,
    test_corpus,
    test_index,
)



def facet_values(page: BeautifulSoup, name: str) -> list[tuple[str, int]]:
    return [(a["data-value"], int(re.search(r"\d+", a.select_one(".facet__count").text).group()))
            for a in page.select(f'a.facet__link[data-facet="{name}"]')]


# --------------------------------------------------------------------------- 1. citations mode


def test_citations_without_any_transcript_say_so_not_that_the_index_is_empty(default_client):
    page = soup(default_client.get("/?mode=citations"))
    text = page.select_one(".empty-state").get_text(" ", strip=True)
    assert "L'index est vide" not in text and "Lancez" not in text
    assert "pas encore de transcription" in text
    assert "ne sont pas des citations" in text  # summaries are not quotes
    assert "transcript:" not in text and "corpus.yaml" not in text  # the public is not the maintainer (issue 21)
    # The speaker facet is there before any filter, so a person can be chosen.
    assert len(facet_values(page, "speaker")) > 5


def test_citations_of_a_person_without_transcript_name_the_person(default_client):
    page = soup(default_client.get("/?mode=citations&speaker=Yann+Fouant"))
    empty = page.select_one(".empty-state").get_text(" ", strip=True)
    assert "Aucune transcription des paroles de Yann Fouant" in empty
    assert "moins de mots" not in empty  # no generic tips: the words are not the reason
    assert ("Yann Fouant", 1) in facet_values(page, "speaker")


def test_citations_of_the_interviewer_explain_why_there_are_none(client):
    page = soup(client.get("/?mode=citations&speaker=Josiane+Wattebled"))
    assert "Les questions de l'intervieweur ne sont pas des citations" in page.select_one(".empty-state h2").get_text()


def test_citations_that_exist_are_still_offered(client):
    page = soup(client.get("/?q=orchidées&mode=citations"))
    assert len(page.select(".citation")) == 1 and heading(page).startswith("1 citation")


# --------------------------------------------------------------------------- 2. concordance and exports


def test_concordance_counts_the_lines_it_shows(client):
    page = soup(client.get("/?q=schiste+OU+bouleaux&mode=concordance"))
    lines = len(page.select("table.concordance tbody tr"))
    passages = len({a["href"] for a in page.select("table.concordance .play")})
    assert (lines, passages) == (4, 3)  # "schiste" and "bouleaux" in one passage
    assert heading(page).startswith(f"{lines} occurrences dans {passages} passages")


def test_concordance_export_has_one_row_per_occurrence_with_its_contexts(client):
    page = soup(client.get("/?q=schiste+OU+bouleaux&mode=concordance"))
    shown = [(r.select_one("td.kwic-left").get_text(strip=True), r.select_one("td.kwic-match").get_text(strip=True))
             for r in page.select("table.concordance tbody tr")]
    href = page.find("a", string="CSV")["href"]
    assert parse_qs(urlsplit(href).query)["mode"] == ["concordance"]
    rows = list(csv.DictReader(io.StringIO(client.get(href).get_data().decode("utf-8-sig"))))
    assert list(rows[0]) == ["identifiant", "titre", "locuteur", "rôle", "attribution du locuteur", "début (s)",
                             "fin (s)", "mots à (s)", "nature", "libellé", "contexte gauche", "occurrence",
                             "contexte droit", "date", "lien", "provenance", "noms approximatifs"]
    assert len(rows) == len(shown)
    assert sorted(row["occurrence"].lower() for row in rows) == ["bouleaux", "bouleaux", "schiste", "schiste"]
    assert sorted((row["contexte gauche"].strip(), row["occurrence"]) for row in rows) == sorted(shown)
    assert all(row["lien"].startswith("http://localhost/enregistrement/") and row["début (s)"] for row in rows)
    document = client.get(page.find("a", string="JSON")["href"]).get_json()
    assert document["columns"][10:13] == ["left", "match", "right"] and len(document["occurrences"]) == len(rows)


def test_concordance_without_words_asks_for_them_instead_of_empty_pages(client):
    page = soup(client.get("/?mode=concordance"))
    assert page.select_one("nav.pagination") is None
    assert not page.select("table.concordance")
    assert "tapez d'abord un mot" in page.select_one(".results").get_text(" ", strip=True)
    assert client.get("/export.csv?mode=concordance").get_data().decode("utf-8-sig").count("\n") == 1  # header only


# --------------------------------------------------------------------------- 3. what is counted


def test_recordings_and_page_texts_are_counted_apart(default_client):
    page = soup(default_client.get("/"))
    assert heading(page) == "31 enregistrements et 8 textes du site"
    kinds = dict(facet_values(page, "kind"))
    assert kinds["texte de la page"] == 8
    label = page.select_one('a.facet__link[data-value="texte de la page"] .facet__label').get_text(strip=True)
    assert label == "Texte du site (pas un enregistrement)"


@pytest.mark.parametrize("facet, missing", [("year", "sans date"), ("theme", "sans thème")])
def test_single_valued_facets_add_up_with_a_no_value_entry(default_client, facet, missing):
    page = soup(default_client.get("/"))
    values = facet_values(page, facet)
    assert sum(count for _, count in values) == 39
    assert values[-1][0] == "-"  # last
    link = page.select_one(f'a.facet__link[data-facet="{facet}"][data-value="-"]')
    assert link.select_one(".facet__label").get_text(strip=True) == missing
    chosen = soup(default_client.get(link["href"].split("#")[0]))
    total = sum(int(n) for n in re.findall(r"\d+", heading(chosen)))
    assert total == values[-1][1]


def test_the_interviewer_is_marked_and_does_not_lead_the_speaker_facet(default_client):
    page = soup(default_client.get("/"))
    speakers = [value for value, _ in facet_values(page, "speaker")]
    assert speakers[-1] == "René Lavergne"
    item = page.select_one('a.facet__link[data-facet="speaker"][data-value="René Lavergne"]')
    assert item.select_one(".role--interviewer").get_text(strip=True) == "intervieweur"


def test_a_facet_with_one_value_for_the_whole_corpus_is_not_shown(default_client, client):
    # No recording of the default corpus has its audio here, and none has a transcript.
    page = soup(default_client.get("/"))
    assert not page.select('a.facet__link[data-facet="audio"]')
    assert not page.select('a.facet__link[data-facet="type"]')
    # The invented corpus has one recording with audio and one without: the facet is useful there.
    assert len(soup(client.get("/")).select('a.facet__link[data-facet="audio"]')) == 2


@pytest.mark.parametrize("q", ["-photovoltaïque", '-"gaz de mine"', "SAUF méthane"])
def test_an_exclusion_alone_selects_nothing_and_says_so(default_client, q):
    page = soup(default_client.get("/", query_string={"q": q}))
    assert heading(page).startswith("0 enregistrement")
    assert not page.select(".result")
    assert "Une exclusion seule" in page.select_one(".notices").get_text()


# --------------------------------------------------------------------------- 4. navigation states


def test_a_page_past_the_end_shows_the_last_page(default_client):
    page = soup(default_client.get("/?page=9999&q=énergie&per_page=2"))
    assert len(page.select(".result")) == 1  # 9 results, 2 a page: the fifth page holds one
    assert page.select_one(".pagination a[aria-current=page]").get_text(strip=True) == "5"
    notices = page.select_one(".notices").get_text(" ", strip=True)
    assert "La page 9999 n'existe pas" in notices and "la page 5" in notices
    assert "ramené" not in notices
    assert "page=9999" not in str(page.select_one(".pagination"))


def test_browsing_shows_the_date_sort_as_the_one_used(default_client):
    page = soup(default_client.get("/"))
    current = page.select_one(".toolbar__sort a[aria-current]")
    assert current.get_text(strip=True) == "date"
    searched = soup(default_client.get("/?q=énergie"))
    assert searched.select_one(".toolbar__sort a[aria-current]").get_text(strip=True) == "pertinence"


def test_the_query_is_echoed_in_the_users_words(default_client):
    page = soup(default_client.get("/?q=emploi+ET+formation"))
    assert "« emploi ET formation »" in heading(page)
    assert "AND" not in page.select_one(".results__head").get_text()
    suggested = soup(default_client.get("/?q=emploi+ET+formatoin")).select_one(".suggestion a")
    assert suggested.get_text() == "emploi ET formation"


def test_suggestions_hold_only_words_of_the_corpus(default_client):
    page = soup(default_client.get("/?q=%3Cscript%3Ealert(1)%3C/script%3E"))
    suggestion = page.select_one(".suggestion a")
    if suggestion is not None:
        text = suggestion.get_text()
        assert "<" not in text and ">" not in text and "/" not in text and "script" not in text
        assert "<" not in unquote(suggestion["href"])


@pytest.mark.parametrize("typed, suggested", [
    ('"pompe à chaleurr" "energiie verte"', '"pompe à chaleur" "énergie verte"'),
    ("enrgie -solaiire", "énergie -solaire"),
    ("<b>enrgie</b>", "énergie"),
    ("(ERBM OU DSILL) ET 2025", "(ERBM OU DSIL) ET 2025"),  # as the corpus writes it (issue 21)
    ('enrgie "zzqxw"', "énergie"),  # a word with nothing close is left out, with its quotes
    ("zzqxw de enrgie", "énergie"),  # … and the stop word it leaves at an end
])
def test_suggestions_keep_the_query_syntax_and_drop_the_rest(default_client, typed, suggested):
    page = soup(default_client.get("/", query_string={"q": typed}))
    assert page.select_one(".suggestion a").get_text() == suggested


# --------------------------------------------------------------------------- 5. focus kept on the filter used


def test_facet_links_bring_the_focus_back_to_themselves(client):
    page = soup(client.get("/?q=noir"))
    link = page.select_one('a.facet__link[data-value="Paysages miniers"]')
    path, _, fragment = link["href"].partition("#")
    assert fragment == link["id"]
    chosen = soup(client.get(path))
    assert chosen.select_one(f"#{fragment}")["data-value"] == "Paysages miniers"
    # The filters come before the results in the page (at the top on a phone).
    html = str(chosen)
    assert html.index('id="filtres"') < html.index('class="result-list"')


# --------------------------------------------------------------------------- 7. search inside one interview


def test_the_recording_page_searches_its_own_transcript(client):
    page = soup(client.get("/enregistrement/terril-vert"))
    form = page.select_one("form.in-recording")
    assert form["action"] == "/enregistrement/terril-vert" and form.select_one("input[name=q]")
    page = soup(client.get("/enregistrement/terril-vert?q=schiste"))
    hits = [li["id"] for li in page.select(".turn.is-hit")]
    assert hits == ["p1", "p3"]
    assert len(page.select(".timeline__hit")) == 2
    nav = page.select_one(".hit-nav")
    assert "2 passages avec « schiste »" in nav.get_text(" ", strip=True)
    assert nav.select_one("a[data-step='1']")["href"] == "#p1"
    assert nav.select_one("a[data-step='-1']")["href"] == "#p3"


def test_a_recording_without_audio_still_marks_its_hits_on_a_timeline(client):
    page = soup(client.get("/enregistrement/filature-pasteur?q=bobines"))
    assert page.select_one("audio") is None
    assert len(page.select(".timeline__hit")) == 1


# --------------------------------------------------------------------------- 8. duplicate titles


def test_results_with_the_same_title_say_what_tells_them_apart(default_client):
    page = soup(default_client.get("/?q=cybersécurité"))
    titles = [h.get_text(" ", strip=True) for h in page.select(".result__title")]
    same = [t for t in titles if t.startswith("LLV – afterwork-cybersécurité")]
    assert len(same) == 4
    assert len(set(same)) == 4, same
    assert any("Vincent Vanherpe" in t for t in same)


# --------------------------------------------------------------------------- 9. cite a recording


def test_a_recording_is_cited_as_ris_bibtex_and_csl_json(client):
    page = soup(client.get("/enregistrement/terril-vert"))
    links = {a.get_text(strip=True): a["href"] for a in page.select(".cite-formats a")}
    assert set(links) == {"RIS", "BibTeX", "CSL-JSON"}

    ris = client.get(links["RIS"])
    assert ris.mimetype == "application/x-research-info-systems"
    lines = ris.get_data(as_text=True).splitlines()
    assert lines[0] == "TY  - SOUND" and lines[-1] == "ER  -"
    assert "AU  - Verbrugge, Gaston" in lines and "A2  - Wattebled, Josiane" in lines
    assert "TI  - Le terril qui devint forêt" in lines and "PB  - artoiscast.fr" in lines
    assert "DA  - 2024/05/14" in lines and "UR  - http://localhost/enregistrement/terril-vert" in lines
    assert any(re.fullmatch(r"Y2  - \d{4}/\d\d/\d\d", line) for line in lines)  # accessed

    bib = client.get(links["BibTeX"]).get_data(as_text=True)
    assert bib.startswith("@misc{artoiscast-terril-vert,")
    assert "author = {Verbrugge, Gaston}" in bib and "date = {2024-05-14}" in bib
    assert "note = {Entretien mené par Josiane Wattebled ; consulté le " in bib and "urldate = {" in bib

    (item,) = json.loads(client.get(links["CSL-JSON"]).get_data(as_text=True))
    assert item["type"] == "interview" and item["title"] == "Le terril qui devint forêt"
    assert item["author"] == [{"family": "Verbrugge", "given": "Gaston"}]
    assert item["interviewer"] == [{"family": "Wattebled", "given": "Josiane"}]
    assert item["issued"] == {"date-parts": [[2024, 5, 14]]} and item["publisher"] == "artoiscast.fr"
    assert item["URL"] == "http://localhost/enregistrement/terril-vert" and "accessed" in item
    assert client.get("/citation/ris/inconnu").status_code == 404


def test_the_recording_page_embeds_its_reference_for_zotero(client):
    page = soup(client.get("/enregistrement/terril-vert"))
    meta = {m["name"]: m["content"] for m in page.select("meta[name^='DC.']")}
    assert meta["DC.title"] == "Le terril qui devint forêt" and meta["DC.creator"] == "Gaston Verbrugge"
    assert meta["DC.date"] == "2024-05-14" and meta["DC.publisher"] == "artoiscast.fr"
    assert page.select_one("link[rel='schema.DC']")["href"] == "http://purl.org/dc/elements/1.1/"
    coins = parse_qs(page.select_one("span.Z3988")["title"])
    assert coins["ctx_ver"] == ["Z39.88-2004"] and coins["rft.type"] == ["audioRecording"]
    assert coins["rft.creator"] == ["Gaston Verbrugge"] and coins["rft.title"] == ["Le terril qui devint forêt"]


# --------------------------------------------------------------------------- issue 11, item 8: credits


def test_footer_credits_come_from_corpus_yaml(tmp_path, client):
    # The invented corpus declares no credits: no one else's name is printed under its pages.
    footer = soup(client.get("/")).select_one("footer").get_text(" ", strip=True)
    assert "René Lavergne" not in footer
    corpus = make_test_corpus(tmp_path / "corpus")
    (corpus / "corpus.yaml").write_text(
        CORPUS_YAML.replace("pages: []\n", "pages: []\ncredits:\n  - Collectage mené par l'Amicale des Corons "
                                           "de Wingles.\n  - Transcriptions <relues> par Odile Caudron.\n"),
        encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    credited = create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(corpus)}).test_client()
    for url in ("/", "/enregistrement/terril-vert", "/nulle-part"):
        page = BeautifulSoup(credited.get(url).get_data(as_text=True), "html.parser")
        credits = [p.get_text() for p in page.select("footer .site-footer__credit")]
        assert credits == ["Collectage mené par l'Amicale des Corons de Wingles.",
                           "Transcriptions <relues> par Odile Caudron."], url
