"""Page parsing costs work linear in the page's size (issue 14, item 3).

Generated pages (in tmp_path) that the former parser took minutes on - 8,000 sibling
<p> took 11 s, 100,000 "écouter" links were killed after 900 s, both growing with the
square of the size. Each page is parsed in a child process bounded by a timeout: a
parser that went quadratic again would not finish in time at these sizes. What is
asserted is that the page was parsed completely, never how long it took.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 90  # seconds; a quadratic parser needs several minutes for these pages

PARSE = """
import json, sys
from pathlib import Path
from indexer.corpus import Corpus, PageSource
from indexer.page import parse_page
path = Path(sys.argv[1])
source = PageSource("gen", "https://example.org/gen/page.html", "page générée", path.name)
result = parse_page(path.read_text(encoding="utf-8"), source, Corpus(root=path.parent), path.name)
media = [r for r in result.recordings if r.media]
print(json.dumps({
    "recordings": len(result.recordings),
    "media": len(media),
    "ids": len({r.id for r in result.recordings}),
    "hrefs": sorted({r.audio_url for r in media if r.audio_url})[:3],
    "with_href": sum(1 for r in media if r.audio_url),
    "guests": sorted({s.name for r in media for s in r.guests})[:3],
    "interviewers": sorted({s.name for r in media for s in r.interviewers}),
    "text": sum(p.text.count("Paragraphe n°") for r in result.recordings for p in r.passages),
}))
"""


def parse_in_child(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PARSE, str(path)], cwd=REPO, capture_output=True, text=True,
                          timeout=TIMEOUT, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.slow
def test_html_with_30000_sibling_paragraphs(tmp_path):
    n = 30_000
    paragraphs = "".join(f"<p>Paragraphe n°{i} de la présentation du sujet.</p>\n" for i in range(n))
    page = tmp_path / "paragraphes.html"
    page.write_text("<!DOCTYPE html><html><body><h2>- Un sujet sans fin</h2>\n" + paragraphs
                    + '<p><a href="/son/fin.mp3">écouter Jeanne Dufour</a></p></body></html>', encoding="utf-8")
    found = parse_in_child(page)
    assert found["media"] == 1 and found["guests"] == ["Jeanne Dufour"]
    assert found["text"] == n  # every paragraph is in a passage


@pytest.mark.slow
def test_html_with_30000_listen_links(tmp_path):
    n = 30_000
    links = "".join(f'<p><a href="/son/{i}.mp3">écouter l\'interview de Jeanne Dufour par Odile Marchal</a></p>\n'
                    for i in range(n))
    page = tmp_path / "liens.html"
    page.write_text(f"<!DOCTYPE html><html><body><h2>- Le même sujet</h2>\n{links}</body></html>", encoding="utf-8")
    found = parse_in_child(page)
    assert found["media"] == n
    assert found["ids"] == found["recordings"]  # ids stay unique, one counter per heading
    assert found["with_href"] == n and found["hrefs"][0] == "https://example.org/son/0.mp3"
    assert found["guests"] == ["Jeanne Dufour"] and found["interviewers"] == ["Odile Marchal"]


@pytest.mark.slow
def test_text_capture_with_30000_bare_links_and_introducers(tmp_path):
    n = 30_000
    body = "".join(f"- de Jeanne Dufour, conteuse\n\nécouter\n\nParagraphe n°{i}, le {1 + i % 28} juin.\n\n"
                   for i in range(n))
    page = tmp_path / "capture.txt"
    page.write_text("- Les veillées\n\n" + body + "photos : Odile Marchal - 2023\n", encoding="utf-8")
    found = parse_in_child(page)
    assert found["media"] == n and found["ids"] == found["recordings"]
    assert found["guests"] == ["Jeanne Dufour"]
    assert found["text"] == n


def test_deeply_nested_html(tmp_path):
    depth = 20_000
    page = tmp_path / "profond.html"
    page.write_text("<html><body>" + "<div>" * depth + '<p><a href="/son/a.mp3">écouter Jeanne Dufour</a></p>'
                    + "</div>" * depth + "</body></html>", encoding="utf-8")
    found = parse_in_child(page)
    assert found["media"] == 1 and found["hrefs"] == ["https://example.org/son/a.mp3"]
