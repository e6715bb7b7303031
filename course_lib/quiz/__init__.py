"""The quiz engine: knowledge checks as YAML data, widgets for learners, a grading CLI for instructors.

Used at the end of every notebook (``show_quiz("03_token_budgets")``) and by notebook
09_knowledge_check. Instructors use the ``course-quiz`` command (``course_lib/quiz/cli.py``).

Modules, in the order data flows through them:
- ``loader``: YAML file -> validated ``Quiz`` (errors name file, line and problem);
- ``scoring``: the one scorer, for instant feedback and for grading alike;
- ``session``: a learner's answers, saved atomically on every change, and ``submit()``;
- ``render``: ipywidgets with a plain-text fallback;
- ``build``: learner copy without the key;
- ``collect`` (finding and reading collected files without trusting them), ``grading`` (flags and scores),
  ``reports`` and ``stats`` (the CSVs and chart), ``lms`` (Canvas and Moodle imports): the instructor's side.
"""

from .loader import QuizError, load_quiz
from .model import ENGINE_VERSION, Choice, Question, Quiz
from .render import QuizWidget, render_text, show_quiz
from .scoring import AnswerError, Score, parse_number, score_answer
from .session import QuizSession, Receipt

__all__ = [
    "ENGINE_VERSION",
    "AnswerError",
    "Choice",
    "Question",
    "Quiz",
    "QuizError",
    "QuizSession",
    "QuizWidget",
    "Receipt",
    "Score",
    "load_quiz",
    "parse_number",
    "render_text",
    "score_answer",
    "show_quiz",
]
