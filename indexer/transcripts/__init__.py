"""Transcript readers: WebVTT, SRT, Whisper/WhisperX JSON, Transcriber .trs,
timestamped text, oTranscribe .otr, ELAN .eaf, Praat .TextGrid and CHAT .cha
-> cues (spoken words, sound events aside: events.py) -> passages.

    transcript = read_transcript("corpus/transcripts/entretien.vtt")
    passages = passages_from_cues(transcript.cues, transcript.speaker_names)
"""
from indexer.transcripts.model import Transcript
from indexer.transcripts.passages import passages_from_cues
from indexer.transcripts.reader import EXTENSIONS, read_transcript

__all__ = ["EXTENSIONS", "Transcript", "passages_from_cues", "read_transcript"]
