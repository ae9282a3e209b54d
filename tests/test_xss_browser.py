"""No script from the corpus or the request ever runs: the hostile corpus in a real Chromium.

tests/fixtures/hostile puts <script>, onerror=, onload=, onmouseover=, "javascript:"
links and "</textarea>" in titles, speaker names, roles, themes, transcripts, page
text, audio and page URLs, and corpus.yaml values. Every payload, if it ran, would
set window.__xss or change document.title to "pwned" (some would open a dialog).

Each page is loaded twice: with the Content-Security-Policy bypassed (escaping alone
must hold), and with it (no violation reported: nothing inline was even attempted).
The mouse passes over every element and the links are checked: none is a script link.

    .venv/bin/python -m pytest tests/test_xss_browser.py -m browser
"""
from __future__ import annotations

from urllib.parse import quote

import pytest

from webapp_fixtures import browser, hostile_index, hostile_live_server  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser


TITLE = "<script>window.__xss=1;document.title='pwned'</script> Le terril piégé"
PAYLOAD_QUERY = "\"><img src=x onerror=\"window.__xss=1\"><script>window.__xss=1</script></textarea>"

# What the page may contain: no element a payload would bring, no script link.
DOM_CHECK = """() => ({
    xss: window.__xss,
    title: document.title,
    foreign: Array.from(document.querySelectorAll('img, iframe, object, embed, style, base, svg:not(.timeline__bar)'))
        .map(e => e.tagName),
    inline: Array.from(document.scripts).filter(s => !s.src || !new URL(s.src).pathname.startsWith('/static/'))
        .length,
    handlers: Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)
        .filter(a => a.name.toLowerCase().startsWith('on')).map(a => e.tagName + ' ' + a.name)),
    links: Array.from(document.querySelectorAll('*')).flatMap(e => ['href', 'src', 'action', 'formaction',
        'xlink:href', 'poster', 'data', 'cite'].map(name => e.getAttribute(name)).filter(v => v !== null)
        .map(v => new URL(v, document.baseURI)).filter(u => !/^https?:$/.test(u.protocol)).map(u => u.href)),
})"""




class Watched:
    """A page, with every dialog, script error and CSP violation recorded."""

    def __init__(self, context):
        self.page = context.new_page()
        self.page.set_default_timeout(15000)
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.csp: list[str] = []

        def on_dialog(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: self.csp.append(message.text)
                     if "Content Security Policy" in message.text else None)

    def visit(self, url: str):
        self.page.goto(url, wait_until="load")
        self.hover_everything()
        state = self.page.evaluate(DOM_CHECK)
        assert state["xss"] is None, url
        assert state["title"] != "pwned" and state["title"].endswith("Radioscopie de l'Artois"), url
        assert state["foreign"] == [] and state["inline"] == 0 and state["handlers"] == [], (url, state)
        assert state["links"] == [], (url, state["links"])
        assert self.dialogs == [], url
        return state

    def hover_everything(self):
        """Passes the mouse over each text element, for real where it is on screen and by
        events everywhere: an onmouseover / onfocus payload would fire."""
        boxes = self.page.evaluate("""() => Array.from(document.querySelectorAll(
            'h1, h2, .result__theme, .person, .speaker, .role, .chip, .facet__label, .turn__text, .passage__text'))
            .slice(0, 40).map(e => { const r = e.getBoundingClientRect(); return [r.x + 2, r.y + 2]; })""")
        viewport = self.page.viewport_size or {"width": 1280, "height": 720}
        for x, y in boxes:
            if 0 <= x < viewport["width"] and 0 <= y < viewport["height"]:
                self.page.mouse.move(x, y)
        self.page.evaluate("""() => document.querySelectorAll('body *').forEach(e => {
            for (const type of ['mouseover', 'mouseenter', 'focus', 'animationstart']) {
                e.dispatchEvent(new Event(type, {bubbles: false}));
            }
        })""")


@pytest.fixture
def watched_contexts(browser):
    """Two pages: CSP bypassed (escaping alone), and CSP enforced."""
    contexts = [browser.new_context(locale="fr-FR", bypass_csp=True), browser.new_context(locale="fr-FR")]
    pages = [Watched(context) for context in contexts]
    yield pages
    for context in contexts:
        context.close()
    for watched in pages:
        assert watched.errors == [] and watched.dialogs == []
    assert pages[1].csp == []  # nothing inline was attempted under the policy


@pytest.fixture(scope="module")
def hostile_ids(hostile_live_server):
    import json
    import urllib.request

    with urllib.request.urlopen(hostile_live_server.url + "/api/recordings", timeout=10) as response:
        return [r["id"] for r in json.load(response)["recordings"]]


def urls(base: str, ids: list[str]) -> list[str]:
    out = [base + path for path in (
        "/", "/?q=orchidées", "/?q=orchidées&mode=citations", "/?q=orchidées&mode=concordance",
        "/?q=navette&mode=citations", "/?q=script&mode=concordance", "/?q=textarea", "/?sort=date",
        "/?q=" + quote(PAYLOAD_QUERY), "/?q=" + quote(PAYLOAD_QUERY) + "&mode=citations",
        "/?theme=" + quote(PAYLOAD_QUERY) + "&speaker=" + quote("<svg onload=window.__xss=1>"),
        "/enregistrement/" + quote("<script>window.__xss=1</script>", safe=""),
        "/nulle-part/%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E",
    )]
    for rec_id in ids:
        out.append(f"{base}/enregistrement/{quote(rec_id, safe='')}?q=orchid%C3%A9es&t=6")
    return out


@pytest.mark.slow
def test_no_payload_runs_on_any_page(watched_contexts, hostile_live_server, hostile_ids):
    for watched in watched_contexts:
        for url in urls(hostile_live_server.url, hostile_ids):
            watched.visit(url)


def test_payloads_show_as_text(watched_contexts, hostile_live_server):
    watched = watched_contexts[0]  # CSP bypassed: only the escaping protects this page
    watched.visit(hostile_live_server.url + "/enregistrement/terril-piege?q=orchid%C3%A9es")
    page = watched.page
    assert page.locator("h1").inner_text() == TITLE
    assert page.title().startswith(TITLE)
    turns = " ".join(page.locator(".turn__text").all_inner_texts())
    assert '<img src=x onerror="window.__xss=1">' in turns and "</mark><script>window.__xss=1</script><mark>" in turns
    assert page.locator(".turn mark").all_inner_texts() and all(
        text.lower() == "orchidées" for text in page.locator(".turn mark").all_inner_texts())
    names = page.locator(".turn .speaker").all_inner_texts()
    assert any("<script" in name for name in names)
    # No link to the "javascript:" source page; the local audio plays.
    assert page.locator("dt", has_text="Source").count() == 0
    assert page.locator("audio").get_attribute("src").startswith("/audio/test.wav")


def test_typed_payload_in_the_search_box(watched_contexts, hostile_live_server):
    for watched in watched_contexts:
        watched.visit(hostile_live_server.url + "/")
        page = watched.page
        page.fill("#q", PAYLOAD_QUERY)
        page.press("#q", "Enter")
        page.wait_for_url("**/?q=*")
        watched.visit(page.url)
        assert page.input_value("#q") == PAYLOAD_QUERY


def test_citation_with_textarea_payload_is_copied_as_text(browser, hostile_live_server):
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=hostile_live_server.url)
        watched = Watched(context)
        watched.visit(hostile_live_server.url + "/?q=navette&mode=citations")
        page = watched.page
        areas = page.locator("textarea.citation__text")
        assert areas.count() >= 1
        values = [areas.nth(i).input_value() for i in range(areas.count())]
        target = next(i for i, value in enumerate(values) if "</textarea><img src=x onerror=" in value)
        page.locator("button.copy-citation").nth(target).click()
        page.wait_for_function("(i) => document.querySelectorAll('button.copy-citation')[i]"
                               ".classList.contains('is-done')", arg=target)
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == values[target] and "</textarea>" in copied
        assert page.evaluate("window.__xss") is None and watched.dialogs == [] and watched.errors == []
    finally:
        context.close()
