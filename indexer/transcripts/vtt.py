"""WebVTT (.vtt).

Hand-parsed block by block: webvtt-py drops malformed cues silently and keeps
no line numbers, and a Problem must say which line is wrong.
"""
from __future__ import annotations

import html
import re

from indexer.transcripts.common import collapse_spaces, read_timed_block, split_blocks, split_lines, strip_tags
from indexer.transcripts.model import Transcript
from indexer.transcripts.speakers import subtitle_chunks

HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
# Blocks that carry no speech.
SKIPPED_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t].*)?$")
# <v Name>, <v.class1.class2 Name>; the closing </v> is optional.
VOICE_TAG = re.compile(r"<v(?:\.[^\s<>]*)?(?:[ \t]+([^>]*))?>")


def read_vtt(transcript: Transcript, text: str) -> None:
    lines = split_lines(text.lstrip("\ufeff"))
    blocks = split_blocks(lines)
    if blocks and blocks[0][0] == 1 and HEADER.match(blocks[0][1][0]):
        header = blocks.pop(0)[1]  # WEBVTT and its metadata lines
        timing = next((i for i, line in enumerate(header) if "-->" in line), None)
        if timing is not None:
            # No blank line after the header: the first cue is glued to it.
            transcript.warn(1, "ligne vide manquante après l'en-tête WEBVTT")
            cue_start = max(1, timing - 1)
            blocks.insert(0, (1 + cue_start, header[cue_start:]))
    else:
        transcript.warn(1, "en-tête « WEBVTT » absent")
    for first_line, block in blocks:
        if SKIPPED_BLOCK.match(block[0]):
            continue
        read_cue_block(transcript, first_line, block)


def read_cue_block(transcript: Transcript, first_line: int, block: list[str]) -> None:
    timed = read_timed_block(transcript, first_line, block)
    if timed is None:
        return
    line, start, end, cue_lines = timed
    added = [transcript.add_spoken(start, end, text, speaker, line)
             for speaker, text in voice_chunks("\n".join(cue_lines))]
    if not any(added):
        transcript.skip(line, "texte vide")


def voice_chunks(payload: str) -> list[tuple[str | None, str]]:
    """Cue payload -> [(speaker, plain text)], one chunk per voice, empty chunks dropped.

    A cue with two <v> spans gives two chunks.  Outside any <v>, a subtitle
    label ("[Claire] …", "- [Claire] …") names the speaker of that cue or line
    only; an unlabelled cue has speaker None.
    """
    # re.split with one group: [text before any voice, name1, text1, name2, text2, …]
    # No tag after the last ">": splitting only up to it keeps "<v <v <v …" (never
    # closed) linear, where each "<v" would be scanned to the end of the cue.
    tags_end = payload.rfind(">") + 1
    parts = VOICE_TAG.split(payload[:tags_end])
    parts[-1] += payload[tags_end:]
    chunks = [(None, parts[0])]
    for index in range(1, len(parts), 2):
        name = collapse_spaces(parts[index] or "") or None
        chunks.append((name, parts[index + 1]))
    result = []
    for speaker, raw in chunks:
        # Tags first, then entities, so that "&lt;i&gt;" stays as text.
        lines = [html.unescape(strip_tags(line)) for line in raw.split("\n")]
        labelled = subtitle_chunks(lines) if speaker is None else [(speaker, collapse_spaces(" ".join(lines)))]
        for label, text in labelled:
            if text:
                append_chunk(result, label, text)
    return result


def append_chunk(result: list[tuple[str | None, str]], speaker: str | None, text: str) -> None:
    """Add a chunk, merged with the previous one when the same voice goes on."""
    if result and result[-1][0] == speaker:
        result[-1] = (speaker, result[-1][1] + " " + text)
    else:
        result.append((speaker, text))
