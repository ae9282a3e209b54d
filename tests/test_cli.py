"""The `artoiscast` command on the default corpus (a copy in tmp: nothing is written into the repository)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from conftest import invoke_cli
from indexer.cli import main

REPO_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MEDIA_RECORDINGS = 31  # "écouter …" and "voir la vidéo …" links of pages/economie.txt
GREEN_FORUM = "Le Green Business Forum mars 2025 à Liévin"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A copy of the default corpus and an index built from it by `artoiscast index`."""
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    shutil.copytree(REPO_CORPUS, corpus)
    index = root / "var" / "index"
    result = invoke_cli(corpus, index, "index")
    return {"corpus": corpus, "index": index, "index_result": result}


def run(env, *args, **kwargs):
    return invoke_cli(env["corpus"], env["index"], *args, **kwargs)


def search_json(env, *args) -> dict:
    result = run(env, "search", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --------------------------------------------------------------------------- index, check


def test_index_prints_a_summary(env):
    result = env["index_result"]
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(rf"Index construit en \d+\.\d s : (\d+) enregistrements \({MEDIA_RECORDINGS} audio/vidéo\), "
                        rf"(\d+) passages -> {re.escape(str(env['index']))}", lines[0]), lines[0]
    assert lines[1] == "Pages : 1 ; transcriptions : 0 fichiers"
    assert re.fullmatch(r"0 erreur\(s\), \d+ avertissement\(s\)( — détail : artoiscast check)?", lines[2]), lines[2]
    assert env["index"].is_symlink() and (env["index"] / "corpus_state.json").is_file()
    assert not (REPO_CORPUS / "var").exists()


def test_check_lists_the_media_recordings_and_exits_0(env):
    result = run(env, "check")
    assert result.exit_code == 0, result.output  # warnings only
    out = result.output
    header = re.match(r"Corpus (.+) : (\d+) enregistrements \((\d+) audio, (\d+) vidéo\), (\d+) sections de texte, "
                      r"(\d+) passages\.", out)
    assert header, out[:300]
    assert header.group(1) == str(env["corpus"])
    assert int(header.group(2)) == MEDIA_RECORDINGS == int(header.group(3)) + int(header.group(4))
    listed = re.findall(r"^\[(audio|vidéo|texte)\] (\S+)  \(pages/economie\.txt:\d+\)$", out, re.M)
    assert sum(kind != "texte" for kind, _ in listed) == MEDIA_RECORDINGS
    assert sum(kind == "vidéo" for kind, _ in listed) == int(header.group(4))
    assert len({rec_id for _, rec_id in listed}) == len(listed)  # ids are unique
    assert "Thèmes (9) :" in out
    summary = re.search(r"^(\d+) erreur\(s\), (\d+) avertissement\(s\)$", out, re.M)
    assert summary and summary.group(1) == "0"
    warnings = int(summary.group(2))
    assert len(re.findall(r"^  pages/economie\.txt:\d+: warning: ", out, re.M)) == warnings
    strict = run(env, "check", "--strict")
    assert strict.exit_code == (1 if warnings else 0)


def test_check_names_speakers_with_roles(env):
    out = run(env, "check").output
    block = out[out.index("[audio] economie-pole-metropolitain-artois-olivier-marliere"):]
    block = block[:block.index("\n[", 1)]
    assert "    intervenant  : Olivier Marlière — Chargé de mission Animation Économique" in block
    assert "    intervieweur : René Lavergne — réalisateur audiovisuel, artoiscast.fr" in block


# --------------------------------------------------------------------------- search


def test_search_json_has_the_documented_shape(env):
    doc = search_json(env, "énergie")
    assert {"query", "total", "suggestion", "results", "facets"} <= doc.keys()
    assert doc["query"] == "énergie"
    assert doc["suggestion"] is None
    assert doc["total"] == len(doc["results"]) > 0  # fewer than 10 recordings: all on page 1
    for result in doc["results"]:
        assert {"recording", "score", "passages"} <= result.keys()
        rec = result["recording"]
        assert {"id", "title", "theme", "page_url", "speakers", "date", "kind", "audio_url"} <= rec.keys()
        assert rec["page_url"] == "https://artoiscast.fr/economie.html"
        assert all({"name", "role"} <= s.keys() for s in rec["speakers"])
        assert rec["date"] is None or re.fullmatch(r"\d{4}(-\d\d){0,2}", rec["date"])
        assert isinstance(result["score"], float) and result["score"] > 0
        assert 1 <= len(result["passages"]) <= 3
        # (a passage may match through its recording's title or people only, so not every one has a mark)
        assert any("<mark>" in p["snippet"] for p in result["passages"])
        for passage in result["passages"]:
            assert {"text", "snippet", "speaker", "start", "end", "verbatim", "link"} <= passage.keys()
            # The default corpus has no transcript: editorial text, no times.
            assert (passage["verbatim"], passage["start"], passage["end"]) == (False, None, None)
            link = urlsplit(passage["link"])
            assert link.path == f"/enregistrement/{rec['id']}" and "t" not in parse_qs(link.query)
    scores = [r["score"] for r in doc["results"]]
    assert scores == sorted(scores, reverse=True)
    for name in ("theme", "speaker", "organisation", "place", "year", "kind"):
        values = doc["facets"][name]
        assert values, name
        assert all({"value", "count"} <= v.keys() and isinstance(v["count"], int) and v["count"] >= 1
                   for v in values)
    ids = [r["recording"]["id"] for r in doc["results"]]
    assert "economie-gazonor-yann-fouant" in ids
    assert {"value": "2025", "count": 5} in [{"value": v["value"], "count": v["count"]} for v in doc["facets"]["year"]]


def test_search_text_output(env):
    result = run(env, "search", "énergie")
    assert result.exit_code == 0
    total = search_json(env, "énergie")["total"]
    assert f"{total} enregistrements pour « énergie » (page 1/1)" in result.output
    assert "**Énergie**" in result.output or "**énergie**" in result.output
    assert "Facettes :" in result.output and "  Thème : " in result.output


def test_theme_filter_narrows(env):
    everything = search_json(env, "énergie")
    [count] = [v["count"] for v in everything["facets"]["theme"] if v["value"] == GREEN_FORUM]
    narrowed = search_json(env, "énergie", "--theme", GREEN_FORUM)
    assert narrowed["total"] == count < everything["total"]
    assert {r["recording"]["theme"] for r in narrowed["results"]} == {GREEN_FORUM}
    assert narrowed["filters"] == {"theme": [GREEN_FORUM]}


def test_theme_filter_works_for_every_theme_value(env):
    # Each value the theme facet offers must select the recordings it counts -
    # also a theme whose title contains a comma.
    everything = search_json(env, "énergie")
    wrong = {}
    for value in everything["facets"]["theme"]:
        narrowed = search_json(env, "énergie", "--theme", value["value"])
        if narrowed["total"] != value["count"]:
            wrong[value["value"]] = (value["count"], narrowed["total"])
    assert wrong == {}


def test_speaker_filter_narrows(env):
    everything = search_json(env, "énergie")
    [count] = [v["count"] for v in everything["facets"]["speaker"] if v["value"] == "René Lavergne"]
    narrowed = search_json(env, "énergie", "--speaker", "René Lavergne")
    assert narrowed["total"] == count < everything["total"]
    for result in narrowed["results"]:
        assert "René Lavergne" in [s["name"] for s in result["recording"]["speakers"]]
    one = search_json(env, "énergie", "--speaker", "Yann Fouant")
    assert [r["recording"]["id"] for r in one["results"]] == ["economie-gazonor-yann-fouant"]
    both = search_json(env, "énergie", "--theme", GREEN_FORUM, "--speaker", "Yann Fouant")
    assert [r["recording"]["id"] for r in both["results"]] == ["economie-gazonor-yann-fouant"]
    nobody = search_json(env, "énergie", "--speaker", "Personne Inventée")
    assert (nobody["total"], nobody["results"]) == (0, [])


@pytest.mark.slow
def test_facet_counts_match_filtered_totals(env):
    everything = search_json(env, "énergie")
    wrong = []
    for name in ("speaker", "organisation", "place", "year", "kind"):
        for value in everything["facets"][name]:
            narrowed = search_json(env, "énergie", f"--{name}", value["value"])
            if narrowed["total"] != value["count"]:
                wrong.append((name, value["value"], value["count"], narrowed["total"]))
    assert wrong == []


# --------------------------------------------------------------------------- environment variables


def test_environment_variables_choose_corpus_and_index(env, tmp_path):
    own_index = tmp_path / "autre" / "index"
    variables = {"ARTOISCAST_CORPUS": str(env["corpus"]), "ARTOISCAST_INDEX": str(own_index)}
    runner = CliRunner()
    checked = runner.invoke(main, ["check"], env=variables)
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(f"Corpus {env['corpus']} : {MEDIA_RECORDINGS} enregistrements")

    missing = runner.invoke(main, ["search", "énergie"], env=variables)
    assert missing.exit_code == 2  # that index does not exist yet
    assert str(own_index) in missing.stderr and "artoiscast index" in missing.stderr

    built = runner.invoke(main, ["index"], env=variables)
    assert built.exit_code == 0, built.output
    assert built.output.splitlines()[0].endswith(f"-> {own_index}")
    assert own_index.is_symlink()

    found = runner.invoke(main, ["search", "énergie", "--json"], env=variables)
    assert found.exit_code == 0
    assert json.loads(found.output)["total"] == search_json(env, "énergie")["total"]

    # An option given on the command line wins over the variable.
    elsewhere = runner.invoke(main, ["--index", str(tmp_path / "vide"), "search", "énergie"], env=variables)
    assert elsewhere.exit_code == 2
