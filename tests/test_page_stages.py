"""Each stage of the page parser, alone: lines -> outline -> people -> dates.

Small invented inputs; the pages built from them are in test_page_variations.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.corpus import Corpus, Organisation, Person
from indexer.dates import find_dates, parse_date, span_date
from indexer.page import lines_from_html, lines_from_text
from indexer.page.outline import build_outline, find_toc
from indexer.page.people import People, cut_role


def corpus_with(*people: str) -> Corpus:
    corpus = Corpus(root=Path("."), people=[Person(name) for name in people])
    corpus.index_people()
    return corpus


# --------------------------------------------------------------------------- lines


def test_html_lines_mark_headings_menu_links_and_media_hrefs():
    html = ("<html><body><h1>la page</h1><ul><li><a href='/autre.html'>une autre page</a></li></ul>"
            "<h3>Un intertitre</h3><p><b>Un titre en gras</b></p><p><b>Une phrase en gras.</b></p>"
            "<p><a href='https://example.org/x.html'>https://example.org/x.html</a></p>"
            "<p>- <a href='son.mp3'>écouter Jeanne Dufour</a> - conteuse</p></body></html>")
    lines = {ln.text: ln for ln in lines_from_html(html, "https://example.org/p/page.html")}
    assert not lines["la page"].heading  # <h1> is the page's title
    assert lines["une autre page"].menu_link
    assert lines["Un intertitre"].heading and lines["Un titre en gras"].heading
    assert not lines["Une phrase en gras."].heading
    assert not lines["https://example.org/x.html"].menu_link  # a bare URL is text
    link = lines["- écouter Jeanne Dufour - conteuse"]
    assert link.href == "https://example.org/p/son.mp3"


def test_text_lines_keep_the_blank_lines_above():
    lines = lines_from_text("a   \n\n\n\n  b\nc")
    assert [(ln.text, ln.blank_before, ln.joined_to_previous) for ln in lines] == [
        ("a", 0, False), ("b", 3, False), ("c", 0, True)]


# --------------------------------------------------------------------------- outline


def test_toc_with_wrapped_entries_and_groups():
    toc = find_toc(lines_from_text(
        "Les sujets et thèmes de la page :\n\nLES MÉTIERS\n\n- Les\ncordiers de\n\nBéthune\n\n"
        "- La forge\n\nLES FÊTES\n\n- La ducasse de la\n\ncité des Alouettes\n\n\n\n- Les cordiers de Béthune\n"))
    assert toc.themes == ["Les cordiers de Béthune", "La forge", "La ducasse de la cité des Alouettes"]
    assert toc.groups == {"Les cordiers de Béthune": "LES MÉTIERS", "La forge": "LES MÉTIERS",
                          "La ducasse de la cité des Alouettes": "LES FÊTES"}


def test_menu_and_section_ends_are_navigation_and_end_a_section():
    lines = lines_from_text(
        "- accueil\n- la forge\n- les fêtes\n\n- La forge\n\nvisite du 02/12/2024\n\n- le soufflet\n\ntexte\n\n"
        "retour au menu général\n\n- La ducasse (2 juin 2025)\n\ntexte\n")
    outline = build_outline(lines, "la page")
    assert outline.themes == ["La forge", "La ducasse (2 juin 2025)"]
    assert [(b.title, b.theme) for b in outline.blocks] == [
        ("La forge", "La forge"), ("le soufflet", "La forge"),
        ("La ducasse (2 juin 2025)", "La ducasse (2 juin 2025)")]
    forge, soufflet, ducasse = (b.section for b in outline.blocks)
    assert forge == soufflet != ducasse  # nothing of one section (a date, a theme) reaches the next
    assert [ln.text for ln in outline.page_lines] == ["- accueil", "- la forge", "- les fêtes",
                                                      "retour au menu général"]


def test_without_toc_nor_separators_html_top_level_headings_are_the_themes():
    html = ("<html><body><h2>La forge</h2><h3>le soufflet</h3><p>texte</p><p>- l'enclume</p><p>texte</p>"
            "<h2>La ducasse</h2><p><b>le manège</b></p><p>texte</p></body></html>")
    outline = build_outline(lines_from_html(html), "p")
    assert outline.themes == ["La forge", "La ducasse"]
    assert [(b.title, b.theme) for b in outline.blocks] == [
        ("La forge", "La forge"), ("le soufflet", "La forge"), ("l'enclume", "La forge"),
        ("La ducasse", "La ducasse"), ("le manège", "La ducasse")]


def test_a_menu_without_bullets_after_a_section_end_is_navigation():
    outline = build_outline(lines_from_text(
        "- La forge\n\ntexte\n\nretour au menu général\n\naccueil\nla forge\nles fêtes\n\n- La ducasse\n\ntexte\n"),
        "p")
    assert [b.title for b in outline.blocks] == ["La forge", "La ducasse"]
    assert [ln.text for ln in outline.page_lines] == ["retour au menu général", "accueil", "la forge", "les fêtes"]


def test_html_menus_are_navigation_but_a_single_link_in_a_section_is_its_text():
    html = ("<html><body><h2>La forge</h2><p>texte</p><p><a href='/laureats.html'>voir les lauréats</a></p>"
            "<p>suite</p><ul><li><a href='/a.html'>accueil</a></li><li><a href='/b.html'>la forge</a></li></ul>"
            "<h2>La ducasse</h2><p>texte</p></body></html>")
    outline = build_outline(lines_from_html(html, "https://example.org/p.html"), "p")
    assert [(b.title, [ln.text for ln in b.lines]) for b in outline.blocks] == [
        ("La forge", ["texte", "voir les lauréats", "suite"]), ("La ducasse", ["texte"])]
    assert [ln.text for ln in outline.page_lines] == ["accueil", "la forge"]


def test_a_list_inside_a_section_is_text_not_headings():
    outline = build_outline(lines_from_text("- La forge\n\ntexte\n- le fer\n- le feu\n- le soufflet\n"), "p")
    assert [b.title for b in outline.blocks] == ["La forge"]
    assert [ln.text for ln in outline.blocks[0].lines] == ["texte", "- le fer", "- le feu", "- le soufflet"]


# --------------------------------------------------------------------------- people


@pytest.mark.parametrize("text, expected", [
    ("Hubert Decroix - producteur", ("Hubert Decroix", "producteur")),
    ("Jeanne DUFOUR, conteuse", ("Jeanne DUFOUR", "conteuse")),
    ("Sandrine, la gérante de la mercerie", ("Sandrine", "gérante de la mercerie")),
    ("Capitaine Jules Martel", ("Jules Martel", "Capitaine")),
    ("Gwenola Le Kerneau - sonneuse", ("Gwenola Le Kerneau", "sonneuse")),
    ("la fromagerie Vandamme - l'affinage", None),
    ("Les Brasseurs de la Gohelle - visite", None),
    ("Maison Lemaire - les tissus", None),
    ("MAMZELLE FIL - la boutique", None),
    ("Gohelle - la fête", None),  # one word and no role: a subject
])
def test_a_person_is_told_from_a_subject(text, expected):
    assert People(corpus_with()).person(text) == expected


def test_a_known_person_of_the_corpus_is_a_person():
    assert People(corpus_with("Marraine Lille")).person("Marraine Lille - présidente") == (
        "Marraine Lille", "présidente")


def test_an_organisation_or_a_place_of_the_corpus_is_not_a_person():
    corpus = corpus_with()
    corpus.organisations = [Organisation("Cordes Vasseur", ["Corderie Vasseur"])]
    corpus.places = ["Vieille Chapelle"]
    people = People(corpus)
    assert people.person("Cordes Vasseur - les câbles") is None
    assert people.person("Vieille Chapelle - la fête") is None
    assert people.person("Jeanne Vasseur - cordière") == ("Jeanne Vasseur", "cordière")


@pytest.mark.parametrize("text, role", [
    ("directeur du centre, est fier de ses outils", "directeur du centre"),
    ("directrice de la Maison du verre, lors de la visite du 02/12/2024.", "directrice de la Maison du verre"),
    ("la gérante de la mercerie. Elle raconte", "gérante de la mercerie"),
    ("- ingénieure agronome", "ingénieure agronome"),
])
def test_a_role_stops_where_the_sentence_goes_on(text, role):
    assert cut_role(text) == role


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("text, kind, iso, end", [
    ("7-9 juin 2024", "range", "2024-06-07", "2024-06-09"),
    ("du 16 au 19 octobre 2012", "range", "2012-10-16", "2012-10-19"),
    ("26 mars-21 juillet 2025", "range", "2025-03-26", "2025-07-21"),
    ("du 24 septembre 2024 - 2 juin 2025", "range", "2024-09-24", "2025-06-02"),
    ("du 02/12/2024 au 05/01/2025", "range", "2024-12-02", "2025-01-05"),
    ("ouverte jusqu'au 2 juin 2025", "bound", "2025-06-02", None),
    ("à partir du 24 septembre 2024", "bound", "2024-09-24", None),
    ("samedi 13 avril 2024", "point", "2024-04-13", None),
    ("lors de la visite du 02/12/2024", "point", "2024-12-02", None),
])
def test_runs_bounds_and_days(text, kind, iso, end):
    found = find_dates(text)
    assert [(d.kind, d.iso, d.end) for d in found] == [(kind, iso, end)]


def test_a_run_tells_what_its_ends_share():
    assert span_date(find_dates("7-9 juin 2024")).iso == "2024-06"
    assert span_date(find_dates("26 mars-21 juillet 2025")).iso == "2025"
    assert span_date(find_dates("24 septembre 2024 - 2 juin 2025")) is None
    assert parse_date("7-9 juin 2024").iso == "2024-06"


def test_weekday_is_part_of_the_label():
    assert [(d.iso, d.label) for d in find_dates("samedi 13 avril 2024")] == [("2024-04-13", "samedi 13 avril 2024")]


def test_dates_of_a_huge_line_cost_linear_work():
    text = "le 2 juin 2025, " * 50_000
    found = find_dates(text)
    assert len(found) == 50_000 and all(d.iso == "2025-06-02" for d in found)
