"""Security of the web app: headers, methods, files, escaping, links, errors, bounds.

- every response (pages, JSON, errors 400/404/405/416/500/503, static files, audio,
  redirects, 304) carries the Content-Security-Policy (no 'unsafe-inline' for scripts,
  frame-ancestors 'none'), X-Content-Type-Options, Referrer-Policy, X-Frame-Options;
- only GET and HEAD: any other method is a 405 (JSON under /api/, a French page elsewhere);
- audio and static files are read only from their folders: encoded "..", absolute
  paths, symbolic links pointing outside → 404 (through Flask and through waitress);
- a hostile corpus (tests/fixtures/hostile: <script>, onerror=, "javascript:" links,
  "</textarea>" in titles, names, roles, themes, transcripts, page text, URLs and
  corpus.yaml) comes out escaped, and no "javascript:" address is ever a link;
- an unexpected exception is a French 500 without a stack trace, and is logged;
- expensive searches are bounded: time limit (partial results said so), page size,
  query length, wildcards.

The same hostile corpus is checked in a real browser by tests/test_xss_browser.py.
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import re
import threading
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from indexer.schema import IndexUnavailable
from webapp import CONTENT_SECURITY_POLICY, SECURITY_HEADERS, create_app, safe_url
from webapp_fixtures import (  # noqa: F401  (pytest fixtures)
    AUDIO_RATE,
    AUDIO_SECONDS,
    LiveServer,
    app,
    client,
    default_index_dir,
    hostile_index,
    make_test_corpus,
    test_corpus,
    test_index,
    write_wav,
)

PAYLOAD_MARKERS = ("window.__xss", "document.title", "javascript:", "vbscript:")


def assert_security_headers(response):
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (name, headers.get(name))
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and "unsafe" not in headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def html_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# --------------------------------------------------------------------------- headers


@pytest.fixture
def broken_client(test_corpus, test_index, monkeypatch):
    """An app whose search service raises an unexpected exception."""
    app = create_app({"INDEX_DIR": str(test_index), "CORPUS_DIR": str(test_corpus)})
    service = app.extensions["search_service"]

    def explode(*args, **kwargs):
        raise RuntimeError("secret interne /srv/artoiscast/clé")

    for name in ("search", "recording", "recordings", "export"):
        monkeypatch.setattr(service, name, explode)
    return app.test_client()


@pytest.fixture
def no_index_client(tmp_path, test_corpus):
    return create_app({"INDEX_DIR": str(tmp_path / "nulle-part"), "CORPUS_DIR": str(test_corpus)}).test_client()


@pytest.mark.parametrize("method, url, headers, status", [
    ("get", "/", {}, 200),
    ("get", "/?q=terril&mode=citations", {}, 200),
    ("get", "/?q=terril&mode=concordance", {}, 200),
    ("get", "/enregistrement/terril-vert?t=22", {}, 200),
    ("get", "/api/search?q=terril", {}, 200),
    ("get", "/api/recordings", {}, 200),
    ("get", "/api/recordings/terril-vert", {}, 200),
    ("get", "/export.csv?q=terril", {}, 200),
    ("get", "/export.json?q=terril", {}, 200),
    ("get", "/static/style.css", {}, 200),
    ("get", "/static/player.js", {}, 200),
    ("get", "/static/favicon.svg", {}, 200),
    ("get", "/audio/test.wav", {}, 200),
    ("get", "/audio/test.wav", {"Range": "bytes=0-99"}, 206),
    ("get", "/audio/test.wav", {"Range": "bytes=99999999-"}, 416),
    ("head", "/audio/test.wav", {}, 200),
    ("head", "/", {}, 200),
    ("get", "/enregistrement/inexistant", {}, 404),
    ("get", "/api/recordings/inexistant", {}, 404),
    ("get", "/static/inexistant.js", {}, 404),
    ("get", "/audio/%2e%2e/secret.txt", {}, 404),
    ("get", "/nulle-part", {}, 404),
    ("get", "/api/search?mode=tout", {}, 400),
    ("post", "/", {}, 405),
    ("delete", "/api/search", {}, 405),
    ("options", "/audio/test.wav", {}, 405),
    ("get", "//audio//test.wav", {}, 308),
])
def test_every_response_has_the_security_headers(client, method, url, headers, status):
    response = getattr(client, method)(url, headers=headers)
    assert response.status_code == status
    assert_security_headers(response)


def test_conditional_requests_and_errors_5xx_have_them_too(client, broken_client, no_index_client):
    first = client.get("/static/style.css")
    again = client.get("/static/style.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert_security_headers(again)
    for response in (broken_client.get("/?q=terril"), broken_client.get("/api/search?q=terril"),
                     no_index_client.get("/"), no_index_client.get("/api/search")):
        assert response.status_code in (500, 503)
        assert_security_headers(response)


def test_headers_through_waitress(test_corpus, test_index):
    """The real server (as `artoiscast serve`) sends them too, on pages, audio and errors."""
    app = create_app({"INDEX_DIR": str(test_index), "CORPUS_DIR": str(test_corpus)})
    with LiveServer(app) as server:
        port = int(server.url.rsplit(":", 1)[1])
        for method, path, expected in [("GET", "/?q=terril", 200), ("GET", "/audio/test.wav", 200),
                                       ("GET", "/audio/%2e%2e/secret.txt", 404), ("POST", "/api/search", 405),
                                       ("GET", "/audio/../secret.txt", 404), ("GET", "/static/../__init__.py", 404),
                                       ("GET", "/audio/..%2fsecret.txt", 404), ("PUT", "/", 405)]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(method, path)  # sent as written: no client-side normalisation of ".."
            response = conn.getresponse()
            body = response.read()
            conn.close()
            assert response.status == expected, (method, path)
            for name, value in SECURITY_HEADERS.items():
                assert response.getheader(name) == value, (path, name)
            assert b"ne doit pas" not in body and b"Traceback" not in body


def test_pages_need_no_inline_code(client):
    """The CSP forbids inline scripts, styles and handlers: the pages do not use any."""
    for url in ("/?q=terril", "/?q=orchidées&mode=citations", "/?q=terril&mode=concordance",
                "/enregistrement/terril-vert?q=orchidées&t=22", "/nulle-part"):
        page = html_of(client.get(url))
        assert all(script.get("src", "").startswith("/static/") for script in page.find_all("script"))
        assert not page.find_all("style")
        for tag in page.find_all(True):
            assert not [a for a in tag.attrs if a.startswith("on") or a == "style"], tag.name
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY.split("script-src", 1)[1].split(";")[0]


# --------------------------------------------------------------------------- methods

PUBLIC_ROUTES = ["/", "/?q=terril", "/api/search?q=terril", "/api/recordings", "/api/recordings/terril-vert",
                 "/enregistrement/terril-vert", "/export.csv", "/export.json", "/audio/test.wav",
                 "/static/style.css", "/nulle-part", "/api/nulle-part"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "CONNECT"])
@pytest.mark.parametrize("url", PUBLIC_ROUTES)
def test_only_get_and_head(client, method, url):
    response = client.open(url, method=method, data=b"x=1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert_security_headers(response)
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if url.startswith("/api/"):
        assert response.mimetype == "application/json"
        assert list(response.get_json()) == ["error"] and method in response.get_json()["error"]
    else:
        page = html_of(response)
        assert page.html["lang"] == "fr" and "Méthode non autorisée" in page.text and method in page.text


@pytest.mark.parametrize("url", PUBLIC_ROUTES[:-2])
def test_head_is_answered_like_get(client, url):
    head, get = client.head(url), client.get(url)
    assert head.status_code == get.status_code == 200
    assert head.get_data() == b"" and head.headers["Content-Type"] == get.headers["Content-Type"]


# --------------------------------------------------------------------------- files


TRAVERSALS = [
    "/audio/../secret.txt", "/audio/%2e%2e/secret.txt", "/audio/%2E%2E/secret.txt", "/audio/..%2fsecret.txt",
    "/audio/..%2Fsecret.txt", "/audio/%2e%2e%2fsecret.txt", "/audio/.%2e/secret.txt", "/audio/%252e%252e/secret.txt",
    "/audio/%252e%252e%252fsecret.txt", "/audio/..%252fsecret.txt", "/audio/%2e%2e/%2e%2e/corpus/secret.txt",
    "/audio/..%5csecret.txt", "/audio/..\\secret.txt", "/audio/%c0%ae%c0%ae/secret.txt", "/audio//etc/passwd",
    "/audio/%2fetc%2fpasswd", "/audio/%2F%2Fetc%2Fpasswd", "/audio/test.wav/../../secret.txt",
    "/audio/%2e%2e/corpus.yaml", "/audio/..%00/secret.txt", "/audio/secret.txt%00.wav", "/audio/%00",
    "/audio/~/secret.txt", "/audio/./../secret.txt", "/audio/lien-dehors.wav", "/audio/dossier-dehors/secret.txt",
    "/audio/%2e%2e/transcripts/terril.vtt", "/static/../__init__.py", "/static/%2e%2e/__init__.py",
    "/static/..%2f__init__.py", "/static/%2e%2e/templates/base.html", "/static/%252e%252e/views.py",
    "/static//etc/passwd", "/static/%2fetc%2fpasswd",
]


@pytest.fixture(scope="module")
def linked_corpus(tmp_path_factory):
    """The invented corpus with symbolic links in audio/: one to a file outside, one to a folder
    outside, one to a WAV inside (allowed)."""
    root = tmp_path_factory.mktemp("liens")
    corpus = make_test_corpus(root / "corpus")
    outside = root / "dehors"
    outside.mkdir()
    (outside / "secret.txt").write_text("ne doit pas être servi", encoding="utf-8")
    os.symlink(corpus / "secret.txt", corpus / "audio" / "lien-dehors.wav")
    os.symlink(outside, corpus / "audio" / "dossier-dehors")
    os.symlink("test.wav", corpus / "audio" / "alias.wav")
    return corpus


@pytest.fixture(scope="module")
def linked_client(linked_corpus, tmp_path_factory):
    # No index needed for audio and static files.
    return create_app({"INDEX_DIR": str(tmp_path_factory.mktemp("sans-index") / "index"),
                       "CORPUS_DIR": str(linked_corpus)}).test_client()


@pytest.mark.parametrize("path", TRAVERSALS)
def test_files_only_from_their_folders(linked_client, path):
    response = linked_client.get(path, follow_redirects=True)
    assert response.status_code == 404, response.status_code
    body = response.get_data()
    assert b"ne doit pas" not in body and b"recordings:" not in body and b"root:" not in body
    assert b"import" not in body and b"WEBVTT" not in body
    assert_security_headers(response)


def test_a_link_inside_the_audio_folder_still_works(linked_client, linked_corpus):
    response = linked_client.get("/audio/alias.wav", headers={"Range": "bytes=0-3"})
    assert response.status_code == 206 and response.data == b"RIFF"


def test_an_audio_folder_that_is_itself_a_link(tmp_path):
    """audio/ a link to a folder outside the corpus: nothing in it is served (issue 19: audio follows
    the corpus-file rules; audio kept on another disk is mounted there, or the whole corpus moves)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_wav(tmp_path / "disque" / "son.wav", seconds=1)
    (corpus / "secret.txt").write_text("ne doit pas être servi", encoding="utf-8")
    os.symlink(tmp_path / "disque", corpus / "audio")
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(corpus)}).test_client()
    assert client.get("/audio/son.wav").status_code == 404
    assert client.get("/audio/%2e%2e/corpus/secret.txt").status_code == 404
    # A corpus folder that is itself a link (the whole corpus on another disk) is served as before.
    (tmp_path / "disque" / "corpus").mkdir()
    write_wav(tmp_path / "disque" / "corpus" / "audio" / "son.wav", seconds=1)
    os.symlink(tmp_path / "disque" / "corpus", tmp_path / "lien-corpus")
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(tmp_path / "lien-corpus")}).test_client()
    assert client.get("/audio/son.wav").status_code == 200


def test_traversal_through_the_real_server(linked_corpus, tmp_path):
    app = create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(linked_corpus)})
    with LiveServer(app) as server:
        port = int(server.url.rsplit(":", 1)[1])
        for path in TRAVERSALS:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", path.replace("\\", "%5c"))
                response = conn.getresponse()
                body = response.read()
            finally:
                conn.close()
            assert response.status in (404, 400, 308), (path, response.status)
            assert b"ne doit pas" not in body and b"root:" not in body, path


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize("link, expected", [
    ("https://artoiscast.fr/economie.html", "https://artoiscast.fr/economie.html"),
    ("http://example.org/a.mp3?x=1#t", "http://example.org/a.mp3?x=1#t"),
    ("HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"),
    ("/audio/test.wav", "/audio/test.wav"),
    ("/enregistrement/terril-vert?t=22,36", "/enregistrement/terril-vert?t=22,36"),
    ("pages/economie.txt", "pages/economie.txt"),
    ("?q=x", "?q=x"),
    ("#p3", "#p3"),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    (" javascript:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("java\nscript:alert(1)", None),
    ("\x00javascript:alert(1)", None),
    ("javascript&#58;alert(1)", "javascript&#58;alert(1)"),  # no scheme: a (harmless) relative path once escaped
    ("vbscript:msgbox(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("file:///etc/passwd", None),
    ("ftp://example.org/a.mp3", None),
    ("//evil.example/x", None),
    ("\\\\evil.example/x", None),
    ("/\\evil.example/x", None),
    ("https:alert(1)", None),
    ("http://", None),
    ("", None),
    (None, None),
    (42, None),
])
def test_safe_url(link, expected):
    assert safe_url(link) == expected


# --------------------------------------------------------------------------- hostile corpus


@pytest.fixture(scope="module")
def hostile_client(hostile_index):
    corpus, index_dir = hostile_index
    return create_app({"INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus)}).test_client()


@pytest.fixture(scope="module")
def hostile_ids(hostile_client):
    return [r["id"] for r in hostile_client.get("/api/recordings").get_json()["recordings"]]


def hostile_urls(ids: list[str]) -> list[str]:
    urls = ["/", "/?sort=date", "/?q=orchidées", "/?q=orchidées&mode=citations", "/?q=orchidées&mode=concordance",
            "/?q=navette&mode=citations", "/?q=script", "/?q=xss+window", "/?q=textarea&mode=concordance",
            "/?q=terril&mode=citations", "/?q=bobineuse&mode=concordance", "/?q=piégé&mode=citations",
            "/?q=orchidees+SAUF+<script>", "/?q=orchidéees", "/?q=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
            "/?q=%22%3E%3Cimg+src%3Dx+onerror%3Dwindow.__xss%3D1%3E",
            "/?q=%3C%2Ftextarea%3E%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E&mode=citations",
            "/?theme=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E&speaker=%22%3E%3Csvg+onload%3Dwindow.__xss%3D1%3E",
            "/enregistrement/%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
            "/enregistrement/%22%3E%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E"]
    for rec_id in ids:
        for q in ("", "orchidées", "navette", "script", "<script>window.__xss=1</script>"):
            urls.append(f"/enregistrement/{quote(rec_id, safe='')}?t=6&q={quote(q)}")
    return urls


def test_hostile_corpus_is_indexed_with_its_payloads(hostile_client, hostile_ids):
    """The payloads are really in the index (so the escaping tests below test something)."""
    assert len(hostile_ids) >= 4
    document = hostile_client.get("/api/search?q=orchidées&mode=citations&per_page=50").get_json()
    texts = " ".join(p["text"] for p in document["passages"])
    assert "</textarea>" in texts and "<img src=x onerror=" in texts
    speakers = " ".join(p["speaker"] or "" for p in document["passages"])
    assert "<script>" in speakers
    listing = hostile_client.get("/api/recordings").get_json()["recordings"]
    assert any("<script>" in r["title"] for r in listing) and any("onerror" in (r["theme"] or "") for r in listing)


def test_every_page_of_the_hostile_corpus_is_escaped(hostile_client, hostile_ids):
    for url in hostile_urls(hostile_ids):
        response = hostile_client.get(url)
        assert response.status_code in (200, 404), url
        html = response.get_data(as_text=True)
        page = BeautifulSoup(html, "html.parser")
        scripts = page.find_all("script")
        assert all(s.get("src", "").startswith("/static/") and not s.string for s in scripts), url
        for tag in page.find_all(True):
            handlers = [a for a in tag.attrs if a.lower().startswith("on")]
            assert not handlers, (url, tag.name, handlers)
            assert tag.name not in ("img", "iframe", "style", "object", "embed", "base"), (url, tag.name)
            if tag.name == "svg":
                assert tag.get("class") == ["timeline__bar"], url
            for attr in ("href", "src", "action", "formaction", "cite", "data", "poster"):
                value = tag.get(attr)
                if value:
                    assert safe_url(value) == value, (url, tag.name, attr, value)
                    assert not re.match(r"\s*(javascript|vbscript|data):", value, re.I), (url, value)
        # Raw markup from the corpus never reaches the page unescaped.
        for raw in ("<script>window", "<img src=x", "<svg onload", "</textarea><", "<iframe", "<style>",
                    '<a href="javascript', "<b onmouseover", "<i onclick", "</mark><script"):
            assert raw not in html, (url, raw)
        # … and the text is still there, shown as text.
        if url in ("/?q=orchidées", "/?q=orchidées&mode=citations", "/?q=orchidées&mode=concordance"):
            assert "window.__xss" in page.get_text(), url


def test_hostile_titles_names_and_transcripts_read_as_text(hostile_client):
    page = html_of(hostile_client.get("/enregistrement/terril-piege?q=orchidées"))
    assert page.h1.get_text() == "<script>window.__xss=1;document.title='pwned'</script> Le terril piégé"
    assert page.title.get_text().startswith("<script>window.__xss=1;document.title='pwned'</script> Le terril")
    names = [s.get_text() for s in page.select(".turn .speaker")]
    assert any("<script" in n for n in names)
    assert "<img src=x onerror=\"window.__xss=1\">" in page.select_one("#p1").get_text()
    marks = [m.get_text() for m in page.select(".turn mark")]
    assert marks and all(m.lower() == "orchidées" for m in marks)
    # The transcript's own "</mark>…<mark>" is text, not markup: marks are only the query's words.
    assert any("</mark><script>window.__xss=1</script><mark>" in turn.get_text() for turn in page.select(".turn"))
    # Its source page is a "javascript:" address: no link to it.
    assert page.find("dt", string="Source") is None
    assert page.select_one("audio")["src"] == "/audio/test.wav"


def test_citation_textarea_cannot_be_closed_by_the_corpus(hostile_client):
    response = hostile_client.get("/?q=navette&mode=citations")
    html = response.get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    areas = page.select("textarea.citation__text")
    assert areas
    assert any("</textarea><img src=x onerror=" in a.get_text() for a in areas)
    assert html.count("<textarea") == html.count("</textarea>") == len(areas)
    assert "&lt;/textarea&gt;" in html


def test_script_links_from_the_corpus_are_never_links(hostile_client):
    bobines = next(r for r in hostile_client.get("/api/recordings").get_json()["recordings"]
                   if r["id"].startswith("bobines"))
    # Its audio is a "javascript:" address and its page "java\tscript:": no player, no link, no audio claimed.
    assert bobines["audio_url"] is None and bobines["page_url"] is None and bobines["source_audio_url"] is None
    assert bobines["has_audio"] is False
    page = html_of(hostile_client.get("/enregistrement/" + quote(bobines["id"], safe="")))
    assert page.find("audio") is None and page.select(".player") == []
    assert page.h1.get_text().startswith("</textarea><a href=\"javascript:window.__xss=1\">")
    assert "{{7*7}} {0}" in page.h1.get_text()
    video = html_of(hostile_client.get("/enregistrement/video-piege"))
    assert video.find("audio") is None and not video.select('a[href^="data:"]')
    document = hostile_client.get("/api/search?q=orchidées&per_page=50").get_json()
    for result in document["results"]:
        for key in ("page_url", "audio_url", "source_audio_url"):
            value = result["recording"][key]
            assert value is None or re.match(r"https?://|/[^/]", value), (key, value)


def test_hostile_query_and_filter_echo(hostile_client):
    payload = "\"><script>window.__xss=1</script>{{7*7}}"
    response = hostile_client.get("/", query_string={"q": payload, "theme": payload, "speaker": "</textarea>"})
    page = html_of(response)
    assert page.select_one("#q")["value"] == payload
    assert "><script>window.__xss=1</script>{{7*7}}" in page.select_one(".results__query").get_text()
    chips = " ".join(c.get_text() for c in page.select(".chip"))
    assert payload in chips and "</textarea>" in chips
    assert "{{7*7}}" in page.get_text() and "49" not in page.select_one(".results__query").get_text()
    api = hostile_client.get("/api/search", query_string={"q": payload})
    assert api.mimetype == "application/json" and api.headers["X-Content-Type-Options"] == "nosniff"


def test_error_pages_escape_what_they_quote(client):
    response = client.get("/enregistrement/" + quote("<script>window.__xss=1</script>{0}{method}", safe=""))
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<script>window" not in html and "&lt;script&gt;window.__xss=1&lt;/script&gt;{0}{method}" in html
    api = client.get("/api/recordings/" + quote("{method.__class__}", safe=""))
    assert api.status_code == 404 and "{method.__class__}" in api.get_json()["error"]
    assert "<class" not in api.get_data(as_text=True)


# --------------------------------------------------------------------------- unexpected errors


def test_unexpected_exception_is_a_french_500_without_trace(broken_client, caplog):
    caplog.set_level(logging.ERROR)
    for url in ("/?q=terril", "/enregistrement/terril-vert", "/export.csv?q=terril", "/?mode=citations&q=x"):
        response = broken_client.get(url)
        assert response.status_code == 500
        page = html_of(response)
        assert page.html["lang"] == "fr" and "Erreur interne" in page.text and "inattendue" in page.text
        text = response.get_data(as_text=True)
        assert "secret interne" not in text and "Traceback" not in text and "RuntimeError" not in text
    api = broken_client.get("/api/search?q=terril")
    assert api.status_code == 500 and api.mimetype == "application/json"
    assert list(api.get_json()) == ["error"] and "inattendue" in api.get_json()["error"]
    assert "secret interne" not in api.get_data(as_text=True)
    # Logged, with the exception, for whoever runs the server.
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert logged and any(r.exc_info and "secret interne" in str(r.exc_info[1]) for r in logged)


def test_a_failing_error_page_still_gives_a_french_500(test_corpus, test_index, monkeypatch):
    import webapp

    app = create_app({"INDEX_DIR": str(test_index), "CORPUS_DIR": str(test_corpus)})
    monkeypatch.setattr(app.extensions["search_service"], "search", lambda *a: 1 / 0)

    def broken_template(*args, **kwargs):
        raise RuntimeError("gabarit cassé")

    monkeypatch.setattr(webapp, "render_template", broken_template)
    response = app.test_client().get("/?q=terril")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert 'lang="fr"' in text and "Erreur interne" in text and "gabarit" not in text and "Traceback" not in text
    assert_security_headers(response)


def test_index_errors_raised_anywhere_are_503(test_corpus, test_index, monkeypatch):
    app = create_app({"INDEX_DIR": str(test_index), "CORPUS_DIR": str(test_corpus)})

    def unavailable(*args, **kwargs):
        raise IndexUnavailable("L'index de /chemin/secret est illisible (struct.error: détail interne)")

    monkeypatch.setattr(app.extensions["search_service"], "snapshot", unavailable)
    client = app.test_client()
    for url in ("/", "/enregistrement/terril-vert", "/export.json", "/api/recordings"):
        response = client.get(url)
        assert response.status_code == 503
        text = response.get_data(as_text=True)
        assert "artoiscast index --rebuild" in text
        assert "/chemin/secret" not in text and "struct.error" not in text  # details go to the log only


# --------------------------------------------------------------------------- bounds


class ImmediateTimer(threading.Timer):
    """A timer that fires as soon as it is started when its delay is under a millisecond:
    what a tiny time limit does on a loaded machine, without depending on the clock."""

    def start(self):
        if self.interval < 0.001:
            self.function(*self.args, **self.kwargs)
        else:
            super().start()


def test_time_limit_from_the_config_and_partial_results_said_so(test_corpus, test_index, monkeypatch):
    import whoosh.collectors

    config = {"INDEX_DIR": str(test_index), "CORPUS_DIR": str(test_corpus)}
    assert create_app(config).extensions["search_service"].time_limit == 3.0
    app = create_app({**config, "SEARCH_TIME_LIMIT": 0.000001})
    assert app.extensions["search_service"].time_limit == 0.000001
    monkeypatch.setattr(whoosh.collectors.threading, "Timer", ImmediateTimer)
    client = app.test_client()
    for url in ("/?q=orchidées", "/?q=orchidées&mode=citations", "/?q=terril&mode=concordance"):
        page = html_of(client.get(url))
        notices = page.select_one(".notices").get_text(" ", strip=True)
        assert "résultats sont partiels" in notices, url
    document = client.get("/api/search?q=terril").get_json()
    assert document["partial"] is True and any("partiels" in n for n in document["notices"])
    # With the default limit the same search is complete.
    complete = create_app(config).test_client().get("/api/search?q=terril").get_json()
    assert complete["partial"] is False and complete["results"]
    assert not any("partiels" in n for n in complete["notices"])


def test_page_size_and_page_number_are_capped(default_index_dir):
    client = create_app({"INDEX_DIR": str(default_index_dir / "index"),
                         "CORPUS_DIR": str(default_index_dir / "corpus")}).test_client()
    document = client.get("/api/search?per_page=100000&mode=concordance&q=e*").get_json()
    assert document["per_page"] == 50 and len(document["passages"]) <= 50
    far = client.get("/api/search?page=99999999999999999999").get_json()
    # Past the last page: the last page, as on the HTML page (issue 21, point 5).
    assert far["page"] == far["pages"] < 1000 and far["results"] and any("page" in n for n in far["notices"])
    page = html_of(client.get("/?page=-7&per_page=0"))
    notices = page.select_one(".notices").get_text(" ", strip=True)
    assert "page ramené" in notices and "per_page ramené" in notices
    huge = client.get("/?page=" + "9" * 5000)
    assert huge.status_code == 200 and "ignorée pour page" in html_of(huge).select_one(".notices").get_text()


def test_long_query_is_cut_with_a_message(client):
    marker = "introuvablexyz"
    query = "orchidées " * 200 + marker
    response = client.get("/", query_string={"q": query})
    page = html_of(response)
    assert len(page.select_one("#q")["value"]) <= 300
    assert "coupée à 300 caractères" in page.select_one(".notices").get_text()
    assert marker not in response.get_data(as_text=True)  # the rest is neither echoed nor in any link
    api = client.get("/api/search", query_string={"q": query}).get_json()
    assert len(api["query"]) <= 300 and any("coupée" in n for n in api["notices"])
    assert all(marker not in json.dumps(r) for r in api["results"])


def test_control_characters_and_wildcards(client, default_index_dir):
    page = html_of(client.get("/", query_string={"q": "\x00orchidées\x1b[31m\x07"}))
    assert page.select_one("#q")["value"] == " orchidées [31m "
    default = create_app({"INDEX_DIR": str(default_index_dir / "index"),
                          "CORPUS_DIR": str(default_index_dir / "corpus")}).test_client()
    leading = default.get("/api/search?q=*tion").get_json()
    assert any("début de mot" in n for n in leading["notices"])
    for q in ("*", "?*a*", "**", "*?"):
        response = default.get("/api/search", query_string={"q": q})
        assert response.status_code == 200, q
    broad = default.get("/api/search?q=co*").get_json()
    assert any("trop de mots" in n for n in broad["notices"])


# --------------------------------------------------------------------------- hostile clients (issue 14)


@pytest.fixture(scope="module")
def wide_index(tmp_path_factory):
    """(corpus, index) of a generated corpus: 1,200 passages sharing a word, 100 broad prefixes."""
    from indexer.build import build_index
    from hostile_clients import make_wide_corpus

    root = tmp_path_factory.mktemp("wide")
    corpus = make_wide_corpus(root / "corpus")
    build_index(corpus, root / "index")
    return corpus, root / "index"


def wide_app(wide_index, **config):
    corpus, index = wide_index
    return create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus), **config})


def test_a_hundred_prefixes_are_capped_per_query(wide_index):
    from indexer.query import MAX_QUERY_EXPANSION, MAX_QUERY_PREFIXES
    from indexer.query import query_terms
    from hostile_clients import PREFIXES, hundred_prefixes

    service = wide_app(wide_index, EXPENSIVE_SLOTS=4).extensions["search_service"]
    snap = service.snapshot()
    from indexer.query import parse

    parsed = parse(hundred_prefixes(), snap.schema, snap.vocabulary, snap.thesaurus)
    assert len(parsed.expansions) <= MAX_QUERY_PREFIXES + len(PREFIXES)
    expanded = sum(len(stems) for stems in parsed.expansions.values())
    assert 0 < expanded <= MAX_QUERY_EXPANSION  # not 100 prefixes x 12 words
    # At most the capped expansions plus one stem per other prefix, in each searched field.
    assert query_terms(parsed.query) <= (MAX_QUERY_EXPANSION + len(PREFIXES)) * 3
    assert any("Trop de mots à compléter" in n for n in parsed.notices)
    response = wide_app(wide_index).test_client().get("/api/search", query_string={"q": hundred_prefixes()})
    assert response.status_code == 200
    assert any("Trop de mots à compléter" in n for n in response.get_json()["notices"])


def test_the_whole_search_is_bounded_matching_and_the_any_word_retry_too(wide_index):
    from hostile_clients import COMMON_WORD

    full = wide_app(wide_index).test_client()
    everything = full.get(f"/api/search?q={COMMON_WORD}").get_json()
    assert everything["total_passages"] == 1200 and not everything["partial"]
    relaxed = full.get(f"/api/search?q={COMMON_WORD}+zzyxq").get_json()
    assert relaxed["relaxed"] and relaxed["total_passages"] == 1200
    # A time limit already spent when matching starts: matching stops at its first look at
    # the clock (documents are matched in blocks), the page says the results are partial,
    # and the any-word retry - which matches much more - is not run at all.
    tight = wide_app(wide_index, SEARCH_TIME_LIMIT=0.000001).test_client()
    cut = tight.get(f"/api/search?q={COMMON_WORD}").get_json()
    assert cut["partial"] and 0 < cut["total_passages"] < 1200
    assert any("partiels" in n for n in cut["notices"])
    not_retried = tight.get(f"/api/search?q={COMMON_WORD}+zzyxq").get_json()
    assert not not_retried["relaxed"] and not_retried["total_passages"] == 0
    # A partial match is never cached: the same app with time to spare finds everything.
    assert full.get(f"/api/search?q={COMMON_WORD}").get_json()["total_passages"] == 1200


def test_expensive_requests_share_a_few_slots_and_others_are_still_served(wide_index, monkeypatch):
    """While the expensive slot is taken (an export blocked in the middle of its work),
    other exports and broad searches get a 503 with Retry-After, and ordinary searches
    are answered; once it is free, they are served again. Never a 500."""
    from indexer.search.passages import Shaper
    from hostile_clients import COMMON_WORD, hundred_prefixes

    app = wide_app(wide_index, EXPENSIVE_SLOTS=1)
    inside, release = threading.Event(), threading.Event()
    original = Shaper.passage

    def slow_passage(self, *args, **kwargs):
        if threading.current_thread().name == "export-lente":
            inside.set()
            release.wait(30)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Shaper, "passage", slow_passage)
    results = {}
    holder = threading.Thread(name="export-lente", target=lambda: results.setdefault(
        "export", app.test_client().get(f"/export.csv?q={COMMON_WORD}")))
    holder.start()
    try:
        assert inside.wait(30)
        client = app.test_client()
        for url in (f"/export.json?q={COMMON_WORD}", "/export.csv", "/?q=" + quote(hundred_prefixes()),
                    "/api/search?q=" + quote(hundred_prefixes()),
                    "/enregistrement/bavardages?q=" + quote(hundred_prefixes()),
                    "/api/recordings/bavardages?q=" + quote(hundred_prefixes())):
            response = client.get(url)
            assert response.status_code == 503, url
            assert int(response.headers["Retry-After"]) > 0
            assert "réessayez dans quelques secondes" in response.get_data(as_text=True)
            assert response.headers["Cache-Control"] == "no-store"
        assert client.get("/api/search?q=" + quote(hundred_prefixes())).mimetype == "application/json"
        # The any-word retry of an ordinary query needs a slot too: without one, the
        # all-words answer (none) and a notice - not a 503.
        retry = client.get(f"/api/search?q={COMMON_WORD}+zzyxq")
        assert retry.status_code == 200 and not retry.get_json()["relaxed"]
        assert any("très sollicité" in n for n in retry.get_json()["notices"])
        ordinary = client.get(f"/api/search?q={COMMON_WORD}")
        assert ordinary.status_code == 200 and ordinary.get_json()["total_passages"] == 1200
        assert client.get("/?q=bavardages").status_code == 200
        assert client.get(f"/enregistrement/bavardages?q={COMMON_WORD}").status_code == 200
    finally:
        release.set()
        holder.join(timeout=30)
    assert results["export"].status_code == 200
    assert app.test_client().get(f"/api/search?q={COMMON_WORD}+zzyxq").get_json()["relaxed"]
    assert app.test_client().get(f"/export.json?q={COMMON_WORD}").get_json()["count"] == 1200


def test_page_and_export_agree_when_the_cut_leaves_a_dangling_or(client):
    from hostile_clients import query_cut_on_or

    query = query_cut_on_or("orchidées")
    page = client.get("/api/search", query_string={"q": query}).get_json()
    assert page["total_passages"] > 0
    assert not page["query"].endswith(" OR")
    rows = client.get("/export.json", query_string={"q": query}).get_json()
    assert rows["count"] == page["total_passages"]
    html = html_of(client.get("/", query_string={"q": query}))
    assert not html.select_one("#q")["value"].endswith(" OR")
    csv_rows = client.get("/export.csv", query_string={"q": query}).get_data(as_text=True).strip().splitlines()
    assert len(csv_rows) - 1 == page["total_passages"]


@pytest.mark.parametrize("text, expected_end", [
    ("mot " * 72 + "grisou OR chevalement", "grisou"),
    ("mot " * 72 + "grisou OU chevalement", "grisou"),
    ("mot " * 72 + "grisou ET SAUF chevalement", "grisou"),
    ("mot " * 72 + "grisou - chevalement", "grisou"),
    ("mot " * 80, "mot"),
])
def test_the_query_cut_leaves_no_dangling_operator(text, expected_end):
    from indexer.query import cut_query

    cut = cut_query(text)
    assert len(cut) <= 300 and cut.split()[-1] == expected_end and text.startswith(cut)


def test_links_never_follow_the_host_header(test_corpus, test_index):
    """Without --base-url, a client's Host (or X-Forwarded-Host) never reaches a link: in
    the API, the exports and the citation text, links are relative, or use the address
    the server was started on."""
    config = {"INDEX_DIR": str(test_index), "CORPUS_DIR": str(test_corpus)}
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil2.example", "X-Forwarded-Proto": "gopher"}
    urls = ["/api/search?q=orchidées", "/api/search?q=orchidées&mode=citations", "/api/recordings",
            "/api/recordings/terril-vert?q=orchidées", "/export.csv?q=orchidées", "/export.json?q=orchidées",
            "/?q=orchidées&mode=citations", "/enregistrement/terril-vert?q=orchidées"]
    for extra, expected in [({}, "/enregistrement/terril-vert"),
                            ({"SERVER_ADDRESS": "http://127.0.0.1:5000"}, "http://127.0.0.1:5000/enregistrement/"),
                            ({"TRUSTED_PROXIES": "10.0.0.7"}, "/enregistrement/terril-vert")]:
        client = create_app({**config, **extra}).test_client()
        for url in urls:
            response = client.get(url, headers=evil)
            body = response.get_data(as_text=True)
            assert response.status_code == 200, url
            assert "evil" not in body and "gopher" not in body, (extra, url)
        citation = html_of(client.get("/?q=orchidées&mode=citations", headers=evil)).select_one("textarea")
        assert citation is not None and expected in citation.get_text()
        assert expected in client.get("/api/search?q=orchidées", headers=evil).get_json()["results"][0][
            "passages"][0]["link"]
    # From a configured proxy, its forwarded host and scheme are what links use.
    proxied = create_app({**config, "TRUSTED_PROXIES": "10.0.0.7, 192.168.0.0/16"}).test_client()
    for address in ("10.0.0.7", "192.168.3.4"):
        document = proxied.get("/api/search?q=orchidées", environ_base={"REMOTE_ADDR": address},
                               headers={"Host": "127.0.0.1:5000", "X-Forwarded-Host": "recherche.example.org",
                                        "X-Forwarded-Proto": "https"}).get_json()
        assert document["results"][0]["passages"][0]["link"].startswith(
            "https://recherche.example.org/enregistrement/terril-vert")
    # The configured base URL wins over everything.
    based = create_app({**config, "BASE_URL": "https://site.example.org"}).test_client()
    export = based.get("/export.json?q=orchidées", headers=evil).get_json()
    assert all(row["link"].startswith("https://site.example.org/") for row in export["passages"])


def test_dynamic_responses_are_not_stored_by_caches(client, no_index_client):
    for url in ("/", "/?q=terril", "/api/search?q=terril", "/api/recordings", "/enregistrement/terril-vert",
                "/export.csv?q=terril", "/export.json", "/nulle-part", "/api/nulle-part"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    assert client.post("/").headers["Cache-Control"] == "no-store"
    assert no_index_client.get("/").headers["Cache-Control"] == "no-store"  # the 503
    # Static files and audio keep their own caching.
    assert client.get("/static/style.css").headers["Cache-Control"] != "no-store"
    assert "max-age=3600" in client.get("/audio/test.wav").headers["Cache-Control"]
