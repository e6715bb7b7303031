"""Answers to Python questions from the documentation that ships with the interpreter.

What ``help()`` shows offline: the topic pages of :mod:`pydoc_data.topics` (``help("LISTS")``)
and the docstrings of builtins and their methods (``help(list.sort)``). A question is routed to
the pages whose help-topic name, keyword or builtin name it mentions ("tuples" -> ``TUPLES``),
then the prose paragraph sharing most of its words wins; ties go to the earlier page and
paragraph, so the same question always gets the same passage.
"""

from __future__ import annotations

__all__ = ["DocPassage", "python_passages"]

import builtins
import pydoc
import re
from dataclasses import dataclass
from functools import lru_cache
from pydoc_data.topics import topics as TOPIC_PAGES

from .language import content_words

METHOD_OWNERS = (list, dict, set, tuple, str)
"""Builtin types whose methods' docstrings are searched too (``help(list.sort)``)."""


@dataclass(frozen=True)
class DocPassage:
    """One prose paragraph and where ``help()`` shows it, with the paragraph after it on that page."""

    source: str
    text: str
    following: str


@dataclass(frozen=True)
class _Paragraph:
    text: str
    words: frozenset[str]
    opening: frozenset[str]
    subject: str
    defines: bool


def _paragraph(text: str) -> _Paragraph:
    first_sentence = text.split(". ", 1)[0]
    first_words = [w for w in text.split()[:3] if w.lower() not in ("a", "an", "the")]
    opener = first_words[0] if first_words else ""
    # What the paragraph is about: its first word past an article ("Tuples are ..."); an -ing word
    # opens a clause ("Setting a method ..."), not a subject.
    subject = "" if opener.endswith("ing") else next(iter(content_words(opener)), "")
    defines = len(first_words) > 1 and first_words[1] in ("is", "are")  # "Tuples are ...", "A set is ..."
    return _Paragraph(text, frozenset(content_words(text)), frozenset(content_words(first_sentence)), subject, defines)


@dataclass(frozen=True)
class _Page:
    source: str
    keys: frozenset[str]
    paragraphs: tuple[_Paragraph, ...]
    owner: str = ""  # a method's type: "sort" leads to help(list.sort) only in a question about lists


def _prose(page: str) -> tuple[_Paragraph, ...]:
    """The page's prose paragraphs, lines joined; headings, tables, code and underlines left out."""
    kept = []
    for block in re.split(r"\n\s*\n", page):
        lines = block.strip("\n").splitlines()
        if len(lines) > 2 and not lines[0].startswith(" ") and lines[1].startswith(" ") and "." not in lines[0]:
            lines = [line.strip() for line in lines[1:]]  # a definition list: drop the term, keep its text
        if not lines or lines[0].startswith((" ", "+", "*", "=", "-", ">>>", "|")) or len(lines) == 1:
            continue
        if re.fullmatch(r"[=*\-~^]+", lines[-1].strip()):
            continue
        text = " ".join(line.strip() for line in lines)
        if len(text) > 60 and text[0].isalpha() and not text.endswith(":"):  # ":" leads into code
            kept.append(_paragraph(re.sub(r"\s+", " ", text)))
    return tuple(kept)


def _topic_pages() -> list[_Page]:
    """Each pydoc topic page, found by the help-topic names and keywords that lead to it."""
    names: dict[str, set[str]] = {}
    shown_as: dict[str, str] = {}
    for name, target in {**pydoc.Helper.topics, **pydoc.Helper.keywords}.items():
        if isinstance(target, tuple):
            shown_as.setdefault(target[0], name)
        while isinstance(target, str) and target in pydoc.Helper.topics:  # "MAPPINGS" -> "DICTIONARIES"
            target = pydoc.Helper.topics[target]
        key = target[0] if isinstance(target, tuple) else target
        if key in TOPIC_PAGES:
            names.setdefault(key, set()).update(content_words(name.lower()))
    known = set().union(*names.values(), *(content_words(name) for name in dir(builtins)))
    return [_Page(f'help("{shown_as.get(key, key)}")', frozenset(names[key] | _title_words(TOPIC_PAGES[key], known)),
                  _prose(TOPIC_PAGES[key])) for key in sorted(names)]


def _title_words(page: str, known: set[str]) -> set[str]:
    """The names ``help()`` knows in a page's heading ("Sequence Types — list, tuple, range")."""
    return content_words(page.strip().split("\n", 1)[0]) & known - {"type", "object"}


def _docstring_pages() -> list[_Page]:
    """Builtin functions and types, and the methods of the common containers, by their names."""
    pages = []
    for name in sorted(dir(builtins)):
        thing = getattr(builtins, name)
        if name.startswith("_") or (isinstance(thing, type) and issubclass(thing, BaseException)) or not thing.__doc__:
            continue
        pages.append(_Page(f"help({name})", frozenset(content_words(name)), _docstring_paragraphs(thing.__doc__)))
    for owner in METHOD_OWNERS:
        for name in sorted(vars(owner)):
            method = getattr(owner, name)
            if not name.startswith("_") and method.__doc__:
                keys = frozenset(content_words(name) | content_words(owner.__name__))
                pages.append(_Page(f"help({owner.__name__}.{name})", keys, _docstring_paragraphs(method.__doc__),
                                   next(iter(content_words(owner.__name__)))))
    return pages


def _docstring_paragraphs(doc: str) -> tuple[_Paragraph, ...]:
    """A docstring's prose paragraphs (signature lines such as ``dict() -> new dict`` left out)."""
    paragraphs = [re.sub(r"\s+", " ", p.strip()) for p in re.split(r"\n\s*\n", doc)]
    return tuple(_paragraph(p) for p in paragraphs if p and "->" not in p and p[0].isalpha() and len(p) > 20)


@lru_cache(maxsize=1)
def _pages() -> tuple[_Page, ...]:
    return tuple(p for p in _topic_pages() + _docstring_pages() if p.paragraphs)


def python_passages(question: str) -> list[DocPassage]:
    """The doc paragraphs that answer a Python question, best first; none if it names no Python topic.

    Ranked by: whether its page is one ``help()`` gives for a word of the question; the question's
    Python words (names ``help()`` knows) the paragraph contains; whether
    it defines one of them
    ("Tuples are ..."); the share of its page's names the question uses; whether it
    opens with a word of the question; words shared with its first sentence, then overall; then page
    and paragraph order.
    """
    wanted = content_words(question) - {"python"}
    pages = [page for page in _pages() if not page.owner or page.owner in wanted]
    topics = wanted & frozenset().union(*(page.keys for page in pages))
    if not topics:
        return []
    scored = []
    for rank, page in enumerate(pages):
        topical = len(page.keys & wanted) / max(1, len(page.keys))
        for position, paragraph in enumerate(page.paragraphs):
            shared = len(wanted & paragraph.words)
            if not shared and not topical:
                continue
            about = paragraph.subject in wanted
            key = (-(topical > 0), -len(topics & paragraph.words), -(about and paragraph.defines), -topical, -about,
                   -len(wanted & paragraph.opening), -shared, rank, position)
            following = page.paragraphs[position + 1].text if position + 1 < len(page.paragraphs) else ""
            scored.append((key, DocPassage(page.source, paragraph.text, following)))
    return [passage for _, passage in sorted(scored, key=lambda item: item[0])]
