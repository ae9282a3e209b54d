"""A bad corpus never empties the site, and never smuggles script links into recordings."""
import shutil
from pathlib import Path

import yaml

from conftest import invoke_cli
from indexer.build import build_index
from indexer.corpus import load_corpus
from indexer.page import parse_page
from indexer.query import MAX_QUERY_CHARS
from indexer.search import SearchParams, SearchService
from indexer.sources import read_corpus

REPO = Path(__file__).resolve().parent.parent


def test_a_yaml_typo_keeps_the_previous_index(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    index = tmp_path / "index"
    build_index(corpus, index)
    (corpus / "corpus.yaml").write_text("pages: [\n  - id: economie\n", encoding="utf-8")  # unclosed bracket
    result = invoke_cli(corpus, index, "index")
    assert result.exit_code == 2
    assert "YAML invalide" in result.output and "index précédent est conservé" in result.output
    assert SearchService(index).search(SearchParams(q="grisou"))["total"] == 1


def test_script_urls_in_corpus_yaml_are_dropped_with_a_warning(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    data = yaml.safe_load((corpus / "corpus.yaml").read_text(encoding="utf-8"))
    data["recordings"] = {"economie-gazonor-yann-fouant": {"audio_url": "javascript:alert(1)",
                                                           "page_url": "data:text/html,<script>x</script>"}}
    (corpus / "corpus.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    records = read_corpus(corpus)
    rec = next(r for r in records.recordings if r.id == "economie-gazonor-yann-fouant")
    assert rec.audio_url is None and not rec.has_audio
    assert rec.page_url == "https://artoiscast.fr/economie.html"
    warnings = [p.reason for p in records.problems if "doit être une adresse http(s)" in p.reason]
    assert len(warnings) == 2


def test_script_hrefs_in_html_pages_are_not_audio_urls():
    corpus = load_corpus(REPO / "corpus")
    page = corpus.pages[0]
    html = """<html><body><p>Les sujets et thèmes de la page :</p><p>- Un thème</p><p>- Un autre</p>
    <p>- Un thème</p><p>Léonie Caron est tisserande.</p>
    <p><a href="javascript:alert(1)">écouter l'interview de Léonie Caron par Odile Marchal</a></p>
    <p><a href="/son/b.mp3">écouter l'interview de Jules Martel par Odile Marchal</a></p></body></html>"""
    recordings = [r for r in parse_page(html, page, corpus, "x.html", is_html=True).recordings if r.media]
    assert [r.audio_url for r in recordings] == [None, "https://artoiscast.fr/son/b.mp3"]


def test_a_huge_query_is_cut_before_it_reaches_links():
    params = SearchParams.from_args({"q": "énergie " * 200, "theme": ["x" * 500] * 50})
    assert len(params.q) <= MAX_QUERY_CHARS
    assert any("coupée" in n for n in params.notices)
    assert len(params.filters["theme"]) == 1 and len(params.filters["theme"][0]) <= 120
