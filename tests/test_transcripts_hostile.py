"""Hostile transcript files (issue 19, points 4, 5 and 6's time bound): work that grew with
the square of the input, and a time limit on every file's parsing.

Files are generated here (invented speakers and words), a few MB at most. Each read runs
in a subprocess with a timeout: the quadratic versions needed minutes here, so the test
fails on them by TimeoutExpired; nothing measures how long the linear ones take.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.corpus_files import ParseTimeLimit, parse_time_limit

REPO = Path(__file__).resolve().parent.parent
BOUND = 60  # seconds


def read_in_subprocess(path: Path, env: dict | None = None) -> dict:
    """read_transcript(path) in a fresh interpreter: its cues and problems, as JSON."""
    code = ("import json, sys\n"
            "from indexer.transcripts import read_transcript\n"
            "t = read_transcript(sys.argv[1])\n"
            "print(json.dumps({'cues': [[c.start, c.end, c.speaker, c.text] for c in t.cues],"
            " 'problems': [[p.line, p.reason] for p in t.problems]}))\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=BOUND,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def chained_eaf(links: int, unaligned_slots: int) -> str:
    """An ELAN file whose dependent tier's REF_ANNOTATIONs each refer to the previous one (one
    chain ``links`` long), plus a cycle of two, and many time slots without a value."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT>\n<HEADER TIME_UNITS="milliseconds"/>\n'
             '<TIME_ORDER>\n<TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1000"/>\n']
    parts += [f'<TIME_SLOT TIME_SLOT_ID="u{i}"/>\n' for i in range(unaligned_slots)]
    parts.append('<TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="4000"/>\n</TIME_ORDER>\n'
                 '<TIER TIER_ID="Segments" PARTICIPANT="Gaston Vermeulen">\n<ANNOTATION><ALIGNABLE_ANNOTATION '
                 'ANNOTATION_ID="a0" TIME_SLOT_REF1="u3" TIME_SLOT_REF2="u7"><ANNOTATION_VALUE>1'
                 '</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>\n</TIER>\n'
                 '<TIER TIER_ID="Paroles" PARENT_REF="Segments">\n')
    previous = "a0"
    for i in range(links):
        parts.append(f'<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="r{i}" ANNOTATION_REF="{previous}">'
                     f'<ANNOTATION_VALUE>bobinette {i}</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>\n')
        previous = f"r{i}"
    parts.append('<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="c1" ANNOTATION_REF="c2"><ANNOTATION_VALUE>'
                 'boucle un</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>\n'
                 '<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="c2" ANNOTATION_REF="c1"><ANNOTATION_VALUE>'
                 'boucle deux</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>\n</TIER>\n</ANNOTATION_DOCUMENT>\n')
    return "".join(parts)


@pytest.mark.slow
def test_elan_reference_chains_are_resolved_once_and_cycles_reported(tmp_path):
    path = tmp_path / "chaine.eaf"
    links = 25_000
    path.write_text(chained_eaf(links, unaligned_slots=10_000), encoding="utf-8")
    assert path.stat().st_size < 5_000_000
    read = read_in_subprocess(path)
    assert len(read["cues"]) == links
    # Every link takes the times of the chain's head; u3 and u7 have no value: the known neighbours'.
    assert {(start, end) for start, end, _, _ in read["cues"]} == {(1.0, 4.0)}
    assert read["cues"][-1][2] == "Gaston Vermeulen" and read["cues"][-1][3] == f"bobinette {links - 1}"
    last_line = 4 + 10_000 + 6 + links + 1
    assert read["problems"] == [
        [last_line + 1, f"annotation « c1 » sans temps lisible : référence circulaire (ANNOTATION_REF, ligne {last_line + 1})"],
        [last_line + 2, f"annotation « c2 » sans temps lisible : référence circulaire (ANNOTATION_REF, ligne {last_line + 1})"],
    ]


@pytest.mark.slow
def test_chat_lines_full_of_unclosed_brackets_are_read_in_linear_time(tmp_path):
    path = tmp_path / "crochets.cha"
    hostile = "bobine [ " * 80_000 + "[=! soupir " * 10_000 + "navette" + " " * 100_000 + "."
    path.write_text("@UTF8\n@Begin\n@Participants:\tGAS Gaston_Vermeulen Participant\n"
                    f"*GAS:\t{hostile} \x151000_2000\x15\n"
                    "*GAS:\tla navette [/] la navette &=rit file [: vite] . \x152000_3000\x15\n@End\n",
                    encoding="utf-8")
    read = read_in_subprocess(path)
    first, second = read["cues"]
    assert first[:2] == [1.0, 2.0] and first[3].count("bobine") == 80_000 and first[3].endswith("navette.")
    assert second[3] == "la navette la navette file."  # the closed codes are still removed


def test_parse_time_limit_stops_a_busy_parser():
    with pytest.raises(ParseTimeLimit) as stopped:
        with parse_time_limit(0.2):
            while True:
                pass
    assert "ARTOISCAST_MAX_PARSE_SECONDS" in stopped.value.reason()


def test_index_reports_the_file_that_took_too_long_and_indexes_the_others(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "transcripts").mkdir(parents=True)
    cues = ["WEBVTT\n"] + [f"\n{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000 --> "
                           f"{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.900\nla navette numéro {i}\n"
                           for i in range(40_000)]
    (corpus / "transcripts" / "interminable.vtt").write_text("".join(cues), encoding="utf-8")
    (corpus / "transcripts" / "courte.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Gaston Vermeulen>La courtepointe de ma grand-mère.\n",
        encoding="utf-8")
    (corpus / "corpus.yaml").write_text(
        "recordings:\n  interminable:\n    title: Une bobine interminable\n    transcript: transcripts/interminable.vtt\n"
        "  courte:\n    title: Une courte histoire\n    transcript: transcripts/courte.vtt\n", encoding="utf-8")
    index = tmp_path / "index"
    done = subprocess.run([sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), "index",
                           "--quiet"], capture_output=True, text=True, timeout=BOUND,
                          env={**os.environ, "PYTHONPATH": str(REPO), "ARTOISCAST_MAX_PARSE_SECONDS": "0.05"})
    output = done.stdout + done.stderr
    assert "transcripts/interminable.vtt" in output and "lecture arrêtée après 0.05 s de calcul" in output
    from indexer.search import SearchParams, SearchService
    found = SearchService(index).search(SearchParams.from_args({"q": "courtepointe"}))
    assert found["total"] >= 1
