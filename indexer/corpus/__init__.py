"""corpus.yaml: what to read, and the curated facts no parser can guess.

Loading never raises on a bad value: each problem is reported with the file
and, where YAML tells it, the line; the rest of the file is still used.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from ..corpus_files import CorpusFileError, display_name, max_yaml_bytes, read_corpus_file
from ..records import Problem, Speaker, name_key
from .manifest import Manifest
from .safe_yaml import YamlRefused, read_yaml
from .sitelist import harvested_copy, read_site_list

CORPUS_FILE = "corpus.yaml"


@dataclass
class PageSource:
    id: str
    url: Optional[str]
    title: Optional[str]
    file: Optional[str]
    line: Optional[int] = None  # in corpus.yaml, of the entry's "file:" (else of the entry), for reports


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
    problems: list[Problem] = field(default_factory=list)  # corpus.yaml itself unreadable (error) or doubtful
    entry_problems: list[Problem] = field(default_factory=list)  # one entry skipped or merged; the rest is used
    data: dict = field(default_factory=dict)  # corpus.yaml as read
    credits: list[str] = field(default_factory=list)  # the site's credits, shown in the pages' footer
    lines: dict[str, int] = field(default_factory=dict)  # "pages[0].file", "recordings.x.transcript" … -> line
    followed_pages: dict[str, str] = field(default_factory=dict)  # page id -> its listed capture, replaced by fetch's HTML

    def line(self, where: str) -> Optional[int]:
        """The corpus.yaml line of an entry ("recordings.x") or of one of its keys ("recordings.x.audio")."""
        return self.lines.get(where) or self.lines.get(where.rsplit(".", 1)[0])

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
    if not path.exists() and not path.is_symlink():
        add_harvested_pages(corpus)
        read = ("les pages de site.yaml (trouvées par « fetch --site ») et les autres fichiers de pages/ seront lus"
                if corpus.pages else "seuls les fichiers de pages/ seront lus")
        corpus.problems.insert(0, Problem(rel, None, f"fichier de description du corpus introuvable ; {read} ; "
                                          "sans lui, ni personnes connues, ni organisations, ni lieux", "warning"))
        listed = {page.file for page in corpus.pages}
        for page_file in sorted((root / "pages").glob("*")) if (root / "pages").is_dir() else []:
            if page_file.suffix not in (".txt", ".html", ".htm") or f"pages/{page_file.name}" in listed:
                continue
            if display_name(page_file.name) != page_file.name:  # undecodable bytes, kept as surrogates
                corpus.entry_problems.append(Problem(f"pages/{display_name(page_file.name)}", None,
                                                     "nom de fichier qui n'est pas de l'UTF-8 valide : "
                                                     "page ignorée, renommez le fichier"))
                continue
            corpus.pages.append(PageSource(page_file.stem, None, None, f"pages/{page_file.name}"))
        return corpus
    try:
        data, corpus.lines, duplicates = read_yaml(read_corpus_file(root, CORPUS_FILE, max_yaml_bytes()).decode("utf-8"))
        data = data or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        corpus.problems.append(Problem(rel, line, f"YAML invalide : {getattr(exc, 'problem', exc)}"))
        return corpus
    except YamlRefused as exc:
        corpus.problems.append(Problem(rel, exc.line, f"YAML refusé : {exc}"))
        return corpus
    except CorpusFileError as exc:
        corpus.problems.append(Problem(rel, None, f"lecture impossible : {exc}"))
        return corpus
    except UnicodeDecodeError as exc:
        corpus.problems.append(Problem(rel, None, f"lecture impossible : UTF-8 invalide ({exc.reason}, "
                                       f"octet {exc.start})"))
        return corpus
    for mapping, key, line in duplicates:
        where = f"{mapping}.{key}" if mapping else key
        if mapping == "recordings":
            corpus.entry_problems.append(Problem(CORPUS_FILE, line, f"recordings : « {key} » est décrit deux fois ; "
                                                 f"seule la dernière description (ligne {line}) est utilisée"))
        else:  # a whole section repeated loses its first half: an error; a repeated detail, a warning
            severity = "warning" if mapping else "error"
            corpus.entry_problems.append(Problem(CORPUS_FILE, line, f"clé « {where} » en double : seule la "
                                                 "dernière valeur est utilisée", severity))
    if not isinstance(data, dict):
        corpus.problems.append(Problem(rel, None, "le fichier doit contenir un dictionnaire (site, pages, people …)"))
        return corpus
    corpus.data = data

    def bad(section: str, reason: str):
        corpus.problems.append(Problem(rel, corpus.lines.get(section), f"{section} : {reason}", "warning"))

    corpus.site = str(data.get("site") or corpus.site)
    credits = data.get("credits")
    if credits is not None and not all(isinstance(c, str) for c in _as_list(credits)):
        bad("credits", "une phrase, ou une liste de phrases")
    corpus.credits = [" ".join(c.split())[:500] for c in _as_list(credits) if isinstance(c, str) and c.strip()][:10]
    page_lines: dict[str, Optional[int]] = {}
    for i, page in enumerate(_as_list(data.get("pages"))):
        if not isinstance(page, dict) or not page.get("id"):
            bad(f"pages[{i}]", "chaque page demande au moins un « id »")
            continue
        page_id, line = str(page["id"]), corpus.lines.get(f"pages[{i}]")
        if page_id in page_lines:
            corpus.entry_problems.append(Problem(CORPUS_FILE, line, f"pages[{i}] : l'identifiant « {page_id} » est "
                                                 f"déjà celui de la page de la ligne {page_lines[page_id]} : "
                                                 "page ignorée"))
            continue
        page_lines[page_id] = line
        file_line = corpus.lines.get(f"pages[{i}].file", line)  # where a bad file name is reported
        corpus.pages.append(PageSource(page_id, page.get("url"), page.get("title"), page.get("file"), file_line))
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
    follow_fetched_copies(corpus)
    ids = {page.id for page in corpus.pages}
    urls = {page.url.rstrip("/").lower() for page in corpus.pages if page.url}
    for page in harvested:
        if page.id in ids or page.url.rstrip("/").lower() in urls:
            continue
        corpus.pages.append(PageSource(page.id, page.url, page.title, page.file))
        ids.add(page.id)


def follow_fetched_copies(corpus: Corpus):
    """A curated page listed with a text capture (pages/economie.txt) is read from the HTML that
    `fetch` downloaded from its url (pages/economie.html), once there is one: the HTML has the
    links' addresses, which the audio download and the player need. No hand edit of corpus.yaml."""
    fetched = None
    for i, page in enumerate(corpus.pages):
        if not page.url or (page.file and page.file.lower().endswith((".html", ".htm"))):
            continue
        if fetched is None:
            fetched = Manifest.load(corpus.root).pages
        html = harvested_copy(corpus.root, page.id, page.url, fetched)
        if html:
            if page.file:
                corpus.followed_pages[page.id] = page.file
            corpus.pages[i] = PageSource(page.id, page.url, page.title, html, page.line)
