"""site.yaml: the pages found on the site by `artoiscast fetch --site`.

Written by the harvester, read by load_corpus. Curated pages (corpus.yaml) win:
an entry with the same id or url as a curated page is ignored. Everything read
here is checked, since a corpus is untrusted input: ids are safe slugs, files
are ``pages/<id>.html`` inside the corpus, urls are http(s).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

import yaml
from unidecode import unidecode

from ..corpus_files import CorpusFileError, max_yaml_bytes, read_corpus_file
from ..corpus_writes import write_atomic
from ..records import Problem, web_url
from .safe_yaml import YamlRefused, read_yaml

SITE_LIST = "site.yaml"
SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
HEADER = """\
# Pages found on the site by `artoiscast fetch --site` - written by the harvester,
# read by `check` and `index` together with corpus.yaml. Do not edit by hand: to
# curate a page (title, file ...), list it in corpus.yaml, which wins over this list.
"""


@dataclass
class SitePage:
    id: str
    url: str
    title: Optional[str] = None

    @property
    def file(self) -> str:
        return page_file(self.id)


def page_file(page_id: str) -> str:
    return f"pages/{page_id}.html"


def page_path(root: Path, page_id: str) -> Optional[Path]:
    """Where `fetch` writes page ``page_id``: pages/<id>.html, or None for an id that would
    lead elsewhere (a curated id is free text: "../x" or "a/b" must not become a path)."""
    if not page_id or page_id.startswith(".") or re.search(r"[/\\\x00]", page_id):
        return None
    pages_dir = (Path(root) / "pages").resolve()
    path = (Path(root) / page_file(page_id)).resolve()
    return path if path.parent == pages_dir else None


def slug_from_url(url: str) -> str:
    """A safe id from a URL's path: "/brume/corons.html" -> "brume-corons"; never a path."""
    path = unquote(urlsplit(url).path)
    path = re.sub(r"(?:/index)?\.s?html?$|/+$", "", path, flags=re.I)
    slug = re.sub(r"[^a-z0-9]+", "-", unidecode(path).lower()).strip("-")
    return slug[:60].strip("-") or "accueil"


def unique_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def read_site_list(root: Path) -> tuple[list[SitePage], list[Problem]]:
    """The harvested pages of a corpus, each checked; problems name site.yaml."""
    path = Path(root) / SITE_LIST
    if not path.exists() and not path.is_symlink():
        return [], []
    try:  # read as corpus.yaml is: inside the corpus, a regular file, bounded, no YAML aliases
        data = read_yaml(read_corpus_file(root, SITE_LIST, max_yaml_bytes()).decode("utf-8"))[0] or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [Problem(SITE_LIST, mark.line + 1 if mark else None,
                            f"YAML invalide : {getattr(exc, 'problem', exc)} (pages récoltées ignorées)")]
    except YamlRefused as exc:
        return [], [Problem(SITE_LIST, exc.line, f"{exc} (pages récoltées ignorées)")]
    except (CorpusFileError, UnicodeDecodeError) as exc:
        return [], [Problem(SITE_LIST, None, f"lecture impossible : {exc}")]
    entries = data.get("pages") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return [], [Problem(SITE_LIST, None, "une liste « pages » est attendue (pages récoltées ignorées)")]
    pages, problems, seen = [], [], set()
    pages_dir = (Path(root) / "pages").resolve()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(Problem(SITE_LIST, None, f"pages[{i}] : un dictionnaire est attendu", "warning"))
            continue
        page_id, url = str(entry.get("id") or ""), web_url(str(entry.get("url") or ""))
        if not SAFE_ID.match(page_id) or page_id in seen:
            problems.append(Problem(SITE_LIST, None, f"pages[{i}] : identifiant invalide ou répété "
                                    f"« {page_id[:60]} » (ignoré)", "warning"))
            continue
        if not url:
            problems.append(Problem(SITE_LIST, None, f"pages[{i}] ({page_id}) : adresse http(s) attendue",
                                    "warning"))
            continue
        # The id is a safe slug, so this holds; checked all the same, as every path of a corpus.
        if not (Path(root) / page_file(page_id)).resolve().is_relative_to(pages_dir):
            problems.append(Problem(SITE_LIST, None, f"pages[{i}] : fichier hors de pages/ (ignoré)"))
            continue
        title = entry.get("title")
        pages.append(SitePage(page_id, url, str(title)[:200] if title else None))
        seen.add(page_id)
    return pages, problems


def write_site_list(root: Path, site: str, pages: list[SitePage]) -> bool:
    """Writes site.yaml if its content changes (an unchanged site leaves the corpus untouched)."""
    data = {"site": site, "pages": [
        {k: v for k, v in (("id", p.id), ("url", p.url), ("title", p.title), ("file", p.file)) if v}
        for p in pages]}
    text = HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    try:
        if read_corpus_file(root, SITE_LIST, max_yaml_bytes()).decode("utf-8") == text:
            return False
    except (CorpusFileError, UnicodeDecodeError):
        pass
    write_atomic(root, SITE_LIST, text.encode("utf-8"))  # never through a link planted in the corpus
    return True


def harvested_copy(root: Path, page_id: str, url: Optional[str], manifest_pages: dict[str, dict]) -> Optional[str]:
    """pages/<id>.html when `fetch` downloaded it from ``url`` (harvest.json says so), else None.

    A curated page listed with a text capture (pages/economie.txt) then follows the site:
    the HTML has the links' addresses, which the audio download and the player need."""
    path = page_path(root, page_id)
    if not url or path is None or not path.is_file():
        return None
    wanted = url.rstrip("/").lower()
    for fetched_url, entry in manifest_pages.items():
        if fetched_url.rstrip("/").lower() == wanted and entry.get("id") == page_id and entry.get("sha256"):
            return page_file(page_id)
    return None
