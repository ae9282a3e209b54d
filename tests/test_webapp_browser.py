"""End-to-end: the app served by waitress, driven in the system's Chromium with Playwright.

    .venv/bin/python -m pytest tests/test_webapp_browser.py -m browser

Never downloads a browser (no `playwright install`): /usr/bin/chromium (skipped without it, failed in CI).
Waits are on page state (wait_for_function / wait_for_url), never on the clock.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from webapp_fixtures import (  # noqa: F401  (pytest fixtures)
    ORCHIDS_PASSAGE,
    browser,
    default_index_dir,
    default_live_server,
    live_server,
    test_corpus,
    test_index,
)

pytestmark = pytest.mark.browser


AUDIO_AT = """([start]) => {
    const audio = document.getElementById('audio');
    return audio && audio.readyState >= 1 && Math.abs(audio.currentTime - start) < 0.5;
}"""




@pytest.fixture
def context(browser):
    context = browser.new_context(locale="fr-FR")
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []
    # Any script error or Content-Security-Policy violation fails the test.
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text else None)
    yield page
    assert problems == []


def speaker_counts(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        'a.facet__link[data-facet="speaker"]',
        "links => Object.fromEntries(links.map(a => [a.dataset.value, a.querySelector('.facet__count').textContent.match(/\\d+/)[0]]))")


def test_type_a_query_then_narrow_with_a_facet(page, live_server):
    page.goto(live_server.url + "/")
    page.fill("#q", "noir")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=noir"))
    assert page.locator(".result").count() == 2
    assert speaker_counts(page) == {"Gaston Verbrugge": "1", "Mireille Dubrulle": "1"}
    assert page.locator('a.facet__link[data-facet="year"]').count() == 2

    page.click('a.facet__link[data-value="Paysages miniers"]')
    page.wait_for_url(re.compile(r"theme=Paysages"))
    assert page.locator(".result__title").all_inner_texts() == ["Le terril qui devint forêt"]
    assert speaker_counts(page) == {"Gaston Verbrugge": "1"}
    assert page.locator('a.facet__link[data-facet="year"]').all_inner_texts()[0].startswith("2024")
    assert page.locator('a.facet__link[data-facet="year"]').count() == 1
    chip = page.locator(".chip")
    assert "Paysages miniers" in chip.inner_text()

    chip.click()  # removing the filter brings the other recording back
    page.wait_for_function("() => document.querySelectorAll('.result').length === 2")
    assert "theme=" not in page.url


def test_timed_result_opens_the_player_at_the_passage(page, live_server):
    audio_statuses = []
    page.on("response", lambda r: audio_statuses.append(r.status) if "/audio/" in r.url else None)
    page.goto(live_server.url + "/?q=sauvages")
    page.click(".result a.play")
    page.wait_for_url(re.compile(r"/enregistrement/terril-vert\?t=22(,|%2C)36"))
    page.wait_for_function(AUDIO_AT, arg=[ORCHIDS_PASSAGE["start"]])
    assert 206 in audio_statuses  # Chromium seeks with Range requests
    current = page.locator(".turn.is-current")
    assert current.get_attribute("id") == f"p{ORCHIDS_PASSAGE['n']}"
    assert current.locator("mark").inner_text() == "sauvages"


def test_player_stops_at_the_end_and_keeps_the_url_at_the_current_time(page, live_server):
    page.goto(live_server.url + "/enregistrement/terril-vert?t=22,23")
    page.wait_for_function(AUDIO_AT, arg=[22])
    played = page.evaluate("() => document.getElementById('audio').play().then(() => true, () => false)")
    if not played:
        pytest.skip("lecture automatique refusée par ce Chromium")
    page.wait_for_function("() => { const a = document.getElementById('audio'); return a.paused && a.currentTime >= 23; }")
    assert page.evaluate("document.getElementById('audio').currentTime") < 25
    assert parse_qs(urlsplit(page.url).query)["t"] == ["23"]


def test_time_buttons_seek_and_highlight_the_passage_heard(page, live_server):
    page.goto(live_server.url + "/enregistrement/terril-vert?q=moutons")
    page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
    page.click("#p5 a.seek")  # 0:42, no page reload: the player seeks
    page.wait_for_function(AUDIO_AT.replace("< 0.5", "< 3"), arg=[42])
    page.wait_for_function("() => document.querySelector('.turn.is-current') && "
                           "document.querySelector('.turn.is-current').id === 'p5'")
    assert parse_qs(urlsplit(page.url).query)["t"][0] in {"42", "43", "44"}
    assert parse_qs(urlsplit(page.url).query)["q"] == ["moutons"]
    # The timeline's mark for the hit is a seek link too.
    assert page.locator(".timeline__hit").count() == 1


def test_copy_a_citation(browser, live_server):
    context = browser.new_context(locale="fr-FR")
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        page = context.new_page()
        page.goto(live_server.url + "/?q=orchidées&mode=citations")
        button = page.locator("button.copy-citation")
        assert button.is_visible() and button.inner_text() == "Copier la citation"
        button.click()
        page.wait_for_function("() => document.querySelector('button.copy-citation').classList.contains('is-done')")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == (
            "« Oui, les orchidées sauvages fleurissent en juin sur le versant sud, là où le schiste chauffe au "
            "soleil. » — Gaston Verbrugge, botaniste, « Le terril qui devint forêt », artoiscast.fr, 14 mai 2024, "
            f"à 0:22, {live_server.url}/enregistrement/terril-vert?t=22,36")
        assert copied == page.locator("textarea.citation__text").input_value()
        assert "copiée" in page.locator("#copy-status").text_content()
    finally:
        context.close()


def test_copy_falls_back_to_select_and_exec_command(page, live_server):
    page.goto(live_server.url + "/?q=orchidées&mode=citations")
    # A browser without the asynchronous clipboard API.
    page.evaluate("() => Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.evaluate("() => { window.copiedWith = null; const original = document.execCommand.bind(document);"
                  " document.execCommand = (command) => { window.copiedWith = command;"
                  " window.selected = window.getSelection().toString() ||"
                  " document.activeElement.value.substring(document.activeElement.selectionStart,"
                  " document.activeElement.selectionEnd); return original(command); }; }")
    page.click("button.copy-citation")
    assert page.evaluate("window.copiedWith") == "copy"
    assert page.evaluate("window.selected") == page.locator("textarea.citation__text").input_value()


def test_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.fill("#q", "noir")
        page.press("#q", "Enter")
        page.wait_for_url(re.compile(r"q=noir"))
        assert page.locator(".result").count() == 2
        page.click('a.facet__link[data-value="Industrie textile"]')
        page.wait_for_url(re.compile(r"theme=Industrie"))
        assert page.locator(".result__title").all_inner_texts() == ["Les bobines de la rue Pasteur"]
        # Citations: the text is there to select; the button (which needs JavaScript) is not shown.
        page.goto(live_server.url + "/?q=orchidées&mode=citations")
        assert "Gaston Verbrugge" in page.locator("textarea.citation__text").input_value()
        assert not page.locator("button.copy-citation").is_visible()
        # Recording: a time link reloads the page at that time; the media fragment starts the player there.
        page.goto(live_server.url + "/enregistrement/terril-vert")
        page.click("#p5 a.seek")
        page.wait_for_url(re.compile(r"t=42"))
        assert page.locator("audio").get_attribute("src") == "/audio/test.wav#t=42"
        assert page.locator(".turn.is-current").get_attribute("id") == "p5"
        page.goto(live_server.url + "/?q=terril&mode=concordance")
        assert page.locator("table.concordance tbody tr").count() >= 3
    finally:
        context.close()


def test_keyboard_and_phone_layout(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/?q=terril")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # focus is visible
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "q":
                break
        assert page.evaluate("document.activeElement.id") == "q"
        # Narrow screen: the filters come first, folded, above the results; nothing wider than the screen.
        first_result = page.locator(".result").first.bounding_box()
        facets = page.locator("aside.facets").bounding_box()
        assert facets["y"] < first_result["y"] and facets["height"] < 120
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_screenshot_of_the_default_corpus(browser, default_live_server, tmp_path):
    """scripts/screenshot.py (which writes docs/screenshot-recherche.png) works on the default corpus."""
    import importlib.util

    script = Path(__file__).resolve().parent.parent / "scripts" / "screenshot.py"
    spec = importlib.util.spec_from_file_location("screenshot", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.screenshot(default_live_server.url, "énergie", tmp_path / "recherche.png", browser=browser)
    assert out.read_bytes().startswith(b"\x89PNG") and out.stat().st_size > 20_000


def test_search_page_on_the_default_corpus(page, default_live_server):
    page.goto(default_live_server.url + "/?q=" + quote("énergie"))
    titles = page.locator(".result__title").all_inner_texts()
    assert titles[0] == "Gazonor" and "Mine de Soleil" in titles[1:3]  # see test_default_corpus_theme_word
    page.click('a.facet__link[data-facet="speaker"][data-value="Yann Fouant"]')
    page.wait_for_url(re.compile(r"speaker=Yann"))
    assert page.locator(".result__title").all_inner_texts() == ["Gazonor"]


# --------------------------------------------------------------------------- issue 12: journeys

AXE = Path(__file__).resolve().parent.parent / "test-artifacts" / "node" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    """axe-core (installed by `make test`, npm) run in the page: the WCAG 2.2 A/AA rules (contrast,
    24 px targets …) and axe's best practices."""
    if not AXE.exists():
        import os

        if os.environ.get("CI"):
            pytest.fail("axe-core absent : `make test` l'installe (npm)")
        pytest.skip("axe-core absent: make axe (npm install axe-core)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: "
                           "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})")
    return [f"{v['id']} ({v['impact']}): {len(v['nodes'])} × {v['nodes'][0]['target']} — {v['help']}"
            for v in result["violations"]]


@pytest.mark.parametrize("path", [
    "/?q=terril",                                  # results
    "/?q=orchidées&mode=citations",                # citations
    "/?q=terril&mode=concordance",                 # concordance
    "/?theme=Paysages+miniers&speaker=Gaston+Verbrugge",  # filters chosen
    "/enregistrement/terril-vert?q=schiste&t=22",  # recording, with player and timeline
    "/enregistrement/filature-pasteur",            # recording without audio
    "/nulle-part",                                 # error page
])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_accessibility_violations(browser, live_server, path, width):
    assert violations_at(browser, live_server.url + path, viewport={"width": width, "height": 900}) == []


@pytest.mark.parametrize("path", ["/", "/?mode=citations", "/?mode=citations&speaker=Yann+Fouant",
                                  "/?q=" + quote("cybersécurité"), "/?q=emploi&mode=concordance",
                                  "/?q=emploi&mode=citations",
                                  "/enregistrement/economie-gazonor-yann-fouant?q=" + quote("énergie")])
def test_no_accessibility_violations_on_the_default_corpus(browser, default_live_server, path):
    assert violations_at(browser, default_live_server.url + path) == []


def violations_at(browser, url: str, **context_options) -> list:
    # bypass_csp: axe-core is injected as an inline script, which the site's policy refuses.
    context = browser.new_context(locale="fr-FR", bypass_csp=True, **context_options)
    try:
        page = context.new_page()
        page.goto(url)
        return axe_violations(page)
    finally:
        context.close()


def test_focus_stays_on_the_filter_just_used(page, live_server):
    page.goto(live_server.url + "/?q=noir")
    page.focus('a.facet__link[data-value="Paysages miniers"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"theme=Paysages"))
    page.wait_for_function("() => document.activeElement && document.activeElement.dataset.value === 'Paysages miniers'")
    # One Tab to the next filter, not thirty-five from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('facet__link')")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # and unticking it keeps the focus there too
    page.wait_for_function("() => !location.search.includes('theme=')")
    page.wait_for_function("() => document.activeElement && document.activeElement.dataset.value === 'Paysages miniers'")


def test_on_a_phone_the_filters_open_at_the_top_and_targets_are_big_enough(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="fr-FR", has_touch=True)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/?q=noir")
        assert not page.locator("a.facet__link").first.is_visible()  # folded
        page.locator(".facets__summary").tap()
        link = page.locator('a.facet__link[data-value="Paysages miniers"]')
        assert link.is_visible() and link.bounding_box()["y"] < page.locator(".result").first.bounding_box()["y"]
        link.tap()
        page.wait_for_url(re.compile(r"theme=Paysages"))
        # Back on the results page, the panel is open at the filter just chosen.
        assert page.locator('a.facet__link[data-value="Paysages miniers"]').is_visible()
        for selector in (".toolbar a", ".chip", "a.facet__link", ".modes__tab"):
            for box in (page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())):
                assert box["height"] >= 24 and box["width"] >= 24, (selector, box)
    finally:
        context.close()


def test_step_through_the_words_found_inside_one_interview(page, live_server):
    page.goto(live_server.url + "/enregistrement/terril-vert")
    page.fill("#q-rec", "schiste")
    page.press("#q-rec", "Enter")
    page.wait_for_url(re.compile(r"q=schiste"))
    assert page.locator(".timeline__hit").count() == 2
    page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
    page.click(".hit-nav__next")
    page.wait_for_function("() => document.activeElement.id === 'p1'")
    page.wait_for_function(AUDIO_AT, arg=[6])
    assert page.locator(".hit-nav__at").inner_text().startswith("1 / 2")
    page.click(".hit-nav__next")
    page.wait_for_function("() => document.activeElement.id === 'p3'")
    page.wait_for_function(AUDIO_AT, arg=[22])
    assert page.locator(".turn.is-stepped").get_attribute("id") == "p3"
    page.click(".hit-nav__next")  # after the last one, the first again
    page.wait_for_function("() => document.activeElement.id === 'p1'")
    page.click(".hit-nav__prev")
    page.wait_for_function("() => document.activeElement.id === 'p3'")


def test_on_a_phone_the_results_are_one_tap_away_and_the_concordance_fits(browser, live_server):
    """Issue 21, point 7: after a filter, the results were ~1,500 px down; the concordance
    needed a sideways scroll."""
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="fr-FR", has_touch=True)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/?q=noir")
        page.locator(".facets__summary").tap()
        page.locator('a.facet__link[data-value="Paysages miniers"]').tap()
        page.wait_for_url(re.compile(r"theme=Paysages"))
        to_results = page.locator(".facets__to-results")
        box = to_results.bounding_box()
        assert to_results.is_visible() and 0 <= box["y"] and box["y"] + box["height"] <= 800, box
        assert re.fullmatch(r"Voir (le résultat|les \d+ résultats) ↓", to_results.inner_text().strip())
        to_results.tap()
        page.wait_for_function("() => { const r = document.getElementById('results-title').getBoundingClientRect();"
                               " return r.top >= 0 && r.bottom <= window.innerHeight; }")
        page.goto(live_server.url + "/?q=schiste+OU+bouleaux&mode=concordance")
        sizes = page.evaluate("() => { const w = document.querySelector('.concordance-wrap');"
                              " return [w.scrollWidth, w.clientWidth, document.documentElement.scrollWidth]; }")
        assert sizes[0] <= sizes[1] and sizes[2] <= 390, sizes
        # Each occurrence reads whole: both contexts and the word, within the screen's width.
        for row in (page.locator("table.concordance tbody tr").nth(i) for i in range(4)):
            for cell in ("td.kwic-left", "td.kwic-match", "td.kwic-right"):
                box = row.locator(cell).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (cell, box)
    finally:
        context.close()
