"""A recording and a passage as the search document gives them: JSON-ready, with their links."""
from __future__ import annotations

from typing import Optional

from ..anchors import cue_spans, first_match_time, time_at
from ..highlight import approximate_matches, find_matches, kwic, mark_cues, snippet, with_approximate
from ..links import audio_path, recording_path
from ..query import ParsedQuery
from ..schema import TYPE_EVENTS, TYPE_VERBATIM
from .snapshot import Snapshot


class Shaper:
    """Turns stored recordings and passages into the document's dictionaries; every link
    is written by indexer.links, prefixed with the site's address when it is known."""

    def __init__(self, base_url: str = ""):
        self.base_url = base_url.rstrip("/")

    def recording_link(self, rec_id: str, start: Optional[float] = None, end: Optional[float] = None,
                       q: str = "") -> str:
        return self.base_url + recording_path(rec_id, start, end, q)

    def media_url(self, rec: dict) -> Optional[str]:
        if rec.get("audio_file"):
            return self.base_url + audio_path(rec["audio_file"])
        if rec.get("media") == "audio" and rec.get("audio_url") and not rec.get("audio_dead"):
            return rec["audio_url"]
        return None

    def recording(self, rec: dict) -> dict:
        return {
            "id": rec["id"],
            "title": rec["title"],
            "theme": rec.get("theme"),
            "page_url": rec.get("page_url"),
            "speakers": [
                {"name": s["name"], "role": s.get("role"), "organisation": s.get("organisation"),
                 "interviewer": bool(s.get("interviewer"))}
                for s in rec.get("speakers", [])
            ],
            "date": rec.get("date"),
            "date_label": rec.get("date_label"),
            "kind": rec.get("kind"),
            "media": rec.get("media"),
            "audio_url": self.media_url(rec),
            "source_audio_url": rec.get("audio_url"),
            "has_audio": bool(rec.get("has_audio")),
            "audio_dead": bool(rec.get("audio_dead")),  # its link was found dead (fetch --audio)
            "places": rec.get("places", []),
            "organisations": rec.get("organisations", []),
            "link": self.recording_link(rec["id"]),
        }

    def passage(self, snap: Snapshot, docnum: int, parsed: Optional[ParsedQuery], q: str,
                with_kwic: bool = True, timed_only: bool = False) -> dict:
        """One passage, the query's words marked; ``timed_only``: looked for only where the
        passage has times to map them to (an export's cost)."""
        stored = snap.searcher().stored_fields(docnum)
        text = stored.get("text") or ""
        matches = []
        approximate = stored.get("approximate") or []
        named = []
        if parsed and (not timed_only or stored.get("anchors")):
            matches = find_matches(text, parsed.terms, parsed.phrases, parsed.exact_phrases)
            named = approximate_matches(approximate, parsed.terms, parsed.phrases, parsed.exact_phrases)
            matches = with_approximate(matches, named)
        rec_id = stored["recording_id"]
        rec = snap.recordings.get(rec_id, {})
        start, end = stored.get("start"), stored.get("end")
        at = first_match_time(stored, matches)  # every link and time shown of this passage
        speaker = stored.get("speaker_name")
        passage = {
            "recording_id": rec_id,
            "n": stored.get("passage_no"),
            "text": text,
            "snippet": snippet(text, matches),
            "speaker": speaker,
            "speaker_role": next((sp.get("role") for sp in rec.get("speakers", []) if sp["name"] == speaker), None),
            "interviewer": bool(stored.get("is_interviewer")),
            "start": start,
            "end": end,
            "at": at,
            "verbatim": snap.doc_type[docnum] in (TYPE_VERBATIM, TYPE_EVENTS),
            "label": stored.get("label"),
            "cues": stored.get("cues") or [],
            "topic": stored.get("topic"),
            "link": self.recording_link(rec_id, at, end, q),
            # Speech recognition's, unreviewed: {"model", "date"} (None for a human transcript or a summary).
            "automatic": rec.get("automatic") if snap.doc_type[docnum] == TYPE_VERBATIM else None,
            # A speaker named by voice, not by a person: {"automatic": true, "confidence": 0..1}.
            "speaker_attribution": {"automatic": True, "confidence": stored["speaker_confidence"]}
            if speaker and stored.get("speaker_confidence") is not None else None,
            # Known names heard misspelled: chars [start, end) of "text"; "matched" when the query asked for the name.
            "approximate_names": [{"name": name, "heard": heard, "start": first, "end": last,
                                   "matched": any(m.start == first and m.name == name for m in named)}
                                  for first, last, name, heard, _ in approximate],
        }
        if with_kwic:
            passage["kwic"] = kwic(text, matches)
            for line, match in zip(passage["kwic"], matches):  # each occurrence at its own second
                line["at"] = time_at(stored, match.start)
                line["link"] = self.recording_link(rec_id, line["at"], end, q)
        else:
            passage["html"] = mark_cues(text, matches, stored.get("events"), stored.get("uncertain"),
                                        cue_spans(stored, len(text)))
        return passage
