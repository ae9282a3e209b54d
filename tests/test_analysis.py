"""The French analyzer: one definition, used for indexing and for queries."""
import pytest

from indexer.analysis import FRENCH_STOP_WORDS, analyze


@pytest.mark.parametrize("a, b", [
    ("énergétique", "energetique"),
    ("Énergétiques", "énergétique"),
    ("cybersécurité", "cybersecurite"),
    ("Liévin", "lievin"),
    ("photovoltaïques", "photovoltaique"),
    ("œuvre", "oeuvre"),
    ("logements", "logement"),
    ("Loos-en-Gohelle", "loos en gohelle"),
    ("Loos-en--Gohelle", "Loos-en-Gohelle"),
    ("Billy-Berclau", "billy berclau"),
    ("Hauts-de-France", "hauts de france"),
    ("l'usine", "usine"),
    ("L’usine", "usine"),
    ("qu'elle", "elle"),
    ("jusqu'à Lens", "Lens"),
    ("lorsqu'il", "il"),
    ("d'Avion", "Avion"),
    ("S.N.C.F.", "SNCF"),
])
def test_forms_meet(a, b):
    assert analyze(a) == analyze(b)


def test_elisions_removed_but_aujourdhui_kept():
    assert analyze("l'habitat") == analyze("habitat")
    assert analyze("aujourd'hui") == ["aujourd'hui"]
    assert analyze("aujourd’hui") == ["aujourd'hui"]
    assert analyze("qu'aujourd'hui") == ["aujourd'hui"]
    for prefix in ("l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"):
        assert analyze(f"{prefix}'entreprise") == analyze("entreprise"), prefix


def test_stop_words_include_les_but_keep_pas_de_calais():
    assert "les" in FRENCH_STOP_WORDS
    assert analyze("les logements de la cité") == analyze("logement cité")
    assert analyze("Pas-de-Calais") == ["pas"] + analyze("Calais")


def test_hyphenated_name_positions_are_consecutive():
    from indexer.analysis import FRENCH

    tokens = [(t.text, t.pos) for t in FRENCH("à Loos-en-Gohelle aujourd'hui", positions=True)]
    texts = [t for t, _ in tokens]
    positions = [p for _, p in tokens]
    assert texts == analyze("Loos") + analyze("Gohelle") + ["aujourd'hui"]
    assert positions == sorted(positions) and positions[1] == positions[0] + 1


def test_char_offsets_point_at_the_original_words():
    from indexer.analysis import FRENCH

    text = "Vers Loos-en--Gohelle, l’usine"
    spans = [text[t.startchar:t.endchar] for t in FRENCH(text, chars=True)]
    assert spans == ["Vers", "Loos", "Gohelle", "usine"]




def test_elision_written_with_a_space():
    assert analyze("aujourd' hui") == analyze("aujourd’hui") == ["aujourd'hui"]
    assert analyze("l' envers") == analyze("L’envers") == analyze("envers")
    assert analyze("qu' il vienne") == analyze("qu'il vienne")


def test_exact_words_keep_everything_but_case_and_accents():
    from indexer.analysis import exact_words

    assert exact_words("Il y avait des CAMÉRAS") == ["il", "y", "avait", "des", "cameras"]
    assert exact_words("jusqu'à Loos-en--Gohelle, S.N.C.F.") == ["jusqu'", "a", "loos", "en", "gohelle", "sncf"]
    assert exact_words("l'envers") == exact_words("l' envers") == ["l'", "envers"]


def test_exact_analyzer_adds_each_pair_at_its_first_word():
    from indexer.analysis import EXACT

    tokens = [(t.text, t.pos) for t in EXACT("Il y a l' envers", positions=True)]
    assert tokens == [("il", 0), ("il y", 0), ("y", 1), ("y a", 1), ("a", 2), ("a l'", 2),
                      ("l'", 3), ("l' envers", 3), ("envers", 4)]


def test_exact_char_offsets_point_at_the_original_words():
    from indexer.analysis import EXACT_WORDS

    text = "À l’ envers, Loos-en--Gohelle"
    assert [text[t.startchar:t.endchar] for t in EXACT_WORDS(text, chars=True)] == [
        "À", "l’", "envers", "Loos", "en", "Gohelle"]


def _analyzer_positions(analyzer, text) -> dict:
    positions: dict = {}
    for token in analyzer(text, positions=True, mode="index"):
        positions.setdefault(token.text, []).append(token.pos)
    return positions


ODD_SPELLINGS = [
    "", "   ", "L'Énergétique de Loos-en-Gohelle", "le Pas-de-Calais, les terrils", "l' envers et aujourd' hui",
    "qu'aujourd'hui jusqu’à lorsqu'il", "Loos-en--Gohelle -- S.N.C.F. CO₂", "les les les de la", "l'",
    "œuvre cœur ÉTÉ été a à", "d'l'n' 2024-2025 n°3", "Saint-Étienne-du-Rouvray, c'est-à-dire", "— « Oui ! » —",
    "l'-x x-l' qu'-il", "北京 emoji 🙂 ﬁnale", "A.B.C. d'A.B.C.", "ne... pas", "l'l'l'usine",
]


def test_index_terms_are_the_analyzers_terms(generated_archive):
    """index_terms (the build's way through the analyzers, once per passage for its two
    fields) gives each term at the positions FRENCH and EXACT give it: on odd spellings
    and on every passage, title and list of people of a generated archive."""
    from indexer.analysis import EXACT, FRENCH, index_terms
    from indexer.index import _people
    from indexer.sources import read_corpus

    recordings = read_corpus(generated_archive(3, 31)).recordings
    texts = list(ODD_SPELLINGS)
    for rec in recordings:
        texts += [rec.title, _people(rec.speakers)] + [p.text for p in rec.passages]
    assert len(texts) > 300
    for text in texts:
        # In the order the writer asks (text, then text_exact), and each alone.
        assert index_terms(text, exact=False) == _analyzer_positions(FRENCH, text), text
        assert index_terms(text, exact=True) == _analyzer_positions(EXACT, text), text
    for text in reversed(texts):
        assert index_terms(text, exact=True) == _analyzer_positions(EXACT, text), text
