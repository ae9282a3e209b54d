"""A search's parameters: the whole state of a search lives in its URL."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..query import MAX_QUERY_CHARS, clean_query
from .facets import FACETS, FACETS_BY_NAME

MAX_PER_PAGE = 50
MAX_PAGE = 1000
MAX_FILTER_VALUES = 10  # per facet
MAX_FILTER_CHARS = 120
MODES = ("results", "citations", "concordance")
SORTS = ("relevance", "date")


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    mode: str = "results"
    notices: list[str] = field(default_factory=list)
    asked_page: str = ""  # the page number as typed, before it was bounded (for the "past the last page" notice)

    @classmethod
    def from_args(cls, args: Mapping) -> "SearchParams":
        """From URL arguments (a MultiDict or a plain dict); odd values are corrected, never fatal."""

        def get_list(key):
            if hasattr(args, "getlist"):
                return args.getlist(key)
            value = args.get(key)
            return value if isinstance(value, list) else ([value] if value is not None else [])

        q, cut = clean_query(args.get("q") or "")
        params = cls(q=q)
        if cut:
            params.notices.append(f"La recherche a été coupée à {MAX_QUERY_CHARS} caractères.")
        for facet in FACETS:
            values = [str(v).strip() for v in get_list(facet.name) if str(v).strip()]
            if values:
                params.filters[facet.name] = list(dict.fromkeys(v[:MAX_FILTER_CHARS] for v in values))[:MAX_FILTER_VALUES]
        params.page = _int(args.get("page"), 1, 1, MAX_PAGE, params.notices, "page")
        params.asked_page = str(args.get("page") or "").strip()[:12]
        params.per_page = _int(args.get("per_page"), 10, 1, MAX_PER_PAGE, params.notices, "per_page")
        sort = str(args.get("sort") or "relevance")
        params.sort = sort if sort in SORTS else "relevance"
        mode = str(args.get("mode") or "results")
        params.mode = mode if mode in MODES else "results"
        return params

    def url_args(self, **changes) -> list[tuple[str, str]]:
        """The URL state, with changes: the whole search lives in the URL."""
        state = {"q": self.q, "sort": self.sort, "mode": self.mode, "page": self.page, "per_page": self.per_page}
        filters = {k: list(v) for k, v in self.filters.items()}
        for key, value in changes.items():
            if key in FACETS_BY_NAME:
                filters[key] = value
            else:
                state[key] = value
        pairs = []
        if state["q"]:
            pairs.append(("q", state["q"]))
        for facet in FACETS:
            pairs.extend((facet.name, v) for v in filters.get(facet.name, []))
        if state["sort"] != "relevance":
            pairs.append(("sort", state["sort"]))
        if state["mode"] != "results":
            pairs.append(("mode", state["mode"]))
        if state["per_page"] != 10:
            pairs.append(("per_page", str(state["per_page"])))
        if state["page"] != 1:
            pairs.append(("page", str(state["page"])))
        return pairs


def _int(value, default, low, high, notices, name) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        notices.append(f"Valeur « {str(value)[:20]} » ignorée pour {name}.")
        return default
    if number < low or number > high:
        notices.append(f"{name} ramené entre {low} et {high}.")
    return max(low, min(high, number))
