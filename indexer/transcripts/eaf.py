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
    """TIME_SLOT id -> seconds, with the unaligned slots placed between their neighbours.

    The nearest known times are filled in once, in two passes (not searched for at each
    call: that was quadratic in the number of slots)."""

    def __init__(self, time_order: Optional[Element], unit: float):
        self.position: dict[str, int] = {}
        values: list[Optional[float]] = []
        for slot in (time_order.find_all("TIME_SLOT") if time_order is not None else []):
            self.position[slot.attrs.get("TIME_SLOT_ID", "")] = len(values)
            value = number_or_none(slot.attrs.get("TIME_VALUE"))
            values.append(value * unit if value is not None and value >= 0 else None)
        self.starts = list(values)  # the nearest known time at or before each slot
        for index in range(1, len(values)):
            if self.starts[index] is None:
                self.starts[index] = self.starts[index - 1]
        self.ends = list(values)  # the nearest known time at or after each slot
        for index in range(len(values) - 2, -1, -1):
            if self.ends[index] is None:
                self.ends[index] = self.ends[index + 1]

    def start(self, slot_id: str) -> Optional[float]:
        index = self.position.get(slot_id)
        return None if index is None else self.starts[index]

    def end(self, slot_id: str) -> Optional[float]:
        index = self.position.get(slot_id)
        return None if index is None else self.ends[index]


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
    targets = References(annotations)
    for tier in tiers:
        if is_speech_tier(tier, by_id):
            read_tier(transcript, tier, by_id, slots, targets)


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
              targets: "References") -> None:
    speaker = tier_speaker(tier, by_id)
    for annotation in inner_annotations(tier):
        value = annotation_value(annotation)
        if not value.strip():
            continue  # an empty span: silence, not a cue
        aligned, problem = targets.aligned(annotation)
        if aligned is None:
            transcript.skip(annotation.line, f"annotation « {annotation.attrs.get('ANNOTATION_ID', '?')} » "
                                             f"sans temps lisible : {problem}")
            continue
        start, end = annotation_times(aligned, slots)
        if start is None or end is None:
            transcript.skip(annotation.line, f"annotation « {annotation.attrs.get('ANNOTATION_ID', '?')} » "
                                             "sans temps lisible")
            continue
        if end < start:
            transcript.skip(annotation.line, f"fin avant le début ({end} < {start})")
            continue
        if not transcript.add_spoken(start, end, value, speaker, annotation.line, angle_marks=True):
            transcript.skip(annotation.line, "texte vide")


class References:
    """The ALIGNABLE_ANNOTATION each annotation takes its times from, found once for all.

    A REF_ANNOTATION refers to another annotation, which may refer to another …: each
    chain is walked once and every annotation on it remembers the answer (walking it
    again for each annotation was quadratic: a hostile file of long chains took minutes).
    A dangling reference or a cycle is an answer too, with its French reason.
    """

    def __init__(self, annotations: dict[str, Element]):
        self.annotations = annotations
        self.resolved: dict[int, tuple[Optional[Element], str]] = {}  # id(element) -> (aligned, problem)

    def aligned(self, annotation: Element) -> tuple[Optional[Element], str]:
        path: list[Element] = []
        on_path: set[int] = set()
        current: Optional[Element] = annotation
        while True:
            known = self.resolved.get(id(current))
            if known is not None:
                answer = known
                break
            if current.tag == "ALIGNABLE_ANNOTATION":
                answer = (current, "")
                break
            if current.tag != "REF_ANNOTATION":
                answer = (None, f"élément « {current.tag} » inattendu, sans temps")
                break
            if id(current) in on_path:
                answer = (None, f"référence circulaire (ANNOTATION_REF, ligne {current.line})")
                break
            path.append(current)
            on_path.add(id(current))
            ref = current.attrs.get("ANNOTATION_REF", "")
            current = self.annotations.get(ref)
            if current is None:
                answer = (None, f"référence à une annotation absente « {ref[:80]} » (ligne {path[-1].line})")
                break
        for element in path:
            self.resolved[id(element)] = answer
        return answer


def annotation_times(annotation: Element, slots: SlotTimes) -> tuple[Optional[float], Optional[float]]:
    """An alignable annotation's times."""
    return (slots.start(annotation.attrs.get("TIME_SLOT_REF1", "")),
            slots.end(annotation.attrs.get("TIME_SLOT_REF2", "")))
