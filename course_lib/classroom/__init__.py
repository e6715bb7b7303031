"""Classroom room: widgets, charts and exercise checks. They read managers; they never drive the API."""

from .deferred_imports import defer_iri_grammar

# Before any chart is shown: plotly's renderers import nbformat, and with it a grammar no chart needs.
defer_iri_grammar()
