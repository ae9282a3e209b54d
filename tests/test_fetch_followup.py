"""Issue 20, harvester side: dead audio links remembered and retried rarely, printed once each;
a curated text capture followed by the HTML `fetch` downloaded; `check` says what it reads
without corpus.yaml and why the Organisation and Lieu facets are empty.

The invented site of test_harvest.py (real HTTP server on 127.0.0.1) is reused.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

import yaml

from indexer.corpus import load_corpus
from indexer.sources import read_corpus
from test_harvest import PAGES, cli, fetch, served  # noqa: F401  (served: a pytest fixture)

DEAD = "/sons/ducasse.mp3"  # linked from corons.html, answers 404
WRONG = "/audio/lecocq.mp3"  # answers an HTML page with 200: dead too


def test_dead_links_are_remembered_and_not_asked_again_before_their_day(tmp_path, served):
    base, site, _ = served
    corpus = tmp_path / "corpus"
    first = fetch(corpus, base, "--audio")
    assert first.exit_code == 0, first.output
    dead_lines = [ln for ln in first.stderr.splitlines() if "ducasse.mp3" in ln]
    assert dead_lines == [f"lien audio cassé {base}{DEAD} : le site a répondu 404"]  # one line, the url once
    manifest = json.loads((corpus / "harvest.json").read_text(encoding="utf-8"))
    retry = (date.today() + timedelta(days=7)).isoformat()
    entry = manifest["dead"][base + DEAD]
    assert {k: entry[k] for k in ("reason", "failures", "retry_after")} == \
        {"reason": "le site a répondu 404", "failures": 1, "retry_after": retry}
    assert entry["status"] == 404  # gone, as the site says: no audio for the index either
    assert base + DEAD not in manifest["audio"]

    since = len(site.log)
    second = fetch(corpus, base, "--audio")
    assert second.exit_code == 0, second.output
    asked = site.statuses(since)
    assert DEAD not in asked and WRONG not in asked  # no request, no crawl delay
    assert "ducasse" not in second.stderr and "lien audio cassé" not in second.stderr
    assert f"2 lien(s) cassé(s) déjà signalé(s), redemandé(s) à partir du {retry}" in second.output

    # The retry day has come: asked once more, and then twice as late.
    manifest = json.loads((corpus / "harvest.json").read_text(encoding="utf-8"))
    manifest["dead"][base + DEAD]["retry_after"] = date.today().isoformat()
    (corpus / "harvest.json").write_text(json.dumps(manifest), encoding="utf-8")
    since = len(site.log)
    third = fetch(corpus, base, "--audio")
    assert site.statuses(since)[DEAD] == [404] and WRONG not in site.statuses(since)
    manifest = json.loads((corpus / "harvest.json").read_text(encoding="utf-8"))
    assert manifest["dead"][base + DEAD]["failures"] == 2
    assert manifest["dead"][base + DEAD]["retry_after"] == (date.today() + timedelta(days=14)).isoformat()
    assert third.stderr.count("ducasse.mp3") == 1

    # Repaired on the site: downloaded at the next retry, and forgotten as dead.
    site.put(DEAD, b"ID3 invented audio of ducasse", "audio/mpeg")
    manifest["dead"][base + DEAD]["retry_after"] = date.today().isoformat()
    (corpus / "harvest.json").write_text(json.dumps(manifest), encoding="utf-8")
    fetch(corpus, base, "--audio")
    manifest = json.loads((corpus / "harvest.json").read_text(encoding="utf-8"))
    assert base + DEAD not in manifest["dead"] and manifest["audio"][base + DEAD]["sha256"]


def test_a_curated_text_capture_follows_the_fetched_html(tmp_path, served):
    base, _, _ = served
    corpus = tmp_path / "corpus"
    (corpus / "pages").mkdir(parents=True)
    (corpus / "pages" / "corons.txt").write_text((PAGES / "corons.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "corpus.yaml").write_text(yaml.safe_dump({"pages": [
        {"id": "corons", "url": f"{base}/brume/corons.html", "title": "la mémoire des corons",
         "file": "pages/corons.txt"}]}, allow_unicode=True), encoding="utf-8")
    before = read_corpus(corpus)
    assert not any(r.audio_url for r in before.recordings)  # a capture has no link addresses

    result = fetch(corpus, base, "--audio")
    assert result.exit_code == 0, result.output
    assert "corons : " in result.output and "lue à la place de pages/corons.txt" in result.output
    assert load_corpus(corpus).pages[0].file == "pages/corons.html"
    after = read_corpus(corpus)
    corons = set(after.page_recordings["corons"])
    audio = [r for r in after.recordings if r.media == "audio" and r.id in corons]
    assert after.page_recordings["corons"] == before.page_recordings["corons"]  # same recordings, same ids
    assert any(r.audio_file for r in audio)  # its audio, downloaded, is the recordings'
    checked = cli(corpus, "check")
    assert "Page « corons » : lue dans pages/corons.html (copie de « fetch »), à la place de pages/corons.txt." \
        in checked.output


def test_check_without_corpus_yaml_names_site_yaml_and_the_empty_facets(tmp_path, served):
    base, _, _ = served
    corpus = tmp_path / "corpus"
    assert fetch(corpus, base).exit_code == 0
    assert not (corpus / "corpus.yaml").exists() and (corpus / "site.yaml").exists()
    checked = cli(corpus, "check")
    assert "seuls les fichiers de pages/ seront lus" not in checked.output
    assert "les pages de site.yaml (trouvées par « fetch --site »)" in checked.output
    assert "Facette Organisation vide" in checked.output and "« organisations: »" in checked.output
    assert "Facette Lieu vide" in checked.output and "« places: »" in checked.output
