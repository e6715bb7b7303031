"""A wide output shown in a box a keyboard can reach: what ``scrolling_markdown`` hands JupyterLab.

The browser audit (tests/browser/test_browser_accessibility.py) checks the rendered result in JupyterLab;
this checks, without a browser, that the Markdown inside the box is still Markdown to a CommonMark reader.
"""

import pytest

from course_lib.classroom.scrolling import scrolling_markdown

TABLE = "| strategy | tokens |\n| :--- | ---: |\n| full history | 1,941,503 |"


def test_the_box_is_a_named_focusable_region_that_scrolls_sideways():
    source = scrolling_markdown(TABLE, label="Benchmark results").data
    first_line = source.splitlines()[0]
    for attribute in ('role="region"', 'aria-label="Benchmark results"', 'tabindex="0"', "overflow-x: auto",
                      'data-lm-suppress-shortcuts="true"'):  # else JupyterLab takes the arrow keys
        assert attribute in first_line


def test_the_label_cannot_break_out_of_its_attribute():
    source = scrolling_markdown(TABLE, label='results "<b>"').data
    assert 'aria-label="results &quot;&lt;b&gt;&quot;"' in source


def test_the_markdown_inside_is_rendered_as_markdown_within_the_box():
    mistune = pytest.importorskip("mistune", reason="mistune (nbconvert's Markdown reader) is not installed")
    rendered = mistune.html(scrolling_markdown(f"## Results\n\n{TABLE}", label="Benchmark results").data)
    box_opens, box_closes = rendered.index('<div role="region"'), rendered.rindex("</div>")
    for tag in ("<h2>", "<table>", ">full history</td>"):
        assert box_opens < rendered.index(tag) < box_closes, rendered
