"""Outputs wider than the notebook, in a box that a keyboard can reach and scroll.

Introduced in notebook 08_beyond_the_module, for the benchmark tables. Why a box of our own: JupyterLab
lets an output wider than the notebook scroll sideways (its output area has ``overflow: auto``) but
gives that output area no ``tabindex``, so someone without a mouse can neither reach it nor scroll it
(axe-core's rule ``scrollable-region-focusable``). Our box is as wide as the output area, so the output
area itself never overflows; the box scrolls instead, Tab stops on it (then the arrow keys scroll it),
and a screen reader announces it as a region with a name. ``data-lm-suppress-shortcuts``: JupyterLab
binds the arrow keys in command mode (to move between cells), which would take the keys that scroll
the box; Lumino leaves elements marked so to the browser.
"""

from __future__ import annotations

import html

from IPython.display import Markdown

__all__ = ["scrolling_markdown"]


def scrolling_markdown(text: str, label: str) -> Markdown:
    """``text`` (Markdown) in a named, focusable box that scrolls sideways where it is too wide.

    Introduced in notebook 08_beyond_the_module. ``label`` names the box for a screen reader
    ("Benchmark results"). The ``<div>`` is kept apart from the Markdown by blank lines, because
    Markdown ends an HTML block at a blank line: what lies between is still read as Markdown (tables,
    headings, bold), in JupyterLab as on GitHub. JupyterLab keeps the box's attributes on outputs it
    trusts, that is, outputs the learner's own run made.
    """
    box = (f'<div role="region" aria-label="{html.escape(label)}" tabindex="0" data-lm-suppress-shortcuts="true" '
           'style="overflow-x: auto">')
    return Markdown(f"{box}\n\n{text.rstrip()}\n\n</div>")
