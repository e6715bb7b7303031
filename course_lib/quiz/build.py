"""Building the learner copy of a graded quiz (no key) and the instructor's key, as two separate files.

Why a command and not hand editing: deleting ``correct: true`` lines by hand is how keys leak. The learner
copy is generated from the quiz's public view, the same data the quiz hash is computed from, so a key
field cannot slip through and the learner copy hashes exactly like the key (the grader relies on that).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..files import atomic_write_bytes, atomic_write_text
from .loader import load_quiz, parse_quiz
from .model import Quiz


@dataclass(frozen=True)
class BuildResult:
    quiz: Quiz
    learner_path: Path
    key_path: Path


class _ReadableDumper(yaml.SafeDumper):
    """Multi-line text as ``|`` blocks, so a learner copy reads like the quiz file it came from."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_ReadableDumper.add_representer(str, _represent_str)


def learner_copy_text(quiz: Quiz) -> str:
    """The learner copy as YAML: the public view plus ``key_included: false``, with a header that says so."""
    document = {**quiz.public_view(), "key_included": False}
    header = (
        f"# Learner copy of quiz {quiz.id}, written by `course-quiz build`. It holds no answer key.\n"
        "# Do not edit: the grader checks that submissions were made against exactly this content.\n"
    )
    return header + yaml.dump(
        document, Dumper=_ReadableDumper, sort_keys=False, allow_unicode=True, width=100
    )


def build_quiz(path: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> BuildResult:
    """Write ``OUT/learner/<id>.yaml`` (hand out) and ``OUT/key/<id>.key.yaml`` (keep), for a graded quiz.

    The key is the source file byte for byte, so its comments and line numbers stay useful. Raises
    QuizError for an invalid quiz and ValueError for a practice quiz, whose key is meant to be read.
    """
    source = Path(path)
    quiz = load_quiz(source)
    if quiz.mode != "graded":
        raise ValueError(f"{source}: {quiz.id} is a practice quiz; learners get it as it is, key included")
    if not quiz.key_included:
        raise ValueError(f"{source}: this is already a learner copy; build from the instructor's file")
    text = learner_copy_text(quiz)
    copy = parse_quiz(text, f"learner copy of {source}")
    if copy.quiz_hash != quiz.quiz_hash:  # would make every submission fail to grade: refuse to write it
        raise AssertionError(f"learner copy of {source} does not hash like the key")
    out = Path(out_dir)
    learner_path = out / "learner" / f"{quiz.id}.yaml"
    key_path = out / "key" / f"{quiz.id}.key.yaml"
    atomic_write_text(learner_path, text)
    atomic_write_bytes(key_path, source.read_bytes())
    return BuildResult(quiz, learner_path, key_path)
