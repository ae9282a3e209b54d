"""corpus.yaml: what to read, and the curated facts no parser can guess.

Loading never raises on a bad value: each problem is reported with the file
and, where YAML tells it, the line; the rest of the file is still used.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml
from unidecode import unidecode

from .harvest.sitelist import read_site_list
from .records import Problem, Speaker

CORPUS_FILE = "corpus.yaml"


@dataclass
class PageSource:
    id: str
    url: Optional[str]
    title: Optional[str]
    file: Optional[str]


@dataclass
class Person:
    name: str
    aliases: list[str] = field(default_factory=list)
    role: Optional[str] = None
    organisation: Optional[str] = None
    interviewer: bool = False


@dataclass
class Organisation:
    name: str
    aliases: list[str] = field(default_factory=list)


def name_key(name: str) -> str:
    """A spelling-insensitive key for names: case, accents, hyphens and spaces folded."""
    return re.sub(r"[\W_]+", " ", unidecode(name).lower()).strip()


@dataclass
class Corpus:
    root: Path
    site: str = "https://artoiscast.fr/"
    pages: list[PageSource] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    thesaurus: list[list[str]] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    recordings: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # corpus.yaml as read
    credits: list[str] = field(default_factory=list)  # the site's credits, shown in the pages' footer

    def __post_init__(self):
        self._people_by_key: dict[str, Person] = {}

    def index_people(self):
        self._people_by_key = {}
        for person in self.people:
            for spelling in [person.name, *person.aliases]:
                self._people_by_key[name_key(spelling)] = person

    def person(self, name: str) -> Optional[Person]:
        return self._people_by_key.get(name_key(name))

    def canonical_name(self, name: str) -> str:
        """The canonical spelling of a person's name.

        From the aliases when the person is known; otherwise all-capital
        surnames are written the usual way ("Yann DILLY" -> "Yann Dilly").
        """
        name = " ".join(name.split())
        person = self.person(name)
        if person:
            return person.name
        return " ".join(_title_if_shouting(part) for part in name.split(" "))

    def speaker(self, name: str, role: Optional[str] = None, organisation: Optional[str] = None,
                interviewer: Optional[bool] = None) -> Speaker:
        """A Speaker with canonical name; missing role/organisation completed from `people`."""
        canonical = self.canonical_name(name)
        person = self.person(canonical)
        return Speaker(
            name=canonical,
            role=role or (person.role if person else None),
            organisation=organisation or (person.organisation if person else None),
            interviewer=bool(interviewer if interviewer is not None else (person.interviewer if person else False)),
            aliases=list(person.aliases) if person else [],
        )

    @property
    def audio_dir(self) -> Path:
        return self.root / "audio"


def _title_if_shouting(word: str) -> str:
    letters = [c for c in word if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return "-".join(p[:1] + p[1:].lower() for p in word.split("-"))
    return word


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def load_corpus(root: os.PathLike | str) -> Corpus:
    root = Path(root)
    corpus = Corpus(root=root)
    path = root / CORPUS_FILE
    rel = str(path)
    if not path.exists():
        corpus.problems.append(Problem(rel, None, "fichier de description du corpus introuvable ; "
                                       "seuls les fichiers de pages/ seront lus", "warning"))
        add_harvested_pages(corpus)
        listed = {page.file for page in corpus.pages}
        for page_file in sorted((root / "pages").glob("*")) if (root / "pages").is_dir() else []:
            if page_file.suffix in (".txt", ".html", ".htm") and f"pages/{page_file.name}" not in listed:
                corpus.pages.append(PageSource(page_file.stem, None, None, f"pages/{page_file.name}"))
        return corpus
    try:
        # libyaml's loader when PyYAML has it: a 1,000-hour archive's corpus.yaml
        # takes seconds with the pure-Python one.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        corpus.problems.append(Problem(rel, line, f"YAML invalide : {getattr(exc, 'problem', exc)}"))
        return corpus
    except (OSError, UnicodeDecodeError) as exc:
        corpus.problems.append(Problem(rel, None, f"lecture impossible : {exc}"))
        return corpus
    if not isinstance(data, dict):
        corpus.problems.append(Problem(rel, None, "le fichier doit contenir un dictionnaire (site, pages, people …)"))
        return corpus
    corpus.data = data

    def bad(section: str, reason: str):
        corpus.problems.append(Problem(rel, None, f"{section} : {reason}", "warning"))

    corpus.site = str(data.get("site") or corpus.site)
    credits = data.get("credits")
    if credits is not None and not all(isinstance(c, str) for c in _as_list(credits)):
        bad("credits", "une phrase, ou une liste de phrases")
    corpus.credits = [" ".join(c.split())[:500] for c in _as_list(credits) if isinstance(c, str) and c.strip()][:10]
    for i, page in enumerate(_as_list(data.get("pages"))):
        if not isinstance(page, dict) or not page.get("id"):
            bad(f"pages[{i}]", "chaque page demande au moins un « id »")
            continue
        corpus.pages.append(PageSource(str(page["id"]), page.get("url"), page.get("title"), page.get("file")))
    for i, person in enumerate(_as_list(data.get("people"))):
        if isinstance(person, str):
            person = {"name": person}
        if not isinstance(person, dict) or not person.get("name"):
            bad(f"people[{i}]", "chaque personne demande un « name »")
            continue
        corpus.people.append(Person(
            name=str(person["name"]),
            aliases=[str(a) for a in _as_list(person.get("aliases"))],
            role=person.get("role"),
            organisation=person.get("organisation"),
            interviewer=bool(person.get("interviewer", False)),
        ))
    for i, org in enumerate(_as_list(data.get("organisations"))):
        if isinstance(org, str):
            org = {"name": org}
        if not isinstance(org, dict) or not org.get("name"):
            bad(f"organisations[{i}]", "chaque organisation demande un « name »")
            continue
        corpus.organisations.append(Organisation(str(org["name"]), [str(a) for a in _as_list(org.get("aliases"))]))
    for i, entry in enumerate(_as_list(data.get("thesaurus"))):
        forms = [str(f) for f in _as_list(entry) if str(f).strip()]
        if len(forms) < 2:
            bad(f"thesaurus[{i}]", "une entrée du thésaurus demande au moins deux formes")
            continue
        corpus.thesaurus.append(forms)
    corpus.places = [str(p) for p in _as_list(data.get("places")) if str(p).strip()]
    recordings = data.get("recordings") or {}
    if not isinstance(recordings, dict):
        bad("recordings", "doit être un dictionnaire identifiant -> description")
        recordings = {}
    for rec_id, spec in recordings.items():
        if not isinstance(spec, dict):
            bad(f"recordings.{rec_id}", "la description doit être un dictionnaire")
            continue
        corpus.recordings[str(rec_id)] = spec
    add_harvested_pages(corpus)
    corpus.index_people()
    return corpus


def add_harvested_pages(corpus: Corpus):
    """The pages `artoiscast fetch --site` found (site.yaml), after the curated ones.

    A curated page wins: a harvested entry with the same id or the same url is
    left out. site.yaml is checked like any corpus file (safe ids, files inside pages/).
    """
    harvested, problems = read_site_list(corpus.root)
    corpus.problems.extend(problems)
    ids = {page.id for page in corpus.pages}
    urls = {page.url.rstrip("/").lower() for page in corpus.pages if page.url}
    for page in harvested:
        if page.id in ids or page.url.rstrip("/").lower() in urls:
            continue
        corpus.pages.append(PageSource(page.id, page.url, page.title, page.file))
        ids.add(page.id)
