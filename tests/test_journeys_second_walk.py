"""Issue 21, the second walk of the three journeys: what still misled a researcher, a
student or a journalist on the default corpus (points 3, 4, 6, 8 …), pinned by view tests."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

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
    from webapp.exports import spreadsheet_safe

    for formula in ("=1+2", "+33 6", "@SOMME(A1)", "-2+3", "-=A1", "\tx"):
        assert spreadsheet_safe(formula) == "'" + formula
    for text in ("- Gazonor, la mine", "-solaire", "—", "2-3", "Wingles"):
        assert spreadsheet_safe(text) == text
    # The default corpus' texts are shown in Excel as written.
    excel = csv_rows(default_client, "/export.csv", q="Gazonor", sep="semicolon")
    assert excel and [row["texte"] for row in excel] == [row["texte"] for row in csv_rows(default_client, "/export.csv", q="Gazonor")]


def test_csv_and_excel_exports_have_distinct_names_and_french_headers(default_client):
    names = set()
    for args in ({}, {"sep": "semicolon"}, {"mode": "concordance"}):
        disposition = default_client.get("/export.csv", query_string={"q": "énergie", **args}).headers["Content-Disposition"]
        names.add(re.search(r'filename="([^"]+)"', disposition).group(1))
    assert names == {"artoiscast-energie.csv", "artoiscast-energie-excel.csv", "artoiscast-energie-concordance.csv"}
    header = default_client.get("/export.csv?q=énergie&sep=semicolon").get_data().decode("utf-8-sig").splitlines()[0]
    assert header.startswith("identifiant;titre;locuteur;rôle;") and "texte" in header.split(";")


# --------------------------------------------------------------------------- 6. citations

ESAD_TEAM = "economie-lancement-design-week-2024-louvre-lens-equipe-esad"
SITE_TEXT = "economie-mutation-economique-artois-texte"


def cite(client, fmt: str, rec_id: str):
    response = client.get(f"/citation/{fmt}/{rec_id}")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))[0] if fmt == "json" else response.get_data(as_text=True)


def test_an_organisation_as_author_is_a_corporate_author(default_client):
    ris = cite(default_client, "ris", ESAD_TEAM).splitlines()
    assert "AU  - L'équipe de l'ESAD," in ris and not any("l'ESAD, L'équipe" in line for line in ris)
    assert "author = {{L'équipe de l'ESAD}}" in cite(default_client, "bib", ESAD_TEAM)
    assert cite(default_client, "json", ESAD_TEAM)["author"] == [{"literal": "L'équipe de l'ESAD"}]
    # People keep their given and family names.
    assert "AU  - Fouant, Yann" in cite(default_client, "ris", "economie-gazonor-yann-fouant").splitlines()


def test_a_site_text_is_cited_as_a_web_page(default_client):
    ris = cite(default_client, "ris", SITE_TEXT).splitlines()
    assert ris[0] == "TY  - ELEC" and "M3  - Texte du site" in ris
    item = cite(default_client, "json", SITE_TEXT)
    assert item["type"] == "webpage" and item["medium"] == "page web"
    assert "Enregistrement" not in cite(default_client, "bib", SITE_TEXT)
    page = soup(default_client.get(f"/enregistrement/{SITE_TEXT}"))
    assert page.select_one('meta[name="DC.type"]')["content"] == "Text"
    assert "rft.type=webpage" in page.select_one("span.Z3988")["title"]


def test_csl_genre_is_french_and_bibtex_has_classic_fields(client, default_client):
    assert cite(default_client, "json", "economie-gazonor-yann-fouant")["genre"] == "Entretien"  # kind: interview
    bib = cite(client, "bib", "terril-vert")
    assert "year = {2024}" in bib and "month = may" in bib and "date = {2024-05-14}" in bib
    assert re.search(r"note = \{Entretien mené par Josiane Wattebled ; consulté le \d{4}-\d\d-\d\d\}", bib)
    assert "urldate = {" in bib and "howpublished = {Enregistrement audio" in bib


def test_the_recording_page_has_highwire_tags_for_zotero_and_scholar(client):
    page = soup(client.get("/enregistrement/terril-vert"))
    meta = {}
    for tag in page.select("meta[name^='citation_']"):
        meta.setdefault(tag["name"], []).append(tag["content"])
    assert meta["citation_title"] == ["Le terril qui devint forêt"]
    assert meta["citation_author"] == ["Gaston Verbrugge"]
    assert meta["citation_publication_date"] == ["2024/05/14"] and meta["citation_publisher"] == ["artoiscast.fr"]
    assert meta["citation_public_url"] == ["http://localhost/enregistrement/terril-vert"]


def serve_start_output(corpus, index, *extra) -> str:
    """What `artoiscast serve` prints until it listens (then it is stopped)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from webapp_fixtures import free_port

    repo = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), "serve",
         "--port", str(free_port()), "--workers", "1", *extra],
        env={**os.environ, "PYTHONPATH": str(repo)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 60
        for line in process.stdout:
            lines.append(line)
            if "artoiscast-search sur" in line or time.monotonic() > deadline:
                break
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    return "".join(lines)


def test_serve_warns_when_citations_would_carry_a_local_address(test_corpus, test_index):
    said = serve_start_output(test_corpus, test_index)
    assert "sans --base-url" in said and "http://127.0.0.1:" in said and "--base-url https://" in said
    said = serve_start_output(test_corpus, test_index, "--base-url", "https://recherche.example.org")
    assert "artoiscast-search sur" in said and "sans --base-url" not in said


# --------------------------------------------------------------------------- 9. words that said something false


def test_the_home_page_does_not_say_passages_correspond_to_nothing(default_client):
    sub = soup(default_client.get("/")).select_one(".results__sub").get_text(" ", strip=True)
    assert "correspond" not in sub and re.match(r"\d+ passages en tout", sub)
    sub = soup(default_client.get("/?q=énergie")).select_one(".results__sub").get_text(" ", strip=True)
    assert re.match(r"\d+ passages correspondent", sub)


def test_an_exclusion_alone_asks_for_a_word_not_for_fewer_words(default_client):
    page = soup(default_client.get("/?q=-solaire"))
    empty = page.select_one(".empty-state").get_text(" ", strip=True)
    assert "moins de mots" not in empty and "Ajoutez un mot à chercher" in empty
    assert default_client.get("/api/search?q=-solaire").get_json()["nothing_to_search"] is True
    # A search that finds nothing still gets the tips.
    empty = soup(default_client.get("/?q=zorglubienne")).select_one(".empty-state").get_text(" ", strip=True)
    assert "moins de mots" in empty


def test_facet_counts_say_what_they_count_to_screen_readers(default_client):
    page = soup(default_client.get("/"))
    texts = page.select_one('a.facet__link[data-facet="kind"][data-value="texte de la page"] .facet__count')
    assert re.fullmatch(r": \d+ textes du site", " ".join(texts.get_text().split()))
    interview = page.select_one('a.facet__link[data-facet="kind"][data-value="entretien"] .facet__count')
    assert interview.get_text(" ", strip=True).endswith("enregistrements")
    place = page.select_one('a.facet__link[data-facet="place"] .facet__count')
    assert "textes du site" in place.get_text(" ", strip=True)


def test_the_empty_citations_page_speaks_to_the_public(default_client):
    text = soup(default_client.get("/?mode=citations")).select_one(".empty-state").get_text(" ", strip=True)
    assert "corpus.yaml" not in text and "artoiscast index" not in text


@pytest.fixture(scope="module")
def transcribed_default(tmp_path_factory):
    """The default corpus with an invented transcript for Gazonor's recording (summary and speech)."""
    import shutil
    from pathlib import Path

    from indexer.build import build_index
    from webapp import create_app

    root = tmp_path_factory.mktemp("transcribed")
    corpus = root / "corpus"
    shutil.copytree(Path(__file__).resolve().parent.parent / "corpus", corpus)
    (corpus / "transcripts").mkdir(exist_ok=True)
    (corpus / "transcripts" / "gazonor.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:10.000\n<v Yann Fouant>Le gaz de mine remonte tout seul des galeries.\n\n"
        "00:10.000 --> 00:20.000\n<v Yann Fouant>On le capte avant qu'il ne parte dans l'air.\n", encoding="utf-8")
    yaml = (corpus / "corpus.yaml").read_text(encoding="utf-8")
    (corpus / "corpus.yaml").write_text(yaml.replace(
        "recordings: {}", "recordings:\n  economie-gazonor-yann-fouant:\n    transcript: transcripts/gazonor.vtt"),
        encoding="utf-8")
    build_index(corpus, root / "index")
    return create_app({"INDEX_DIR": str(root / "index"), "CORPUS_DIR": str(corpus)}).test_client()


def test_the_recording_page_counts_its_hits_the_same_in_the_box_and_on_the_timeline(transcribed_default):
    page = soup(transcribed_default.get("/enregistrement/economie-gazonor-yann-fouant?q=gaz"))
    marks = len(page.select(".timeline__hit"))
    box = page.select_one(".hit-nav__count").get_text(" ", strip=True)
    label = page.select_one(".timeline__label").get_text(" ", strip=True)
    total = int(re.match(r"(\d+) passages", box).group(1))
    assert marks == 1 and total > marks
    assert f"({marks} dans la transcription, {total - marks} dans les textes du site)" in box
    assert label.startswith(f"{marks} passage de la transcription") and f"sur {total}" in label


# --------------------------------------------------------------------------- 10. suggestions


@pytest.mark.parametrize("typed, suggested", [("energi", "énergie"), ("Gazonnor", "Gazonor")])
def test_did_you_mean_offers_the_corpus_form_as_written(default_client, typed, suggested):
    page = soup(default_client.get("/", query_string={"q": typed}))
    assert page.select_one(".suggestion a").get_text() == suggested
    assert default_client.get("/api/search", query_string={"q": typed}).get_json()["suggestion"] == suggested


# --------------------------------------------------------------------------- 11. listen on artoiscast.fr


def test_listen_on_artoiscast_points_at_the_recordings_own_place_on_the_page(default_client):
    from pathlib import Path
    from urllib.parse import unquote

    page_text = " ".join((Path(__file__).resolve().parent.parent / "corpus" / "pages" / "economie.txt")
                         .read_text(encoding="utf-8").split())
    page = soup(default_client.get("/?per_page=50"))
    links = [a["href"] for a in page.select("a.external") if "artoiscast.fr" in a["href"]]
    fragments = [unquote(href.split("#:~:text=", 1)[1]) for href in links if "#:~:text=" in href]
    assert len(fragments) >= 10 and len(set(fragments)) == len(fragments)  # each recording its own place
    for words in fragments:
        assert page_text.count(words) == 1, words  # words the page prints once: the browser scrolls there
    record = soup(default_client.get("/enregistrement/economie-gazonor-yann-fouant"))
    source = record.find("a", string="la page d'artoiscast.fr")["href"]
    assert unquote(source) == "https://artoiscast.fr/economie.html#:~:text=écouter l'interview de Yann Fouant par René Lavergne"
    # Three recordings of one section are all "écouter": no fragment could tell them apart.
    cyber = [r for r in default_client.get("/api/recordings").get_json()["recordings"]
             if r["id"].startswith("economie-llv-afterwork-cybersecurite") and r["media"]]
    assert len(cyber) == 3
    for rec in cyber:
        source = soup(default_client.get(f"/enregistrement/{rec['id']}")).find("a", string="la page d'artoiscast.fr")
        assert source["href"] == "https://artoiscast.fr/economie.html"


# --------------------------------------------------------------------------- 12. noise in the index


def test_no_passage_starts_with_a_list_dash_and_one_genre_for_interviews(default_client):
    rec = default_client.get("/api/recordings/economie-gazonor-yann-fouant").get_json()
    texts = [p["text"] for p in rec["passages"]]
    assert texts[0].startswith("Gazonor\nRencontre avec Yann Fouant")
    every = default_client.get("/export.json").get_json()["passages"]
    assert len(every) > 100 and not any(re.match(r"[-–]\s", p["text"]) for p in every)
    kinds = {f["value"] for f in default_client.get("/api/search").get_json()["facets"]["kind"]}
    assert "entretien" in kinds and "interview" not in kinds


# --------------------------------------------------------------------------- 13. make test on a fresh machine


def test_installing_the_package_prints_no_setuptools_warning_screens(tmp_path):
    """`pip install -e .` builds with setuptools: webapp's templates and static folders used to
    print two screens of "Package would be ignored" warnings that looked like errors."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, tmp_path / name)
    for package in ("indexer", "webapp"):
        shutil.copytree(repo / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "build_py",
                            "--build-lib", str(tmp_path / "built")],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert "Package would be ignored" not in built.stderr and "as data is deprecated" not in built.stderr
    assert (tmp_path / "built" / "webapp" / "templates" / "search.html").is_file()
    assert (tmp_path / "built" / "webapp" / "static" / "search.js").is_file()
