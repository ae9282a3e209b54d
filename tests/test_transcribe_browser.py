"""End-to-end: audio transcribed by the real model, indexed, served by waitress, and a
search result opened in Debian's Chromium - the player starts at the second of the word found.

Waits are on page state, never on the clock (see tests/test_webapp_browser.py).
"""
from __future__ import annotations

import re

import pytest

from asr_fixtures import add_transcript, corpus, model, model_cache, speech, transcripts  # noqa: F401  (pytest fixtures)
from indexer.build import build_index
from webapp import create_app
from webapp_fixtures import LiveServer, browser  # noqa: F401  (pytest fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.asr]

AUDIO_AT = """([start]) => {
    const audio = document.getElementById('audio');
    return audio && audio.readyState >= 1 && Math.abs(audio.currentTime - start) < 0.5;
}"""


@pytest.fixture
def server(corpus, tmp_path, transcripts):  # noqa: F811
    add_transcript(corpus, transcripts, "emission-bassin")
    build_index(corpus, tmp_path / "index")
    app = create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(corpus)})
    with LiveServer(app) as live:
        yield live


def test_a_word_the_model_heard_opens_the_player_at_its_second(browser, server, speech):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    audio_statuses = []
    page.on("response", lambda r: audio_statuses.append(r.status) if "/audio/" in r.url else None)
    try:
        page.goto(server.url + "/?q=merci")
        result = page.locator(".result").first
        text = result.inner_text().lower()  # the tags are in capitals (CSS)
        assert "transcription automatique" in text and "locuteur non identifié" in text
        link = result.locator("a.play")
        href = link.get_attribute("href")
        start = float(re.search(r"t=([0-9.]+)", href).group(1))
        # The link opens the audio at the word (the last sentence's first), not at the passage
        # start (the first sentence, after 1.5 s of silence): within 1 s before it.
        said = speech["emission-bassin"].starts[-1]
        assert said - 1.0 <= start <= said + 0.2, (start, said)
        link.click()
        page.wait_for_url(re.compile(r"/enregistrement/emission-bassin\?t="))
        page.wait_for_function(AUDIO_AT, arg=[start])
        assert 206 in audio_statuses  # the WAV is served with Range requests
        assert page.locator(".turn.is-current mark").first.inner_text().lower() == "merci"
        assert "merci" in page.locator(".cue.is-current-cue").inner_text().lower()  # the cue heard is marked
        assert page.locator(".automatic-notice").is_visible()
        assert page.locator(".turn .incertain").count() > 0
    finally:
        context.close()
    assert problems == []
