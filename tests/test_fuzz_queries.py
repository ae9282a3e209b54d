"""Property-based: no query, filter, page number, id or path ever yields a 5xx.

Thousands of generated requests against the real app (Flask's test client, the
same WSGI app `artoiscast serve` runs): queries mixing the search syntax
(quotes, parentheses, ET/OU/SAUF, -, *, ?, field:value), unicode, control
characters and very long strings; random, repeated and unknown parameters;
odd page numbers; random recording ids and audio paths (encoded "..", NUL …).

For each answer: never a 5xx, the status one of those the route may give, the
security headers present, no stack trace, and on HTML pages no markup from the
request (every <script> is ours; the query comes back intact in the search box,
so it was escaped and nothing else was).

    .venv/bin/python -m pytest tests/test_fuzz_queries.py -q
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexer.query import printable as clean_text
from webapp import SECURITY_HEADERS, create_app
from webapp_fixtures import (  # noqa: F401  (pytest fixtures)
    default_index_dir,
    test_corpus,
    test_index,
)

pytestmark = pytest.mark.slow

FUZZ = settings(max_examples=2000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEWER = settings(FUZZ, max_examples=800)

# --------------------------------------------------------------------------- strategies

SYNTAX = ['"', '"', "(", ")", "((", "))", "ET", "OU", "SAUF", "AND", "OR", "NOT", "et", "ou", "-", "+", "*", "?",
          "?*a*", "*", "*a", "a*", "e*", "**", "*?*", "énergéti*", "photovolta*", "ERBM", "CALL", "DSIL",
          '"pompe à chaleur"', "pompe", "énergie", "Lens", "Loos-en-Gohelle", "Billy-Berclau", "l'emploi",
          "aujourd’hui", "title:x", "nope:valeur", "text:", "speaker:Gaston", ":", "::", "^2", "~", "~2",
          "[a TO z]", "{a TO z}", "{", "}", "[", "]", "\\", "'", "’", "«", "»", "<script>", "</textarea>",
          "&amp;", "%", "%00", "&", "#", "{0}", "{method}", "%s", "\x00", "\t", "\n", "\r", "\x1f", "\u202e",
          "\u200b", "\ufeff", "ǅ", "ß", "ﬁ", "İ", "２０２４", "٣", "🔥", "e\u0301", "a" * 60, "x" * 400]
PARAMS = ["q", "page", "per_page", "sort", "mode", "theme", "speaker", "organisation", "place", "year", "kind",
          "type", "audio", "sep", "t", "format", "callback", "q[]", "", " ", "__proto__", "page ", "Q"]
FACET_VALUES = ["Paysages miniers", "Industrie textile", "Gaston Verbrugge", "2024", "2019", "oui", "non",
                "transcription", "résumé", "interview", "Le Green Business Forum mars 2025 à Liévin", "Yann Fouant"]
PAGES = ["1", "2", "0", "-1", "-999999999999", "999999999999999999999999", "1e9", "1.5", " 3 ", "+4", "0x10",
         "NaN", "inf", "-0", "٣", "²", "", "9" * 5000, "1\x00", "deux"]

printable = st.characters(blacklist_categories=("Cs",))  # anything but lone surrogates (not in a URL)
words = st.lists(st.sampled_from(SYNTAX), max_size=12).map(" ".join)
glued = st.lists(st.sampled_from(SYNTAX), max_size=8).map("".join)
queries = st.one_of(
    words,
    glued,
    st.text(printable, max_size=60),
    st.tuples(words, st.text(printable, max_size=20), glued).map(lambda t: " ".join(t)),
    st.text(printable, min_size=250, max_size=1200),
    st.text(st.sampled_from(" \t\n\r\x00\x0b\x0c\x1b\x7f\x85\u00a0\u2028\u2029\u200b"), max_size=30),
)
values = st.one_of(st.sampled_from(FACET_VALUES), st.text(printable, max_size=40), words)
extra_params = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMS), st.text(printable, max_size=8)),
              st.one_of(values, st.sampled_from(PAGES), st.sampled_from(["results", "citations", "concordance",
                                                                        "date", "relevance", "semicolon"]))),
    max_size=8)
pages = st.one_of(st.sampled_from(PAGES), st.integers(-(10 ** 30), 10 ** 30).map(str))

SEARCH_ROUTES = ["/", "/?mode=citations", "/?mode=concordance", "/api/search", "/export.csv", "/export.json"]


# --------------------------------------------------------------------------- apps


@pytest.fixture(scope="module")
def search_client(default_index_dir):
    """The default corpus: a real vocabulary and thesaurus for the query parser."""
    app = create_app({"INDEX_DIR": str(default_index_dir / "index"), "CORPUS_DIR": str(default_index_dir / "corpus")})
    return app.test_client()


@pytest.fixture(scope="module")
def media_client(test_corpus, test_index):
    """The invented corpus: transcripts with times, and a WAV file in audio/."""
    app = create_app({"INDEX_DIR": str(test_index), "CORPUS_DIR": str(test_corpus)})
    return app.test_client()


# --------------------------------------------------------------------------- checks


class PageCheck(HTMLParser):
    """Collects what must never come from a request: scripts not ours, event handlers,
    script links; and the search box's value as the browser would read it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.search_box = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            self.problems.append(f"script {attrs}")
        if tag in ("iframe", "object", "embed", "img", "style", "base", "form") or \
                (tag == "svg" and attrs.get("class") != "timeline__bar"):
            if not (tag == "form" and attrs.get("role") == "search"):
                self.problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}")
            if name in ("href", "src", "action", "formaction", "cite") and value and \
                    re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                self.problems.append(f"{tag} {name}={value}")
        if tag == "input" and attrs.get("id") == "q":
            self.search_box = attrs.get("value") or ""


def check_common(response, allowed: set[int]):
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.status_code in allowed, response.status_code
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and 'File "' not in body
    return body


def check_html(body: str) -> PageCheck:
    page = PageCheck()
    page.feed(body)
    page.close()
    assert page.problems == []
    return page


def expected_box(q: str) -> str:
    """The search box shows the query as typed - control characters made spaces, cut at 300."""
    q = clean_text(q)
    if len(q) > 300:
        return None  # cut: checked elsewhere
    return q


def check_search(client, route: str, pairs: list[tuple[str, str]], q):
    path, _, fixed = route.partition("?")
    if fixed:  # "/?mode=citations": that mode first (a repeated "mode" comes after: the first one wins)
        pairs = [tuple(fixed.split("=", 1))] + pairs
    response = client.get(path, query_string=pairs)
    if route.startswith("/api/"):
        body = check_common(response, {200, 400})
        document = json.loads(body)
        if response.status_code == 200:
            assert len(document["query"]) <= 300 and document["total"] >= 0
            assert 1 <= document["per_page"] <= 50 and 1 <= document["page"] <= 1000
        else:
            assert list(document) == ["error"]
        return
    body = check_common(response, {200})
    if route.startswith("/export.json"):
        document = json.loads(body)
        assert document["count"] == len(document["occurrences" if document["mode"] == "concordance" else "passages"])
    elif route.startswith("/export.csv"):
        assert response.mimetype == "text/csv"
    else:
        page = check_html(body)
        assert page.search_box is not None
        q_values = [v for k, v in pairs if k == "q"]
        if q_values:
            expected = expected_box(q_values[0])
            if expected is not None:
                assert page.search_box == expected
            assert len(page.search_box) <= 300
        # A query cut to 300 characters is not copied whole into every link of the page.
        assert len(body) < 2_000_000


# --------------------------------------------------------------------------- properties


@FUZZ
@given(route=st.sampled_from(SEARCH_ROUTES), q=queries, extra=extra_params)
@example(route="/", q="x" * 100_000, extra=[])
@example(route="/api/search", q="é" * 20_000 + " *", extra=[])
@example(route="/", q='"unbalanced ((quote', extra=[("page", "-5"), ("per_page", "100000")])
@example(route="/?mode=concordance", q="*", extra=[])
@example(route="/?mode=citations", q="?*a*", extra=[])
@example(route="/", q="nope:valeur title:énergie speaker:x", extra=[])
@example(route="/export.csv", q="a* e* i* o* u* *", extra=[])
@example(route="/", q="OR AND NOT ET OU SAUF - + ( ) \"\"", extra=[])
@example(route="/", q="\x00\x01\x1b[31m\x7f", extra=[("theme", "\x00")])
@example(route="/", q="{0}{method}{method.__class__}", extra=[])
def test_any_query_on_any_search_route(search_client, route, q, extra):
    check_search(search_client, route, [("q", q)] + extra, q)


@FEWER
@given(route=st.sampled_from(SEARCH_ROUTES),
       q=st.one_of(st.just(""), st.sampled_from(["énergie", "emploi", "Lens*", "zzzz"]), queries),
       page=pages, per_page=pages, facets=st.lists(st.tuples(st.sampled_from(
           ["theme", "speaker", "organisation", "place", "year", "kind", "type", "audio"]), values), max_size=30),
       repeats=st.integers(1, 3), mode=st.sampled_from(["results", "citations", "concordance", "tout", ""]),
       sort=st.sampled_from(["relevance", "date", "hasard", ""]))
@example(route="/", q="énergie", page="1000", per_page="50", facets=[], repeats=1, mode="results", sort="date")
@example(route="/", q="", page="999999999999", per_page="-3", facets=[("theme", "inconnu")] * 40, repeats=3,
         mode="concordance", sort="")
def test_any_filters_pages_and_repeated_params(search_client, route, q, page, per_page, facets, repeats, mode,
                                               sort):
    pairs = [("q", q)] * repeats + [("page", page), ("per_page", per_page), ("mode", mode), ("sort", sort)] * repeats
    pairs += facets
    check_search(search_client, route, pairs, q)


ids = st.one_of(st.sampled_from(["terril-vert", "filature-pasteur", "inexistant", "", ".", "..", "terril-vert/",
                                 "../terril-vert", "{0}", "{method}", "%", "%00", "<script>", "a" * 5000]),
                st.text(printable, max_size=80))
times = st.one_of(st.sampled_from(["22", "22,36", "36,22", "1:00:05", "-5", "nan", "inf", "9" * 400, "1e999",
                                   "99:99:999999", "", ",", "22,", ",36", "0:0:0:0"]), st.text(printable, max_size=12))


@FEWER
@given(rec_id=ids, q=st.one_of(st.just(""), queries), t=times, api=st.booleans(), encode=st.booleans(),
       extra=extra_params)
@example(rec_id="terril-vert", q="orchidées", t="22,36", api=False, encode=True, extra=[])
@example(rec_id="filature-pasteur{0}", q="x" * 50_000, t="1:00", api=False, encode=True, extra=[])
@example(rec_id="{method.__init__.__globals__}", q="", t="", api=False, encode=True, extra=[])
def test_any_recording_id(media_client, rec_id, q, t, api, encode, extra):
    path = quote(rec_id, safe="") if encode else quote(rec_id, safe="/%")
    route = ("/api/recordings/" if api else "/enregistrement/") + path
    response = media_client.get(route, query_string=[("q", q), ("t", t)] + extra)
    allowed = {200, 404, 308}  # 308: Werkzeug's redirect for a path with "//"
    body = check_common(response, allowed)
    if api:
        if response.status_code != 308:
            document = json.loads(body)
            assert ("error" in document) == (response.status_code == 404)
    elif response.status_code in (200, 404):
        check_html(body)
        if response.status_code == 200:
            assert rec_id.rstrip("/") in ("terril-vert", "filature-pasteur")


AUDIO_SEGMENTS = ["..", "%2e%2e", "%2E%2E", ".%2e", "..%2f", "..%2F", "%2e%2e%2f", "%252e%252e", "%252f", ".", "",
                  "test.wav", "secret.txt", "corpus.yaml", "audio", "transcripts", "terril.vtt", "etc", "passwd",
                  "%00", "\\..", "..\\", "%5c", "%c0%ae%c0%ae", "%u002e", "....//", "~", "/", "//", "test.wav%00.txt",
                  "proc", "self", "environ"]
ranges = st.one_of(st.none(), st.sampled_from(["bytes=0-99", "bytes=1000-", "bytes=-100", "bytes=999999999-",
                                               "bytes=5-1", "bytes=0-0,5-9", "octets=0-1", "bytes=-", "bytes=a-b"]),
                   st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=20))


@FEWER
@given(segments=st.lists(st.one_of(st.sampled_from(AUDIO_SEGMENTS), st.text(printable, max_size=10)),
                         min_size=1, max_size=6),
       absolute=st.booleans(), range_header=ranges, extra=extra_params)
@example(segments=["%2e%2e", "secret.txt"], absolute=False, range_header=None, extra=[])
@example(segments=["..%2fsecret.txt"], absolute=False, range_header=None, extra=[])
@example(segments=["%252e%252e", "corpus.yaml"], absolute=False, range_header=None, extra=[])
@example(segments=["", "etc", "passwd"], absolute=True, range_header=None, extra=[])
@example(segments=["test.wav"], absolute=False, range_header="bytes=1000-1099", extra=[("t", "1")] * 3)
def test_any_audio_path(media_client, test_corpus, segments, absolute, range_header, extra):
    path = "/".join(segments).replace("?", "%3F").replace("#", "%23")  # part of the path, not a query
    route = "/audio/" + ("/" if absolute else "") + path
    headers = {"Range": range_header} if range_header is not None else {}
    try:
        response = media_client.get(route, headers=headers, query_string=extra)
    except UnicodeEncodeError:
        return  # not a URL any client could send
    body = response.get_data()
    assert response.status_code < 500
    assert response.status_code in {200, 206, 404, 416, 308}, response.status_code
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    if response.status_code in (200, 206):
        # Whatever the path, the only bytes ever served are those of a file in audio/.
        wav = (test_corpus / "audio" / "test.wav").read_bytes()
        assert body and body in wav
        assert response.mimetype.startswith("audio/")
    assert b"ne doit pas" not in body and b"recordings:" not in body and b"root:" not in body
