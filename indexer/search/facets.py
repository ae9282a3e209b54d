"""Facets: the ways to narrow results, one small class each (as Datasette does).

A facet owns its name (the URL parameter and the CLI option), its labels, where its values
come from (a recording's metadata, or each passage), which passages a value selects, and
the order its counted values are shown in. The page, the API, the exports' filters and the
CLI loop over FACETS: a new facet is one class here, added to FACETS.

    class LanguageFacet(SingleValueFacet):
        name, label, key, missing = "language", "Langue", "language", "langue non précisée"

(its value read from the recording's "language", written by indexer/index.py).
"""
from __future__ import annotations

from ..records import name_key, one_genre
from ..schema import TYPE_SUMMARY, TYPE_VERBATIM

# ``snap`` below is a search.snapshot.Snapshot (not imported: a snapshot knows the facets, not
# the other way round).

# The value of a recording that has none (no theme, no date …): counted, so that a
# facet's counts add up to the results, and selectable like any other value.
NO_VALUE = "-"


class Facet:
    """A facet of recordings: each recording has some values (recording_values); a value
    selects every passage of the recordings that have it, and counts recordings."""

    name = ""
    label = ""  # the facet's heading, on the page and in the CLI
    per_passage = False  # counted from each passage (speaker, type) or from its recording
    missing = ""  # the label of NO_VALUE, for single-valued facets whose counts must add up
    cli_help = ""

    def recording_values(self, rec: dict) -> list[str]:
        return []

    @property
    def units(self) -> str:
        """What it is counted by (Snapshot.facet_units): its own passages' units, or recordings."""
        return self.name if self.per_passage else "recording"

    def display(self, value: str) -> str:
        """The value's label in the search document (API, CLI)."""
        return value

    def page_label(self, value: str) -> str:
        """The value's label on the page (a list of checkboxes, a chip)."""
        return self.display(value)

    def count_units(self, value: str, count: int) -> str:
        """What a count counts, read after it by screen readers: recordings and site texts alike."""
        return ("résultats (enregistrements ou textes du site)" if count > 1
                else "résultat (enregistrement ou texte du site)")

    def select(self, snap, value: str) -> frozenset:
        """The passages a value selects: every passage of the recordings that have it."""
        recordings = [r for r, rec in snap.recordings.items() if value in self.recording_values(rec)]
        return frozenset().union(*(snap.passages_of(r) for r in recordings))

    def ordered(self, counts: dict[str, int]) -> list[tuple[str, int]]:
        """Most frequent first, then alphabetically."""
        return sorted(((v, c) for v, c in counts.items() if v), key=lambda x: (-x[1], x[0].lower()))

    def values(self, counts: dict[str, int], snap) -> list[dict]:
        """The counted values as the search document lists them; "no value" last."""
        values = [{"value": v, "count": c, "label": self.display(v)} for v, c in self.ordered(counts)]
        values.sort(key=lambda v: v["value"] == NO_VALUE)  # stable
        return values


class PassageFacet(Facet):
    """A facet of passages (who speaks, which kind of text): each passage has its values."""

    per_passage = True

    def passage_values(self, snap) -> list[tuple[str, ...]]:
        """Each document's values, by document number."""
        return []

    def select(self, snap, value):
        return snap.passages_with(self.name, value)


class SingleValueFacet(Facet):
    """One value per recording, read from one key; a recording without it has NO_VALUE."""

    key = ""

    def recording_values(self, rec):
        return [rec[self.key]] if rec.get(self.key) else [NO_VALUE]

    def display(self, value):
        return self.missing if value == NO_VALUE else value


class ThemeFacet(SingleValueFacet):
    name, label, key, missing = "theme", "Thème", "theme", "sans thème"
    cli_help = "Filtre thème (répétable)."


class SpeakerFacet(PassageFacet):
    """Who speaks. Its filter folds case and accents and knows each person's other
    spellings; the people who interview are marked, and listed after those interviewed."""

    name, label = "speaker", "Intervenant"
    cli_help = "Filtre intervenant (répétable)."

    def passage_values(self, snap):
        return snap.doc_speakers

    def select(self, snap, value):
        spellings = snap.speaker_spellings.get(name_key(value)) or {value}
        return frozenset().union(*(snap.passages_with(self.name, s) for s in spellings))

    def count_units(self, value, count):
        return "enregistrements" if count > 1 else "enregistrement"

    def values(self, counts, snap):
        values = super().values(counts, snap)
        for value in values:
            if value["value"] in snap.interviewers:
                value["interviewer"] = True
        values.sort(key=lambda v: bool(v.get("interviewer")))  # stable: interviewers last
        return values


class OrganisationFacet(Facet):
    name, label = "organisation", "Organisation"

    def recording_values(self, rec):
        return rec.get("organisations") or []


class PlaceFacet(Facet):
    name, label = "place", "Lieu"

    def recording_values(self, rec):
        return rec.get("places") or []


class YearFacet(SingleValueFacet):
    name, label, key, missing = "year", "Année", "year", "sans date"

    def ordered(self, counts):
        return sorted(((v, c) for v, c in counts.items() if v), reverse=True)  # the newest first


class TypeFacet(PassageFacet):
    name, label = "type", "Type de texte"
    cli_help = "transcription ou résumé"
    LABELS = {TYPE_VERBATIM: "transcription (verbatim)", TYPE_SUMMARY: "résumé, présentation"}

    def passage_values(self, snap):
        return [(t,) for t in snap.doc_type]

    def display(self, value):
        return self.LABELS.get(value, value)

    def page_label(self, value):
        label = self.display(value)
        return label[:1].upper() + label[1:] if value in self.LABELS else label


class AudioFacet(Facet):
    name, label = "audio", "Avec audio"
    cli_help = "oui ou non : enregistrements avec ou sans audio."

    def recording_values(self, rec):
        return ["oui" if rec.get("has_audio") else "non"]

    def page_label(self, value):
        return {"oui": "Avec audio", "non": "Sans audio"}.get(value, value)


class KindFacet(SingleValueFacet):
    name, label, key, missing = "kind", "Genre", "kind", "genre non précisé"
    SITE_TEXT = "texte de la page"  # a text of the site's pages, not a recording

    def page_label(self, value):
        if value == self.SITE_TEXT:
            return "Texte du site (pas un enregistrement)"
        label = self.display(value)
        return label[:1].upper() + label[1:]

    def select(self, snap, value):
        # "interview" and "entretien" are one genre (records.one_genre): an address that asks
        # for the one finds the other, as the index holds it.
        return super().select(snap, one_genre(value) or value)

    def count_units(self, value, count):
        if value == self.SITE_TEXT:
            return "textes du site" if count > 1 else "texte du site"
        return "enregistrements" if count > 1 else "enregistrement"


# In the order a student reads them: the page, the API's facets, the CLI options and its output follow it.
FACETS: list[Facet] = [ThemeFacet(), SpeakerFacet(), OrganisationFacet(), PlaceFacet(), YearFacet(), TypeFacet(),
                       AudioFacet(), KindFacet()]
FACETS_BY_NAME = {f.name: f for f in FACETS}
