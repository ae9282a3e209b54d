"""SubRip (.srt).

Hand-parsed block by block: srt.parse() stops at the first malformed block
(SRTParseError without a line number), and each bad cue must be reported with
its line while the rest of the file is still read.
"""
from __future__ import annotations

import re

from indexer.transcripts.common import read_timed_block, split_blocks, split_lines, strip_tags
from indexer.transcripts.model import Transcript
from indexer.transcripts.speakers import subtitle_chunks

# {\an8}-style positioning codes some editors leave in SRT text.
ASS_CODE = re.compile(r"\{\\[^{}]*\}")  # no "{" inside: linear on "{\{\{\…"


def read_srt(transcript: Transcript, text: str) -> None:
    for first_line, block in split_blocks(split_lines(text.lstrip("\ufeff"))):
        timed = read_timed_block(transcript, first_line, block)
        if timed is None:
            continue
        line, start, end, cue_lines = timed
        text_lines = [ASS_CODE.sub("", strip_tags(text_line)) for text_line in cue_lines]
        # A label names the speaker of its cue (or dialogue line) only.
        added = [transcript.add_spoken(start, end, chunk_text, chunk_speaker, line)
                 for chunk_speaker, chunk_text in subtitle_chunks(text_lines)]
        if not any(added):
            transcript.skip(line, "texte vide")
