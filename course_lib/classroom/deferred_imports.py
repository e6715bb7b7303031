"""Keep a learner's first chart fast: defer a grammar that jsonschema compiles on import and plotly never uses.

Introduced in notebook 01_stateless_reality (its first chart is the first to pay for this).

A plotly figure shown in a notebook goes through plotly's renderers, which import nbformat, which
imports jsonschema; jsonschema (4.25 and later, through the ``format-nongpl`` extra that Jupyter
installs) imports ``rfc3987_syntax``, which compiles about forty lark grammars at import time, about
2.5 s of CPU on the course's two-core machine, to check the ``iri`` string format. Neither plotly nor
nbformat checks that format (python-jsonschema/jsonschema#1428 is the upstream report). So until
something actually asks for ``rfc3987_syntax``, a stand-in takes its place in ``sys.modules``; the
first real use (a schema with ``"format": "iri"``, or any other name of the package) imports the real
module and hands the call on, so every check gives the same answer it would have without this.
The test run loads this module before nbval too (``-p course_lib.classroom.deferred_imports`` in
pyproject.toml), so each pytest process, which imports nbformat, saves the same time.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

__all__ = ["GRAMMAR_MODULE", "defer_iri_grammar", "real_module"]

GRAMMAR_MODULE = "rfc3987_syntax"


def defer_iri_grammar() -> bool:
    """Put a stand-in for ``rfc3987_syntax`` in ``sys.modules``; True if one was put there.

    Introduced in notebook 01_stateless_reality (course_lib's classroom calls it before any chart).
    Does nothing when jsonschema is already imported (too late to help), when the real module is
    already loaded, or when it is not installed (jsonschema then skips the ``iri`` check anyway).
    """
    if "jsonschema" in sys.modules or GRAMMAR_MODULE in sys.modules:
        return False
    spec = importlib.util.find_spec(GRAMMAR_MODULE)
    if spec is None:
        return False
    stand_in = types.ModuleType(GRAMMAR_MODULE, "Stand-in until the IRI grammar is needed (course_lib).")
    stand_in.__spec__ = spec  # find_spec() keeps answering where the real package is
    stand_in.__path__ = list(spec.submodule_search_locations or [])  # its submodules still import normally

    def is_valid_syntax(term: str, value: str) -> bool:
        """The real ``rfc3987_syntax.is_valid_syntax``, imported on the first call (jsonschema's ``iri`` check)."""
        return real_module().is_valid_syntax(term, value)

    def __getattr__(name: str) -> Any:  # PEP 562: any other name loads the real module
        return getattr(real_module(), name)

    stand_in.is_valid_syntax = is_valid_syntax
    stand_in.__getattr__ = __getattr__
    stand_in.course_lib_stand_in = True
    sys.modules[GRAMMAR_MODULE] = stand_in
    return True


def real_module() -> types.ModuleType:
    """The real ``rfc3987_syntax``, importing it (and retiring the stand-in) the first time it is needed."""
    loaded = sys.modules.get(GRAMMAR_MODULE)
    if getattr(loaded, "course_lib_stand_in", False):
        del sys.modules[GRAMMAR_MODULE]
    return importlib.import_module(GRAMMAR_MODULE)
