"""The course-run benchmark reports what issue 16 asks: grading's peak memory, import times, per-notebook time."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import course_run  # noqa: E402

DURATIONS = """
3.20s call     notebooks/00_start_here.ipynb::Cell 0
0.50s call     notebooks/00_start_here.ipynb::Cell 4
2.00s call     notebooks/05_pruning.ipynb::Cell 0
0.01s setup    notebooks/05_pruning.ipynb::Cell 12
"""


def test_durations_are_summed_per_notebook_with_the_first_cell_apart():
    found = course_run.per_notebook(DURATIONS)
    assert found == {"00_start_here.ipynb": (3.7, 3.2), "05_pruning.ipynb": (2.01, 2.0)}


def test_grading_reports_the_graders_own_peak_memory_and_the_targets(tmp_path):
    run = course_run.CourseRun(course_run.NotebookRun(["x.ipynb"], skipped_reason="not run"), course_run.grade(5),
                               {"anthropic": 0.5, "anthropic + setup cell's names": 0.7,
                                course_run.SETUP_AFTER_SDK: 0.1})
    assert run.grading.graded == 5 and run.grading.peak_rss_kib and run.grading.peak_rss_kib > 1024
    assert "peak_rss_kib" not in run.grading.output
    text = course_run.write(tmp_path, run, {"CPUs": 2}, quick=True, command="test")[0].read_text(encoding="utf-8")
    # the share timed after the SDK, not the difference of the two noisy 0.5 s / 0.7 s timings
    assert "peak memory (RSS)" in text and "+0.100 s (**met**)" in text and "grading 5 submissions under 10 s" in text


def test_the_graders_peak_memory_is_its_own_not_its_parents():
    ballast = b"\x01" * (300 * 2**20)  # this process now holds 300 MiB; the grader it starts must not report it
    try:
        run = course_run.grade(5)
    finally:
        del ballast
    assert run.graded == 5 and run.peak_rss_kib is not None and run.peak_rss_kib < 200 * 1024
