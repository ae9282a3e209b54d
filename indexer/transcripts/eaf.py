"""ELAN (.eaf) XML.

    <ANNOTATION_DOCUMENT>
      <HEADER TIME_UNITS="milliseconds">…</HEADER>
      <TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1500"/><TIME_SLOT TIME_SLOT_ID="ts2"/>…</TIME_ORDER>
      <TIER TIER_ID="Claire" PARTICIPANT="Claire Dumoulin" LINGUISTIC_TYPE_REF="orthographe">
        <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
          <ANNOTATION_VALUE>Bonjour</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
      </TIER>
      <TIER TIER_ID="Claire-trad" PARENT_REF="Claire">
        <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a9" ANNOTATION_REF="a1">…</REF_ANNOTATION></ANNOTATION>
      </TIER>

One tier per participant: each independent tier (no PARENT_REF) is a
speaker, named by its PARTICIPANT attribute, else by its TIER_ID.  A
dependent tier is a translation, a gloss or a comment on its parent: it is
not speech and is not read - unless its parent holds no words (a tier of
segment numbers or empty time spans), in which case it is the transcription
and its REF_ANNOTATIONs take the times of the annotations they refer to.
Time slots without a TIME_VALUE (ELAN interpolates them) take the nearest
known time before them (a start) or after them (an end).
"""
from __future__ import annotations

from typing import Optional

from indexer.transcripts.common import number_or_none
from indexer.transcripts.events import only_numbers
from indexer.transcripts.model import Transcript
from indexer.transcripts.trs import decode_trs
from indexer.transcripts.xmltree import Element, parse_xml


class SlotTimes:
    """TIME_SLOT id -> seconds, with the unaligned slots placed between their neighbours."""

    def __init__(self, time_order: Optional[Element], unit: float):
        self.order: list[str] = []
        self.values: list[Optional[float]] = []
        for slot in (time_order.find_all("TIME_SLOT") if time_order is not None else []):
            self.order.append(slot.attrs.get("TIME_SLOT_ID", ""))
            value = number_or_none(slot.attrs.get("TIME_VALUE"))
            self.values.append(value * unit if value is not None and value >= 0 else None)
        self.position = {slot_id: index for index, slot_id in enumerate(self.order)}

    def start(self, slot_id: str) -> Optional[float]:
        index = self.position.get(slot_id)
        if index is None:
            return None
        return next((v for v in reversed(self.values[:index + 1]) if v is not None), None)

    def end(self, slot_id: str) -> Optional[float]:
        index = self.position.get(slot_id)
        if index is None:
            return None
        return next((v for v in self.values[index:] if v is not None), None)


def annotation_value(annotation: Element) -> str:
    value = annotation.find("ANNOTATION_VALUE")
    return value.text if value is not None else ""


def inner_annotations(tier: Element) -> list[Element]:
    """The ALIGNABLE_ANNOTATION / REF_ANNOTATION elements of a tier."""
    return [inner for wrapper in tier.find_all("ANNOTATION") for inner in wrapper.children]


def read_eaf(transcript: Transcript, data: bytes) -> None:
    text = decode_trs(transcript, data)
    if text is None:
        return
    root = parse_xml(transcript, text)
    if root is None:
        return
    if root.tag != "ANNOTATION_DOCUMENT":
        transcript.fail(f"ce n'est pas un fichier ELAN (élément racine « {root.tag} »)", root.line)
        return
    header = root.find("HEADER")
    unit = 1.0 if header is not None and header.attrs.get("TIME_UNITS") == "seconds" else 0.001
    slots = SlotTimes(root.find("TIME_ORDER"), unit)
    tiers = list(root.find_all("TIER"))
    by_id = {tier.attrs.get("TIER_ID", ""): tier for tier in tiers}
    annotations = {annotation.attrs.get("ANNOTATION_ID", ""): annotation
                   for tier in tiers for annotation in inner_annotations(tier)}
    for tier in tiers:
        if is_speech_tier(tier, by_id):
            read_tier(transcript, tier, by_id, slots, annotations)


def holds_words(tier: Element) -> bool:
    return any(value and not only_numbers(value)
               for value in (annotation_value(a).strip() for a in inner_annotations(tier)))


def is_speech_tier(tier: Element, by_id: dict[str, Element]) -> bool:
    parent = by_id.get(tier.attrs.get("PARENT_REF", ""))
    if not tier.attrs.get("PARENT_REF"):
        return holds_words(tier)
    # A dependent tier is speech only below a parent without words (segment numbers, empty spans).
    return parent is not None and not parent.attrs.get("PARENT_REF") and not holds_words(parent)


def tier_speaker(tier: Element, by_id: dict[str, Element]) -> str:
    parent = by_id.get(tier.attrs.get("PARENT_REF", ""))
    for candidate in (tier, parent):
        if candidate is not None and candidate.attrs.get("PARTICIPANT", "").strip():
            return candidate.attrs["PARTICIPANT"].strip()
    return (parent if parent is not None else tier).attrs.get("TIER_ID", "").strip() or "?"


def read_tier(transcript: Transcript, tier: Element, by_id: dict[str, Element], slots: SlotTimes,
              annotations: dict[str, Element]) -> None:
    speaker = tier_speaker(tier, by_id)
    for annotation in inner_annotations(tier):
        value = annotation_value(annotation)
        if not value.strip():
            continue  # an empty span: silence, not a cue
        start, end = annotation_times(annotation, slots, annotations)
        if start is None or end is None:
            transcript.skip(annotation.line, f"annotation « {annotation.attrs.get('ANNOTATION_ID', '?')} » "
                                             "sans temps lisible")
            continue
        if end < start:
            transcript.skip(annotation.line, f"fin avant le début ({end} < {start})")
            continue
        if not transcript.add_spoken(start, end, value, speaker, annotation.line, angle_marks=True):
            transcript.skip(annotation.line, "texte vide")


def annotation_times(annotation: Element, slots: SlotTimes, annotations: dict[str, Element]
                     ) -> tuple[Optional[float], Optional[float]]:
    """An alignable annotation's own times; a REF_ANNOTATION's are those of the annotation it refers to."""
    seen = set()
    while annotation.tag == "REF_ANNOTATION":
        ref = annotation.attrs.get("ANNOTATION_REF", "")
        if ref in seen or ref not in annotations:
            return None, None  # a dangling or circular reference
        seen.add(ref)
        annotation = annotations[ref]
    if annotation.tag != "ALIGNABLE_ANNOTATION":
        return None, None
    return (slots.start(annotation.attrs.get("TIME_SLOT_REF1", "")),
            slots.end(annotation.attrs.get("TIME_SLOT_REF2", "")))
