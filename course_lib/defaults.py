"""The course's defaults, defined once: which model it talks to and how big its context window is.

Introduced in notebook 00_start_here. ``COURSE_MODEL`` in the environment overrides the model
without editing code (read by :func:`course_lib.runtime.client.make_client`).
"""

from __future__ import annotations

__all__ = ["DEFAULT_CONTEXT_WINDOW", "DEFAULT_MODEL"]

DEFAULT_MODEL = "claude-sonnet-5-5"
"""The one model id the course uses: the current Sonnet in the installed SDK's model list."""

DEFAULT_CONTEXT_WINDOW = 200_000
"""Tokens a request may hold (input plus ``max_tokens``) on the course model's standard tier."""
