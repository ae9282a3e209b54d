"""Search over the index: one JSON-ready document for the page, the API, the exports and the CLI.

    service = SearchService("var/index")
    doc = service.search(SearchParams.from_args({"q": "énergie", "theme": "…"}))

The rooms, in the order a request goes through them:

- params.py: SearchParams, the whole state of a search (it lives in the URL);
- service.py: SearchService, the current index generation and each request's bounds (bounds.py);
- snapshot.py: one generation opened, its per-document tables in memory, its cache;
- matching.py: sets of passages - matches, filters, facet counts, rankings;
- document.py: the search document, from parameters to the whole answer;
- passages.py: a recording and a passage as the document gives them, with their links;
- facets.py: one small class per facet; facet_counts.py: counting them with numpy.
"""
from .bounds import EXPENSIVE_SLOTS, EXPENSIVE_TERMS, Overloaded
from .document import CONCORDANCE_NEEDS_WORDS, MAX_EXPORT, SearchDocument, fields_of
from .facets import FACETS, FACETS_BY_NAME, NO_VALUE, Facet
from .params import MODES, SORTS, SearchParams
from .service import SearchService

__all__ = ["CONCORDANCE_NEEDS_WORDS", "EXPENSIVE_SLOTS", "EXPENSIVE_TERMS", "FACETS", "FACETS_BY_NAME", "Facet",
           "MAX_EXPORT", "MODES", "NO_VALUE", "Overloaded", "SORTS", "SearchDocument", "SearchParams", "SearchService",
           "fields_of"]
