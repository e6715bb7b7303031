"""A chart's first show skips the IRI grammar jsonschema compiles on import, and IRI checks still answer the same.

Each probe runs in a fresh interpreter: whether a module was imported is a fact about one process.
"""

import importlib.util
import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None,
                                reason="rfc3987_syntax is not installed, so there is nothing to defer")

# Values whose IRI validity RFC 3987 settles: absolute IRIs (one with non-ASCII letters), and strings that are not.
IRIS = {"https://example.com/a?b=c#d": True, "http://例え.テスト/パス": True, "urn:isbn:0451450523": True,
        "not an iri": False, "http://exa mple.com": False, "/relative/only": False}


def probe(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_showing_a_chart_loads_no_grammar_until_an_iri_is_checked():
    result = probe(f"""
import json, sys
import course_lib.classroom.charts
import plotly.io._renderers  # what fig.show() imports in a notebook: nbformat, and with it jsonschema
before = "lark" in sys.modules
import jsonschema
validator = jsonschema.Draft7Validator({{"format": "iri"}}, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
answers = {{value: validator.is_valid(value) for value in {list(IRIS)!r}}}
print(json.dumps({{"grammar_before": before, "grammar_after": "lark" in sys.modules, "answers": answers}}))
""")
    assert result["grammar_before"] is False
    assert result["answers"] == IRIS
    assert result["grammar_after"] is True


def test_the_rest_of_the_package_is_the_real_one_once_asked_for():
    result = probe("""
import json
from course_lib.classroom.deferred_imports import defer_iri_grammar
import rfc3987_syntax
stand_in = rfc3987_syntax
answer = rfc3987_syntax.is_valid_syntax_iri("https://example.com/")  # a name only the real module has
import rfc3987_syntax
print(json.dumps({"answer": answer, "real_now": rfc3987_syntax is not stand_in and hasattr(rfc3987_syntax, "__file__"),
                  "deferred_again": defer_iri_grammar()}))
""")
    assert result == {"answer": True, "real_now": True, "deferred_again": False}


def test_the_stand_in_still_says_where_the_package_is():
    result = probe("""
import importlib.util, json, sys
from course_lib.classroom.deferred_imports import GRAMMAR_MODULE
spec = importlib.util.find_spec(GRAMMAR_MODULE)  # raises ValueError for a module in sys.modules without a spec
print(json.dumps({"origin": spec.origin, "still_deferred": "lark" not in sys.modules}))
""")
    assert result["origin"].endswith("rfc3987_syntax/__init__.py") and result["still_deferred"] is True


def test_nothing_is_deferred_once_jsonschema_is_loaded():
    result = probe("""
import json, sys
import jsonschema
from course_lib.classroom.deferred_imports import defer_iri_grammar
print(json.dumps({"deferred": defer_iri_grammar(), "real": hasattr(sys.modules["rfc3987_syntax"], "__file__")}))
""")
    assert result == {"deferred": False, "real": True}
