"""Who is heard: people named in a link, in a "- de …" line, or in the prose around it.

A name is taken only when it looks like a person's: a known person of corpus.yaml,
or two to four capitalised words that are not an organisation, a place or a
subject ("la fromagerie Vandamme", "Les Brasseurs de la Gohelle"). Leaving a
speaker out is better than inventing one: the recording is then reported by
`check` as naming nobody.
"""
from __future__ import annotations

import re
from typing import Optional

from unidecode import unidecode

from ..corpus import Corpus
from ..dates import FoundDate, find_dates
from ..gazetteer import Gazetteer
from ..records import Speaker
from .lines import Line
from .patterns import CREDIT, KINDS, NAME, NAME_RE, TITLES, UPPER, clean_heading

# Words that make a capitalised phrase an organisation, a place or a thing, not a person.
NOT_A_PERSON = {
    "association", "atelier", "ateliers", "brasserie", "brasseurs", "boulangerie", "cafe", "cave", "centre",
    "chambre", "chocolaterie", "club", "college", "collectif", "comite", "commune", "communaute", "compagnie",
    "conseil", "conservatoire", "cooperative", "departement", "distillerie", "domaine", "ecole", "entreprise",
    "equipe", "etablissements", "federation", "ferme", "festival", "fondation", "fromagerie", "groupe",
    "harmonie", "hopital", "institut", "lycee", "mairie", "maison", "marche", "mediatheque", "bibliotheque",
    "musee", "office", "pole", "region", "salon", "sarl", "sas", "service", "services", "societe", "syndicat",
    "theatre", "universite", "usine", "ville", "amis", "chorale", "fanfare", "jardins", "jardin", "parc", "site",
    "visite", "exposition", "projet",
    # legal forms and shop signs: "Ets DUVAL SA", "SCEA du Moulin"
    "ets", "sa", "sarl", "sas", "sasu", "eurl", "sci", "scea", "scop", "gaec", "earl", "snc", "cie", "ste",
    "profession", "filiere", "metier", "metiers",
}
# Nouns that are a role when printed right after a name without a comma ("Anne Morel directrice des
# collections"), or before it after an article ("l'artiste Jean Roux").
ROLE_NOUN = (r"(?:directeur|directrice|pr[ée]sidente?|vice-pr[ée]sidente?|responsable|charg[ée]e?|g[ée]rante?"
             r"|fondat(?:eur|rice)|co-?fondat(?:eur|rice)|maire|adjointe?|conservat(?:eur|rice)|commissaire"
             r"|animat(?:eur|rice)|cheffe?|secr[ée]taire|tr[ée]sori[èe]re?|d[ée]l[ée]gu[ée]e?|coordinat(?:eur|rice)"
             r"|ing[ée]nieure?|artiste|artisane?|agricult(?:eur|rice)|[ée]leveu(?:r|se)|historienne?|guide"
             r"|architecte|sculpt(?:eur|rice)|peintre|photographe|auteure?|autrice|[ée]crivaine?|chercheu(?:r|se)"
             r"|professeure?|enseignante?|b[ée]n[ée]vole|habitante?|propri[ée]taire|patronne?|cr[ée]at(?:eur|rice)"
             r"|tisserande?|potier|potière|forgeronne?|brasseu(?:r|se)|boulang(?:er|ère)|m[ée]decin|infirmi[èe]re?)")
ROLE_AFTER_NAME = re.compile(rf"^\s+({ROLE_NOUN}\b.*)", re.I)
# A phrase opening with an article is a thing ("Les Halles de Béthune"), unlike "Gwenola Le Kerneau".
ARTICLES = {"le", "la", "les", "l", "des", "du", "au", "aux", "un", "une"}
# People met or heard, named in the text around a link that names nobody.
MET_PEOPLE = re.compile(
    r"(?:nous (?:y )?(?:retrouvons|retouvons|rencontrons|entendons)|rencontre (?:avec|avc)"
    r"|(?:les )?explications? (?:de |d['’]\s*)|(?:le |les )?t[ée]moignages? (?:de |d['’]\s*))\s*",
    re.I,
)
OFFICE_HOLDER = re.compile(
    rf"\b(?:par |avec )?(?:le|la) (maire|pr[ée]sidente?|directeur|directrice|adjointe?)\s*,\s*({NAME})", re.I)
# Where a role printed after a name stops: the sentence goes on ("…, est fier de …").
_ROLE_END = re.compile(
    r"\.\s|\.$|;|\s+(?:il|elle)\s|,\s+(?:un|une)\s|,\s+[\"«“]"
    r"|,\s+(?:est|était|a|ont|nous|vous|qui|revient|présente|raconte|explique|évoque|parle|souligne|rappelle)\b"
    r"|,\s+(?:lors|pendant|durant|au cours|à l['’]occasion)\b"
    r"|\s+(?:est|était)\s+(?:fier|fière|heureux|heureuse|ravie?)\b")
ROLE_LOOKBACK = 12  # lines before a link searched for a role: bounded, so a page costs linear work


def cut_role(role: str) -> Optional[str]:
    """A role as printed, without the sentence that follows it."""
    role = role.strip().lstrip("-–: ")
    role = _ROLE_END.split(role)[0]
    role = re.sub(r"^(?:est\s+)?(?:le|la|l['’]|un|une|du|de la|de l['’]|de)\s*(?=\w)", "", role.strip(" ,.:"),
                  flags=re.I)
    role = role.strip(" ,.:-–")
    return role or None


def _strip_title(text: str) -> tuple[str, Optional[str]]:
    match = TITLES.match(text)
    if not match:
        return text, None
    title = match.group(1)
    return text[match.end():], title[:1].upper() + title[1:]


def _fold(word: str) -> str:
    return unidecode(word).lower().strip("'’")


class People:
    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.places = Gazetteer({p: [] for p in corpus.places})
        self.organisations = Gazetteer({o.name: o.aliases for o in corpus.organisations})

    # ------------------------------------------------------------------ is it a person?
    def looks_like_person(self, name: str, followed_by_role: bool = False) -> bool:
        if self.corpus.person(name):
            return True
        words = name.split()
        parts = [_fold(w) for w in re.split(r"[\s'’\-]+", name) if w]
        if parts[0] in ARTICLES or any(p in NOT_A_PERSON for p in parts):
            return False
        if self.organisations.find(name) or self.places.find(name) == [name]:
            return False
        if all(w.isupper() and len(w) > 1 for w in words):
            return False  # "MAMZELLE FIL", "EPAL": a shop sign or an acronym
        if len(words) == 1:
            # "écouter Sandra, la gérante …": a first name alone only with a role after it.
            return followed_by_role and not words[0].isupper()
        return True

    def person(self, text: str) -> Optional[tuple[str, Optional[str]]]:
        """(name, role) from "Name, role" / "Name - role" / "Lieutenant-colonel Name, role"."""
        text = text.strip(" ,")
        text, title = _strip_title(text)
        match = NAME_RE.match(text)
        if not match:
            return None
        name = match.group(0)
        rest = text[match.end():]
        # "Sandra, la gérante …" is a person; "Gohelle - la fête" a subject.
        has_role = bool(re.match(r"^\s*,\s*\w", rest)) or bool(ROLE_AFTER_NAME.match(rest))
        if not self.looks_like_person(name, followed_by_role=has_role or bool(title)):
            return None
        role = cut_role(rest.lstrip(" ,")) if rest.strip(" ,.") else None
        if title:
            role = f"{title}, {role}" if role else title
        return name, role

    def people_list(self, text: str) -> list[tuple[str, Optional[str]]]:
        """ "A, role et de B, role" -> [(A, role), (B, role)]."""
        parts = re.split(r"\s+et\s+(?:de\s+|d['’]\s*)?(?=[" + UPPER + r"])", text)
        return [found for found in (self.person(part) for part in parts) if found]

    # ------------------------------------------------------------------ the link
    def people_of_link(self, rest: str, kind: str) -> tuple[list[Speaker], list[Speaker], list[FoundDate], bool]:
        """Guests, interviewers and dates printed in the text of a link, and whether it names a subject
        rather than anyone ("- écouter la fromagerie Vandamme - l'affinage")."""
        guests: list[Speaker] = []
        interviewers: list[Speaker] = []
        dates = find_dates(rest)
        # Dates and credits at the end: " - mars 2025", " © octobre 2012".
        rest = re.sub(r"\s*(?:[-–]\s*|©\s*)(?:\d{1,2}(?:er)?\s+)?(?:\w+\s+)?(?:19|20)\d\d\s*$", "", rest).strip()
        montage = re.search(r"\(montage\s+(?P<who>[^)]+)\)", rest, re.I)
        if montage:
            interviewers.append(self.corpus.speaker(montage.group("who"), role="montage", interviewer=True))
            rest = rest[: montage.start()].strip()
        matched_kind = next((p for p, k in KINDS if p.match(rest)), None)
        if matched_kind:
            rest = matched_kind.sub("", rest, count=1).strip()
        # "… par René Lavergne" at the end: the interviewer (for a presentation, the presenter).
        by = re.search(rf"(?:,\s*|\s+)par\s+({NAME})\s*$", rest)
        by_name = None
        if by and not rest.startswith("par "):
            by_name = by.group(1)
            rest = rest[: by.start()].strip(" ,")
        if kind == "présentation" and rest.startswith("par "):
            rest = rest[4:]
        elif kind in ("reportage", "sujet") and re.match(r"^(de|d['’])\s*", rest):
            found = self.person(re.sub(r"^(de|d['’])\s*", "", rest))
            if found:
                interviewers.append(self.corpus.speaker(found[0], role=kind, interviewer=True))
            rest = ""
        elif kind == "entretien" and rest.startswith("par "):
            by_name, rest = rest[4:].strip(), ""
        rest = re.sub(r"^(de|d['’])\s*", "", rest).strip()
        if by_name:
            interviewers.append(self.corpus.speaker(by_name, interviewer=True))
        names_a_subject = False
        if rest:
            team = re.match(r"^(l['’]équipe|les équipes)\b", rest, re.I)
            if team:
                guests.append(self._team(rest))
            else:
                for name, role in self.people_list(rest):
                    guests.append(self.corpus.speaker(name, role))
                names_a_subject = not guests and not matched_kind and not montage
        return guests, interviewers, dates, names_a_subject

    def _team(self, text: str) -> Speaker:
        project = re.search(r"\bdu projet\s+(.*)$", text)
        role = clean_heading(f"projet {project.group(1)}") if project else None
        name = re.sub(r"\s+e?de\s+", " de ", text)  # "l'équipe ede l'ESAD": a typo on the page
        name = re.split(r"\s+du projet\b", name)[0]
        organisation = self.organisations.find(text)
        return Speaker(name=name[:1].upper() + name[1:], role=role, interviewer=False,
                       organisation=organisation[0] if organisation else None)

    # ------------------------------------------------------------------ the prose
    def people_around(self, lines: list[Line], interviewers: list[Speaker]) -> list[Speaker]:
        """People the text says are heard: "Nous retrouvons A du C2RP et B du Cd2e", "le Maire, X",
        "explications d'X, directrice de …"."""
        known = {s.name for s in interviewers}
        found: list[Speaker] = []
        for line in lines:
            if CREDIT.match(line.text):
                continue  # "photos : X" names who took the pictures
            for match in MET_PEOPLE.finditer(line.text):
                after = line.text[match.end():]
                after = re.split(r"(?<=[a-zé)])\.\s|\.$", after)[0]
                for name, role in self.people_list(after):
                    speaker = self.corpus.speaker(name, cut_role(re.sub(r"\s*\([^)]*\)", "", role)) if role else None)
                    if speaker.name not in known:
                        found.append(speaker)
                        known.add(speaker.name)
            for match in OFFICE_HOLDER.finditer(line.text):
                if not self.looks_like_person(match.group(2)):
                    continue
                speaker = self.corpus.speaker(match.group(2), match.group(1)[:1].upper() + match.group(1)[1:])
                if speaker.name not in known:
                    found.append(speaker)
                    known.add(speaker.name)
        return found

    def role_in_text(self, name: str, lines: list[Line]) -> Optional[str]:
        """A role printed next to the name: "Name est …", "Name, directeur du …, est fier …"."""
        # Line by line: a role never runs on into the next line of the page.
        spelled = re.escape(name).replace(r"\ ", r"\s+")
        for pattern in (rf"{spelled}\s+est\s+(.+)", rf"{spelled}\s*,\s*(.+)", rf"{spelled}\s+({ROLE_NOUN}\b.+)"):
            for line in lines:
                if CREDIT.match(line.text):
                    continue
                for match in re.finditer(pattern, line.text):
                    role = cut_role(match.group(1))
                    if role and len(role) >= 4 and not re.match(r"^(?:par|et|avec|qui|que|dont|où)\b", role):
                        return role
        # "accueillir l'artiste Jean Roux": the role printed before the name, after an article.
        before = re.compile(rf"(?:\b[lL]['’]\s*|\b(?:le|la)\s+)({ROLE_NOUN})\s+{spelled}\b")
        for line in lines:
            match = before.search(line.text)
            if match and not CREDIT.match(line.text):
                return match.group(1)
        return None

    def organisation_of(self, role: Optional[str]) -> Optional[str]:
        found = self.organisations.find(role) if role else []
        return found[0] if found else None
