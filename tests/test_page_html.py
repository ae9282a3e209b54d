"""The HTML path of the page parser, on two small pages shaped like artoiscast.fr.

Fixtures (tests/fixtures/pages/, invented people and places only):
- corons.html: UTF-8; a table of contents whose themes are separate <p>, nested
  divs/spans, an "écouter l'interview de X par Y - mars 2024" link, a video link,
  "- de X, maire de …" lines each followed by a bare "écouter" link with a
  *relative* href, "Résumé de l'entretien", "synthèse :", a <br>-separated
  paragraph, a <script> and a <style> that must not be indexed;
- corons.txt: the same page as a text capture (what a browser's "copy" gives);
- filature.html: windows-1252; the table of contents in one <p> with <br>,
  people named in the text around a link ("Nous retrouvons …"), a "- du
  Capitaine …" introducer, a question headline, "En résumé", "Points clés",
  hrefs relative to the page and to the site root, a <noscript>.
"""
from __future__ import annotations

import re

import shutil
from pathlib import Path

import pytest

from indexer.corpus import Corpus, PageSource
from indexer.page import lines_from_html, parse_page
from indexer.sources import read_corpus

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
CORONS_URL = "https://example.org/brume/corons.html"
FILATURE_URL = "https://example.org/textile/filature.html"

# Recording ids: page id, first words of the subject heading, first person heard.
CARPENTIER = "corons-fanfare-cite-glycines-melodie-carpentier"
DEFILE = "corons-defile-sainte-cecile-video"
VERHAEGHE = "corons-fete-potirons-12-10-2023-gaston-verhaeghe"
DUCASSE = "corons-fete-potirons-12-10-2023-lucienne-ducasse"
MARCHE = "corons-marche-couvert-dimanche-reportage"

THEME_FANFARE = "La fanfare de la cité des Glycines"
THEME_JARDINS = "Les jardins ouvriers de Bois-Fleuri"
THEME_MARCHE = "Le marché couvert du dimanche"


def read_fixture(name: str) -> str:
    raw = (FIXTURES / name).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def parse(name: str, page_id: str, url: str, title: str, is_html=None):
    corpus = Corpus(root=FIXTURES.parent)
    source = PageSource(page_id, url, title, f"pages/{name}")
    return parse_page(read_fixture(name), source, corpus, source.file, is_html=is_html)


@pytest.fixture(scope="module")
def corons():
    return parse("corons.html", "corons", CORONS_URL, "la mémoire des corons")


@pytest.fixture(scope="module")
def corons_text():
    return parse("corons.txt", "corons", CORONS_URL, "la mémoire des corons", is_html=False)


@pytest.fixture(scope="module")
def filature():
    return parse("filature.html", "filature", FILATURE_URL, "les métiers du textile")


def by_id(result):
    return {rec.id: rec for rec in result.recordings}


def media(result):
    return [rec for rec in result.recordings if rec.media]


def speakers(rec):
    return [(s.name, s.role, s.interviewer) for s in rec.speakers]


def all_text(result) -> str:
    return "\n".join(p.text for rec in result.recordings for p in rec.passages)


# --------------------------------------------------------------------------- fixtures are what they claim


def test_fixtures_have_the_quirks_they_claim():
    corons_html = (FIXTURES / "corons.html").read_text(encoding="utf-8")
    assert "<script" in corons_html and "<br>" in corons_html and "<span>écouter</span>" in corons_html
    assert 'href="audio/verhaeghe.mp3"' in corons_html and 'href="../sons/ducasse.mp3"' in corons_html
    raw = (FIXTURES / "filature.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "février".encode("cp1252") in raw
    assert b'href="/audio/lecocq.mp3"' in raw and b"<noscript>" in raw


# --------------------------------------------------------------------------- table of contents, themes


def test_html_toc_lists_every_theme(corons):
    # Three <p> under "Les sujets et thèmes de la page :" - three themes.
    assert corons.themes == [THEME_FANFARE, THEME_JARDINS, THEME_MARCHE]


def test_html_toc_in_one_paragraph_with_br(filature):
    assert filature.themes == ["La filature Lemaire de Courcelles-la-Brume", "Les veillées de la Saint-Éloi"]


def test_recordings_get_the_theme_of_their_heading(corons):
    recs = by_id(corons)
    assert {rid: recs[rid].theme for rid in (CARPENTIER, DEFILE, VERHAEGHE, DUCASSE, MARCHE)} == {
        CARPENTIER: THEME_FANFARE,
        DEFILE: THEME_FANFARE,  # a subject under the first theme
        VERHAEGHE: THEME_JARDINS,
        DUCASSE: THEME_JARDINS,
        MARCHE: THEME_MARCHE,
    }


def test_filature_recordings_themes(filature):
    recs = by_id(filature)
    # The body heading "La filature Lemaire" is the TOC's "La filature Lemaire de Courcelles-la-Brume".
    assert recs["filature-filature-lemaire-armand-delescluse"].theme == "La filature Lemaire de Courcelles-la-Brume"
    assert recs["filature-veillees-saint-eloi-firmin-lecocq"].theme == "Les veillées de la Saint-Éloi"
    # A question standing alone is a subject of the current theme.
    assert recs["filature-que-reste-t-il-veillees-berthe-wattiez"].theme == "Les veillées de la Saint-Éloi"


# --------------------------------------------------------------------------- recordings


def test_media_recordings_of_corons(corons):
    assert [(r.id, r.media, r.kind) for r in media(corons)] == [
        (CARPENTIER, "audio", "interview"),
        (DEFILE, "video", "vidéo"),
        (VERHAEGHE, "audio", "interview"),
        (DUCASSE, "audio", "interview"),
        (MARCHE, "audio", "reportage"),
    ]


def test_interview_link_names_guest_and_interviewer(corons):
    rec = by_id(corons)[CARPENTIER]
    assert rec.title == THEME_FANFARE
    # The role comes from "Mélodie Carpentier est cheffe …" printed above the link.
    assert speakers(rec) == [
        ("Mélodie Carpentier", "cheffe de la fanfare des Glycines depuis vingt ans", False),
        ("Odile Marchal", None, True),
    ]
    assert [s.name for s in rec.interviewers] == ["Odile Marchal"]
    assert (rec.date, rec.date_label) == ("2024-03", "mars 2024")
    assert rec.audio_url == "https://example.org/audio/carpentier.mp3"
    assert rec.link_text == "écouter l'interview de Mélodie Carpentier par Odile Marchal - mars 2024"
    assert rec.page_url == CORONS_URL
    assert rec.has_audio


def test_video_link(corons):
    rec = by_id(corons)[DEFILE]
    assert rec.title == "Le défilé de la Sainte-Cécile – vidéo du défilé"  # credit "© …" left out
    assert rec.audio_url == "https://example.org/video/defile.mp4"
    assert (rec.date, rec.date_label) == ("2023", "2023")
    assert rec.speakers == []
    assert not rec.has_audio  # a video is not played as audio


def test_introducer_lines_and_bare_links(corons):
    recs = by_id(corons)
    verhaeghe, ducasse = recs[VERHAEGHE], recs[DUCASSE]
    # "Interviews par Odile Marchal :" above the links names the interviewer of both.
    assert speakers(verhaeghe) == [("Gaston Verhaeghe", "maire de Bois-Fleuri", False), ("Odile Marchal", None, True)]
    assert speakers(ducasse) == [
        ("Lucienne Ducasse", "présidente des jardiniers de Bois-Fleuri", False),
        ("Odile Marchal", None, True),
    ]
    # "(12/10/2023)" in the heading dates both, to the day.
    assert (verhaeghe.date, verhaeghe.date_label) == ("2023-10-12", "12/10/2023")
    assert ducasse.date == "2023-10-12"
    assert verhaeghe.title == ducasse.title == "La fête des potirons (12/10/2023)"
    assert verhaeghe.link_text == ducasse.link_text == "écouter"


def test_relative_hrefs_resolved_against_the_page_url(corons, filature):
    recs = by_id(corons)
    assert recs[VERHAEGHE].audio_url == "https://example.org/brume/audio/verhaeghe.mp3"
    assert recs[DUCASSE].audio_url == "https://example.org/sons/ducasse.mp3"
    urls = {r.id: r.audio_url for r in media(filature)}
    assert urls == {
        "filature-filature-lemaire-armand-delescluse": "https://example.org/textile/sons/filature.mp3",
        "filature-veillees-saint-eloi-firmin-lecocq": "https://example.org/audio/lecocq.mp3",
        "filature-que-reste-t-il-veillees-berthe-wattiez": "https://example.org/audio/veillees.mp3",
    }


def test_reportage_by_the_interviewer_names_no_guest(corons):
    rec = by_id(corons)[MARCHE]
    assert speakers(rec) == [("Odile Marchal", "reportage", True)]
    assert (rec.date, rec.date_label) == ("2022", "2022")
    assert rec.audio_url == "https://example.org/audio/marche.mp3"
    warnings = [(p.line, p.severity) for p in corons.problems if "aucune personne entendue" in p.reason]
    assert warnings == [(rec.line, "warning")]


def test_filature_people_named_in_the_text_around_the_link(filature):
    rec = by_id(filature)["filature-filature-lemaire-armand-delescluse"]
    assert rec.kind == "entretien"
    assert rec.guests and [(s.name, s.role) for s in rec.guests] == [
        ("Armand Delescluse", "ancien contremaître de la filature"),
        ("Berthe Wattiez", "fileuse"),
    ]
    assert (rec.date, rec.date_label) == ("2021-02-14", "14 février 2021")


def test_link_with_a_full_date_names_the_interviewer_without_the_date(filature):
    # "écouter l'entretien par Odile Marchal - 14 février 2021": the date is not part of the name.
    rec = by_id(filature)["filature-filature-lemaire-armand-delescluse"]
    assert [s.name for s in rec.interviewers] == ["Odile Marchal"]


def test_filature_introducer_with_a_rank_and_a_presentation_link(filature):
    recs = by_id(filature)
    lecocq = recs["filature-veillees-saint-eloi-firmin-lecocq"]
    assert speakers(lecocq) == [
        ("Firmin Lecocq", "Capitaine, chef des pompiers volontaires de Courcelles-la-Brume", False)]
    assert lecocq.date is None
    wattiez = recs["filature-que-reste-t-il-veillees-berthe-wattiez"]
    assert wattiez.title == "Que reste-t-il des veillées ?"
    assert (wattiez.kind, wattiez.date, wattiez.date_label) == ("présentation", "2019-12", "décembre 2019")
    assert speakers(wattiez) == [("Berthe Wattiez", "conteuse", False)]


# --------------------------------------------------------------------------- passages


def labels(rec):
    return [p.label for p in rec.passages]


def test_passages_are_labelled(corons, filature):
    recs = by_id(corons)
    assert labels(recs[CARPENTIER]) == ["présentation", "résumé"]
    presentation, summary = recs[CARPENTIER].passages
    assert presentation.text.startswith("La fanfare de la cité des Glycines\nMélodie Carpentier est cheffe")
    assert summary.text.startswith("Résumé de l'entretien :")
    assert "Le saxhorn reste l'instrument roi de la fanfare." in summary.text
    assert all(not p.verbatim and p.start is None for p in recs[CARPENTIER].passages)
    assert labels(recs[VERHAEGHE]) == ["présentation", "synthèse"]
    assert "concours du plus gros potiron" in recs[VERHAEGHE].passages[1].text
    assert labels(recs[DUCASSE]) == ["présentation"]
    assert "transmission des graines" in recs[DUCASSE].passages[0].text
    frecs = by_id(filature)
    assert labels(frecs["filature-filature-lemaire-armand-delescluse"]) == ["présentation", "résumé"]
    assert labels(frecs["filature-veillees-saint-eloi-firmin-lecocq"]) == ["présentation", "points clés"]


def test_br_separates_lines(corons):
    summary = by_id(corons)[CARPENTIER].passages[1].text
    assert "salle des pendus." in summary and "Les cuivres sont prêtés" in summary
    assert "pendus.Les" not in summary and "commune.Le" not in summary
    assert summary.index("pendus.") < summary.index("Les cuivres") < summary.index("Le saxhorn")


def test_text_outside_recordings_is_kept_as_its_section(corons):
    sections = [r for r in corons.recordings if any("Les parcelles des jardins ouvriers" in p.text for p in r.passages)]
    assert len(sections) == 1
    section = sections[0]
    assert (section.media, section.kind, section.title) == (None, "texte de la page", THEME_JARDINS)
    assert section.speakers == [] and section.audio_url is None
    assert labels(section) == ["texte de la page"]
    # Text shared by the two potiron interviews stays with their subject.
    shared = [r for r in corons.recordings if r.media is None and r.title == "La fête des potirons (12/10/2023)"]
    assert len(shared) == 1 and "Interviews par Odile Marchal" in shared[0].passages[0].text
    assert shared[0].date == "2023-10-12"


def test_page_text_and_footer_are_kept(corons):
    page = corons.recordings[0]
    assert (page.id, page.media, page.kind) == ("corons-memoire-corons-texte", None, "texte de la page")
    text = "\n".join(p.text for p in page.passages)
    assert "Radioscopie de la Brume" in text
    assert "Ce site imaginaire est créé pour les tests." in text


def test_nothing_of_the_page_is_lost(corons, filature):
    for name, url, result in (("corons.html", CORONS_URL, corons), ("filature.html", FILATURE_URL, filature)):
        text = all_text(result)
        # the "écouter …" line is kept as the recording's link text (issue 21, point 12)
        titles = {r.title for r in result.recordings} | {r.link_text for r in result.recordings}
        # a leading list dash is not words (issue 21)
        lost = [ln.text for ln in lines_from_html(read_fixture(name), url)
                if ln.text not in text and ln.text not in titles
                and not any(re.sub(r"^[-–]\s+", "", ln.text) in kept for kept in (text, titles))]
        assert lost == [], name


def test_scripts_styles_and_noscript_are_not_indexed(corons, filature):
    for result in (corons, filature):
        text = all_text(result)
        assert "zorglubification" not in text and "brouillamini" not in text
        assert "color" not in text and "document.write" not in text
        assert not any(s.name == "Fantôme Invisible" for r in result.recordings for s in r.speakers)
        assert not any((r.audio_url or "").endswith("piege.mp3") for r in result.recordings)


def test_encoding_of_windows_1252_page_read_through_the_corpus(tmp_path):
    (tmp_path / "pages").mkdir()
    shutil.copy(FIXTURES / "filature.html", tmp_path / "pages" / "filature.html")
    (tmp_path / "corpus.yaml").write_text(
        "pages:\n  - id: filature\n    url: " + FILATURE_URL + "\n    title: les métiers du textile\n"
        "    file: pages/filature.html\n", encoding="utf-8")
    records = read_corpus(tmp_path)
    assert [(p.file, p.severity, p.reason) for p in records.problems] == [
        ("pages/filature.html", "warning", "page décodée en cp1252 (UTF-8 invalide)")]
    recs = {r.id: r for r in records.recordings}
    assert speakers(recs["filature-filature-lemaire-armand-delescluse"])[0] == (
        "Armand Delescluse", "ancien contremaître de la filature", False)
    assert "Saint-Éloi" in recs["filature-veillees-saint-eloi-firmin-lecocq"].title


# --------------------------------------------------------------------------- HTML and text capture agree


def summary_of(result):
    return [(r.id, r.title, r.media, r.kind, r.date, r.date_label, speakers(r), labels(r))
            for r in media(result)]


def test_html_detected_without_being_told():
    assert summary_of(parse("corons.html", "corons", CORONS_URL, "la mémoire des corons")) == summary_of(
        parse("corons.html", "corons", CORONS_URL, "la mémoire des corons", is_html=True))


def test_text_capture_gives_the_same_recordings_as_the_html(corons, corons_text):
    assert summary_of(corons_text) == summary_of(corons)
    assert [r.audio_url for r in media(corons_text)] == [None] * 5  # a text capture keeps no href


def test_text_capture_gives_the_same_themes_as_the_html(corons, corons_text):
    assert corons_text.themes == [THEME_FANFARE, THEME_JARDINS, THEME_MARCHE]
    assert corons.themes == corons_text.themes
    assert [(r.id, r.theme) for r in corons.recordings] == [(r.id, r.theme) for r in corons_text.recordings]
