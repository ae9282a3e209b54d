"""The real artoiscast page (corpus/pages/economie.txt): what the parser must find.

Every expectation below was read off the page by a person; the line numbers
are those of the "écouter" / "voir la vidéo" links in the capture.
"""
import re
from pathlib import Path

import pytest

from indexer.corpus import load_corpus
from indexer.page import lines_from_text, parse_page

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "corpus"
SEED_PAGE = DEFAULT_CORPUS / "pages" / "economie.txt"

THEMES = [
    "L'engagement pour le Renouveau du Bassin Minier : « L'ERBM »",
    "Le Pôle Métropolitain de l’Artois, le Label Euralens et les porteurs de projets",
    "Louvre Lens Vallée : l'accélérateur de talents créatifs",
    "L'emploi et la Formation",
    "Le Green Business Forum mars 2025 à Liévin",
    "Inauguration du « Battery Training Center de Douvrin »",
    "Le groupe Atlantic à Billy-Berclau – Pose de la première pierre de l'extension de l'usine Artois-Flandre",
    "La problématique du commerce à Lens",
    "Le développement des filières et métiers de l’économie verte : avec le Cd2e",
]
ERBM, PMA, LLV, EMPLOI, GBF, BATTERY, ATLANTIC, COMMERCE, CD2E = range(9)
RL = "René Lavergne"

# line: (media, kind, theme, guests, interviewers, date)
EXPECTED = {
    43: ("audio", "interview", ERBM, ["Mélanie Delots"], [RL], None),
    85: ("audio", "interview", PMA, ["Olivier Marlière"], [RL], None),
    100: ("audio", "présentation", PMA, ["Lucy Bizet"], [], "2024-12-17"),
    110: ("audio", "présentation", PMA, ["Bertrand Mazure"], [], "2024-12-17"),
    117: ("audio", "présentation", PMA, ["Pierre Dussart"], [], "2024-12-17"),
    132: ("audio", "présentation", PMA, ["Yann Dilly"], [], "2024-12-17"),
    141: ("audio", "présentation", PMA, ["Julien Wojcieszak"], [], "2024-12-17"),
    167: ("audio", "entretien", GBF, [], [RL], "2025-03"),
    237: ("audio", "interview", GBF, ["Andre Yché"], [RL], "2025-03"),
    286: ("audio", "interview", GBF, ["Grégoire Cambray"], [RL], "2025-03"),
    357: ("audio", "reportage", GBF, [], [RL], "2025-03"),
    409: ("audio", "interview", GBF, ["Marie Piotrowski"], [RL], "2025-03"),
    438: ("audio", "interview", GBF, ["Yann Fouant"], [RL], "2025-03"),
    539: ("audio", "interview", LLV, ["Ophélie Poillion"], [RL], "2025-04-03"),
    590: ("audio", "interview", LLV, ["Alexandre Monnin"], [RL], "2025-02-06"),
    633: ("audio", "reportage", LLV, [], [], "2024-11-08"),
    675: ("audio", "interview", LLV, ["Margherita Balzerani"], [], "2024-09-16"),
    680: ("audio", "interview", LLV, ["L'équipe de l'ESAD"], [], "2024-09-16"),
    700: ("audio", "interview", LLV, ["Ariel Kyrou"], [RL], "2024-05-30"),
    723: ("audio", "interview", LLV, ["Vincent Vanherpe"], [RL], "2024-04-11"),
    741: ("audio", "interview", LLV, ["Shenja Ruthenberg"], [RL], "2024-04-11"),
    760: ("audio", "interview", LLV, ["Bertrand Mazure", "Laurent Cappon"], [RL], "2024-04-11"),
    786: ("audio", "interview", LLV, ["Nicolas Nova"], [RL], "2023"),
    814: ("audio", "interview", EMPLOI, ["Laurent Rigaud"], [RL], None),
    824: ("audio", "reportage", ATLANTIC, [], [RL], "2023-06-29"),
    836: ("video", "vidéo", ATLANTIC, [], [], "2023"),
    843: ("video", "vidéo", ATLANTIC, [], [], "2023"),
    854: ("audio", "reportage", BATTERY, [], [RL], "2023-06-16"),
    878: ("audio", "montage", COMMERCE, ["Sylvain Robert"], [RL], "2023-05-02"),
    917: ("audio", "interview", COMMERCE, ["Sandra"], [], None),
    927: ("audio", "sujet", CD2E, ["Audrey El Arti", "Alexia Pestre"], [RL], "2012-10"),
}


@pytest.fixture(scope="module")
def parsed():
    corpus = load_corpus(DEFAULT_CORPUS)
    page = corpus.pages[0]
    return parse_page(SEED_PAGE.read_text(encoding="utf-8"), page, corpus, page.file)


@pytest.fixture(scope="module")
def by_line(parsed):
    return {r.line: r for r in parsed.recordings if r.media}


def test_table_of_contents_gives_the_nine_themes(parsed):
    assert parsed.themes == THEMES


def test_29_audio_and_2_video_recordings(parsed):
    media = [r for r in parsed.recordings if r.media]
    assert sum(r.media == "audio" for r in media) == 29
    assert sum(r.media == "video" for r in media) == 2
    links = [n for n, line in enumerate(SEED_PAGE.read_text(encoding="utf-8").splitlines(), 1)
             if re.match(r"\s*(écouter|voir la vidéo)", line)]
    assert sorted(r.line for r in media) == links == sorted(EXPECTED)


@pytest.mark.parametrize("line", sorted(EXPECTED))
def test_each_recording(by_line, line):
    media, kind, theme, guests, interviewers, date = EXPECTED[line]
    rec = by_line[line]
    assert rec.media == media
    assert rec.kind == kind
    assert rec.theme == THEMES[theme]
    assert [s.name for s in rec.guests] == guests
    assert [s.name for s in rec.interviewers] == interviewers
    assert rec.date == date
    assert rec.page_url == "https://artoiscast.fr/economie.html"
    assert rec.passages and all(not p.verbatim for p in rec.passages)


def test_roles_and_organisations_printed_before_or_after_the_link(by_line):
    def guest(line, n=0):
        return by_line[line].guests[n]

    assert guest(43).role.startswith("ingénieure en chef des mines")  # line before the link
    assert guest(85).role == "Chargé de mission Animation Économique de cette structure"
    assert guest(100).role == "Chargée de mission Labels et projets au Pôle Métropolitain de l'Artois"  # in the link
    assert guest(100).organisation == "Pôle Métropolitain de l'Artois"
    assert guest(237).role == "ancien président du directoire de CDC Habitat"
    assert guest(286).role == "directeur d'entité photovoltaïque"  # "rencontre avc …" before
    assert guest(286).organisation == "Ramery"
    assert guest(723).role.startswith("Lieutenant-colonel, spécialiste des questions de cybersécurité")
    assert guest(741).organisation == "EDIH Hauts-de-France"
    assert guest(760, 1).organisation == "ARAMYS"
    assert guest(814).role.startswith("vice-président de la Région Hauts-de-France")
    assert guest(917).role.startswith("gérante de la mercerie MAMZELLE FIL")


def test_names_are_canonical(by_line):
    # "Yann DILLY" and "Laurent CAPPON" on the page; "René LAVERGNE" in the footer.
    assert by_line[132].guests[0].name == "Yann Dilly"
    assert by_line[760].guests[1].name == "Laurent Cappon"


def test_titles_come_from_the_subject_headings(by_line):
    assert by_line[409].title == "Mine de Soleil"
    assert by_line[438].title == "Gazonor"
    assert by_line[917].title.startswith("le commerce du centre-ville de Lens")
    assert by_line[836].title.endswith("vidéo de la pose de la 1ère pierre")


def test_summaries_are_labelled_and_never_verbatim(by_line):
    labels = {p.label for p in by_line[237].passages}
    assert {"présentation", "résumé"} <= labels
    assert any(p.label == "synthèse" for p in by_line[723].passages)
    assert any(p.label == "points clés" for p in by_line[409].passages)
    assert any(p.label == "synthèse" for p in by_line[878].passages)  # "(Synthèse de René Lavergne)" below


def test_the_parser_reports_what_it_could_not_attribute(parsed):
    unattributed = sorted(p.line for p in parsed.problems if "aucune personne" in p.reason)
    assert unattributed == [167, 357, 633, 824, 854]


def test_nothing_of_the_page_is_lost(parsed):
    """Every non-empty line of the page is in a passage, a recording title or its link text
    (the "écouter …" line is kept as Recording.link_text, not as a passage: issue 21, point 12)."""
    texts = []
    for rec in parsed.recordings:
        texts.append(rec.title)
        texts.append(rec.link_text or "")
        texts.extend(p.text for p in rec.passages)
    corpus_text = " ".join(" ".join(t.split()) for t in texts)
    for line in lines_from_text(SEED_PAGE.read_text(encoding="utf-8")):
        assert line.text in corpus_text or line.text.lstrip("- ") in corpus_text, (line.number, line.text)


def test_the_listen_link_is_the_recordings_link_text_not_a_presentation(parsed):
    recs = {r.id: r for r in parsed.recordings}
    rec = recs["economie-voyage-etude-usine-tissel-roubaix-03-ophelie-poillion"]
    assert rec.link_text == "écouter l'interview d'Ophélie Poillion par René Lavergne"
    assert rec.passages and not any("écouter" in p.text for p in rec.passages)
    with_link_line = [r.id for r in parsed.recordings if r.link_text
                      and any(" ".join(r.link_text.split()) in " ".join(p.text.split()) for p in r.passages)]
    # Only where the page says nothing else of a recording is its link line its presentation.
    assert with_link_line == ["economie-lancement-design-week-2024-louvre-lens-margherita-balzerani"]
    assert [p.text for p in recs[with_link_line[0]].passages] == [recs[with_link_line[0]].link_text]


def test_ids_are_stable_and_unique(parsed):
    ids = [r.id for r in parsed.recordings]
    assert len(ids) == len(set(ids))
    corpus = load_corpus(DEFAULT_CORPUS)
    again = parse_page(SEED_PAGE.read_text(encoding="utf-8"), corpus.pages[0], corpus, "x")
    assert [r.id for r in again.recordings] == ids
    assert "economie-gazonor-yann-fouant" in ids
