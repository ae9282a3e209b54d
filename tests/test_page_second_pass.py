"""Issue 20: shapes of the site's other pages, on an invented page (HTML and hard-wrapped text capture).

tests/fixtures/pages/fetes.html / fetes.txt (invented people, companies and events; real towns):
- a section heading set between straight quotes with quotes inside, after a lone "-" line
  (" La fête "Les Jardins d'Hiver" Arras - 3-5 mai 2024 "), listed shorter in the table of contents;
- listen lines naming a company ("Ets BRAQUET SA - FORAGE Artois - …", followed by its address
  printed bare), a topic ("La filière lin en région - société Linéor"), a trade ("Profession : …");
- roles in prose without a comma after an elided preposition ("explications d'Apolline Verhaeghe
  directrice des …") and before the name ("accueillir l'artiste Gaspard Lemaire");
- a day printed above the link ("lors de l'inauguration du 18/10/2024") under a dated heading
  ("20 octobre 2024 : …"), and a sibling sub-section after it with no date of its own;
- an exhibition's run ("3 avril-28 août 2025") and deadline ("jusqu'au 14 septembre 2025");
- the HTML <title> "Artoiscast.fr - …" and an <h1>; the text capture is hard-wrapped mid-phrase
  ("Gaspard" / "Lemaire", "L’" / "association", "jusqu'au 14" / "septembre 2025").
"""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.corpus import Corpus, PageSource
from indexer.harvest.pages import page_title
from indexer.page import lines_from_text, parse_page

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
JARDINS_TOC = "La fête « Les Jardins d'Hiver »"
JARDINS_HEADING = "La fête \"Les Jardins d'Hiver\" Arras - 3-5 mai 2024"


def parse(fmt: str, title=None):
    source = PageSource("fetes", "https://example.org/pages/fetes.html", title, f"pages/fetes.{fmt}")
    content = (FIXTURES / f"fetes.{fmt}").read_text(encoding="utf-8")
    return parse_page(content, source, Corpus(root=FIXTURES.parent), source.file, is_html=fmt == "html")


@pytest.fixture(scope="module", params=["txt", "html"])
def fetes(request):
    return parse(request.param)


def recording(result, guest=None, link=None):
    for rec in result.recordings:
        if rec.media and ((guest and any(s.name == guest for s in rec.speakers))
                          or (link and rec.link_text and link in rec.link_text)):
            return rec
    raise AssertionError(f"no recording of {guest or link}: "
                         f"{[(r.link_text, [s.name for s in r.speakers]) for r in result.recordings]}")


def test_the_capture_is_hard_wrapped_as_claimed():
    text = (FIXTURES / "fetes.txt").read_text(encoding="utf-8")
    assert "l'artiste Gaspard\nLemaire" in text and "L’\nassociation" in text and "jusqu'au 14\nseptembre" in text
    assert "-\n\" La fête" in text


# ---------------------------------------------------------------- quoted section headings


def test_a_quoted_heading_is_the_section_of_its_shorter_toc_entry(fetes):
    assert recording(fetes, guest="Gaspard Lemaire").theme == JARDINS_TOC


def test_a_quoted_heading_keeps_its_quotes_and_hyphens(fetes):
    assert recording(fetes, guest="Gaspard Lemaire").title == JARDINS_HEADING


def test_the_date_range_of_a_section_heading_applies_under_it(fetes):
    rec = recording(fetes, guest="Gaspard Lemaire")
    assert (rec.date, rec.date_label) == ("2024-05", "3-5 mai 2024")


def test_no_recording_is_left_without_a_theme(fetes):
    assert all(r.theme for r in fetes.recordings if r.media)


# ---------------------------------------------------------------- who is a person


def test_a_company_is_not_a_person(fetes):
    rec = recording(fetes, link="Ets BRAQUET SA")
    assert rec.speakers == []
    assert rec.title.startswith("Ets BRAQUET SA")  # the case as printed


def test_a_topic_or_a_trade_is_not_a_person(fetes):
    for link in ("La filière lin en région", "Profession : puisatier"):
        assert recording(fetes, link=link).speakers == []


def test_no_company_in_the_speakers_of_the_page(fetes):
    names = {s.name.lower() for r in fetes.recordings for s in r.speakers}
    assert not any("braquet" in n or "linéor" in n or "profession" in n for n in names)


def test_a_capture_takes_the_audio_address_printed_under_the_link():
    rec = recording(parse("txt"), link="Ets BRAQUET SA")
    assert rec.audio_url == "https://example.org/sons/braquet.mp3"


# ---------------------------------------------------------------- roles in prose


def test_role_after_an_elided_preposition_without_a_comma(fetes):
    rec = recording(fetes, guest="Apolline Verhaeghe")
    assert [(s.name, s.role) for s in rec.speakers] == [
        ("Apolline Verhaeghe", "directrice des collections du musée de la mine")]


def test_role_printed_before_the_name(fetes):
    assert recording(fetes, guest="Gaspard Lemaire").speakers[0].role == "artiste"
    assert recording(fetes, guest="Léon Carpentier").speakers[0].role == "tisserand"


def test_a_relative_clause_is_not_a_role(fetes):
    assert "qui" not in (recording(fetes, guest="Léon Carpentier").speakers[0].role or "")


def test_a_name_wrapped_over_two_lines_keeps_its_role():
    rec = recording(parse("txt"), guest="Honorine Delcambre")
    assert rec.speakers[0].role == "présidente de l’association des artisans du Ternois"


# ---------------------------------------------------------------- which date, which title


def test_the_day_nearest_above_the_link_beats_the_heading(fetes):
    rec = recording(fetes, guest="Apolline Verhaeghe")
    assert (rec.date, rec.date_label) == ("2024-10-18", "18/10/2024")
    assert rec.title == "20 octobre 2024 : la journée des foreurs à Liévin"


def test_no_date_from_a_previous_sub_section(fetes):
    for link in ("Ets BRAQUET SA", "Profession : puisatier"):
        assert recording(fetes, link=link).date is None


def test_an_exhibition_run_is_not_an_interview_day(fetes):
    rec = recording(fetes, guest="Léon Carpentier")
    assert rec.title == "L'exposition « Fils et Trames » au musée de Wingles"
    assert rec.date in (None, "2025") and "septembre" not in (rec.date_label or "")


def test_the_page_title_is_its_heading_not_its_html_title():
    result = parse("html", title="Artoiscast.fr - fêtes et métiers")
    assert result.recordings[0].title == "les fêtes et les métiers de l'Artois"
    assert parse("html", title="les fêtes (titre choisi)").recordings[0].title == "les fêtes (titre choisi)"
    html = (FIXTURES / "fetes.html").read_text(encoding="utf-8")
    assert page_title(html) == "les fêtes et les métiers de l'Artois"
    assert page_title("<html><title>Artoiscast.fr - les moulins</title><p>x</p></html>") == "les moulins"


# ---------------------------------------------------------------- the capture says what the HTML says


def test_the_capture_and_the_html_give_the_same_facts():
    def facts(result):
        return [(r.title, r.theme, r.date, [(s.name, s.role) for s in r.speakers])
                for r in result.recordings if r.media]
    assert facts(parse("txt")) == facts(parse("html"))


def test_unwrapping_mends_names_and_elisions_only():
    lines = lines_from_text("Le samedi nous avons rencontré Marie\nDurand, guide.\n\nL’\nassociation\n"
                            "Fin de phrase.\nNouvelle ligne\n- écouter Paul\n")
    assert [ln.text for ln in lines] == ["Le samedi nous avons rencontré Marie Durand, guide.",
                                         "L’association", "Fin de phrase.", "Nouvelle ligne", "- écouter Paul"]
