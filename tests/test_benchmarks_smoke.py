"""A fast smoke test of the benchmark code paths (benchmarks/): tiny sizes, no figures asserted.

The benchmarks themselves are run with ``python benchmarks/run.py``; these tests only make sure
every path still works against the current library (scripts, runners, reports, grading), and that
the measurement rules hold: the control recalls nothing, full history recalls everything, and a
cache breakpoint does not change what is sent. The LangChain peers are exercised when
langchain-core is installed (``benchmarks/requirements.txt``) and skipped otherwise.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import course_run, scale, strategies, token_economy  # noqa: E402
from benchmarks.conversations import ScriptError, Step, check_scenario, coding_session, support_case  # noqa: E402

INFO = {"CPUs": 2, "python": "3.x"}


@pytest.fixture(scope="module")
def tiny() -> list:
    return [support_case(16, facts=3), coding_session(24, facts=3)]


def test_scripts_are_deterministic_and_checked(tiny: list) -> None:
    again = [support_case(16, facts=3), coding_session(24, facts=3)]
    assert [s.steps for s in tiny] == [s.steps for s in again]
    assert all(len(s.questions) == 6 for s in tiny)
    assert any(step.tool_output for step in tiny[1].steps)


def test_the_script_check_can_fail(tiny: list) -> None:
    """A filler turn that answers a fact question by itself must be refused."""
    scenario = tiny[0]
    fact = scenario.facts[0]
    leaky = Step(fact.sentence.replace(fact.value, re.sub(r"\d", "0", fact.value)))  # another value, same shape
    broken = type(scenario)(scenario.name, scenario.title, (leaky, *scenario.steps), scenario.facts)
    with pytest.raises(ScriptError, match="could be answered without its fact"):
        check_scenario(broken)


def test_token_economy_paths_and_controls(tiny: list, tmp_path: Path) -> None:
    results = token_economy.run(tiny, progress=lambda _: None)
    turns = {s.name: s.turns for s in tiny}
    for name, runs in results.items():
        by_label = {r.label: r for r in runs}
        assert not [r.error for r in runs if r.error], name
        assert by_label["full history"].recall == 1.0, name
        assert by_label["current exchange only (control)"].recall == 0.0, name
        assert by_label["smart manager + pinned facts"].recall == 1.0, name
        assert all(len(r.per_step) == turns[name] for r in runs)
    written = token_economy.write(tmp_path, tiny, results, INFO, quick=True, command="test")
    text = written[0].read_text(encoding="utf-8")
    assert "| full history |" in text and "Not judged" in text
    assert written[1].stat().st_size > 1000 and (tmp_path / "plotly.min.js").exists()


def test_the_langchain_peers_run(tiny: list) -> None:
    pytest.importorskip("langchain_core")
    labels = {make().label for make in strategies.lineup("s", ())}
    assert {"LangChain trim_messages", "LangChain summary buffer"} <= labels
    msg = {"role": "assistant", "content": [{"type": "text", "text": "Let me look."},
                                            {"type": "tool_use", "id": "t1", "name": "grep_repository",
                                             "input": {"query": "x"}}]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "found"}]}
    assert strategies.from_langchain(strategies.to_langchain(msg) + strategies.to_langchain(result)) == [msg, result]


def test_breakpoints_change_the_bill_not_the_requests(tiny: list) -> None:
    scenario = tiny[1]
    runs = []
    for breakpoints in (True, False):
        client = strategies.simulated_client(breakpoints)
        runner = strategies.ManagerRunner("full history", strategies.ConversationManager(
            client, tools=list(scenario.tools)), client)
        runs.append(token_economy.play(scenario, runner))
    cached, plain = runs
    assert cached.prompt_tokens == plain.prompt_tokens and cached.correct == plain.correct
    assert cached.cache_reads > 0 and plain.cache_reads == 0
    assert cached.dollars_uncached == pytest.approx(plain.dollars_cached)


def test_scale_paths(tmp_path: Path) -> None:
    result = scale.run(sizes=(20, 60), rounds=2, progress=lambda _: None)
    names = {c.name for c in result.by_size[60]}
    assert {scale.TOKEN_WINDOW, "full history", "pruning pipeline"} <= names
    assert all(c.times for c in result.by_size[60])
    text = scale.write(tmp_path, result, INFO, quick=True, command="test")[0].read_text(encoding="utf-8")
    assert "Not judged" in text and "| window by tokens" in text and "per message" in text


def test_grading_a_small_class(tmp_path: Path) -> None:
    run = course_run.CourseRun(course_run.NotebookRun(["x.ipynb"], skipped_reason="not run"), course_run.grade(5))
    assert run.grading.returncode == 0 and run.grading.graded == 5 and run.grading.flagged == 0
    text = course_run.write(tmp_path, run, INFO, quick=True, command="test")[0].read_text(encoding="utf-8")
    assert "graded 5 students" in text


def test_paraphrases_are_asked_on_the_same_request(tiny: list) -> None:
    """Every fact has a learner's paraphrase; the control recalls nothing either way, full history's
    request holds every value, so any paraphrase miss is the wording, not the context."""
    assert all(f.paraphrase and f.paraphrase != f.question for s in tiny for f in s.facts)
    results = token_economy.run(tiny[:1], langchain=False, progress=lambda _: None)["support_case"]
    by_label = {r.label: r for r in results}
    assert by_label["current exchange only (control)"].paraphrase_correct == 0
    full = by_label["full history"]
    assert full.in_request == full.asked and 0 <= full.paraphrase_correct <= full.asked


def test_tool_heavy_case_and_server_side_edits() -> None:
    from benchmarks.tool_heavy import server_side_lineup, tool_heavy_case
    from course_lib.tokens import estimate_tokens

    scenario = tool_heavy_case(lines=120)
    assert scenario.turns == 15 and len(scenario.questions) == 4
    assert estimate_tokens(tool_heavy_case().steps[5].tool_output or "") > 5_000  # the real case is 50K+ of tools
    runners = {r.label: r for r in (make() for make in server_side_lineup(scenario.system_prompt, scenario.tools,
                                                                          langchain=False))}
    clearing = next(r for label, r in runners.items() if label.startswith("server-side tool-result clearing"))
    clearing.edits[0]["trigger"]["value"] = 3_000  # small case: make the edit fire
    result = token_economy.play(scenario, clearing)
    full = token_economy.play(scenario, runners["full history"])
    assert not result.error and result.prompt_tokens < full.prompt_tokens
    assert full.recall == 1.0 and result.recall < 1.0  # the fact only in a cleared tool result is lost


def test_the_real_peers_run_over_http(tiny: list) -> None:
    """LangChain v1 SummarizationMiddleware and LlamaIndex Memory against course-kit serve (if installed)."""
    from benchmarks import peers

    missing = peers.peers_missing()
    if missing:
        pytest.skip(f"real peers not installed: {missing}")
    scenario = tiny[0]
    for make in peers.peer_lineup(scenario.system_prompt, scenario.tools):
        runner = make()
        try:
            result = token_economy.play(scenario, runner)
        finally:
            runner.close()
        assert not result.error, result.error
        assert len(result.per_step) == scenario.turns and result.rows and result.prompt_tokens > 0
        assert result.in_request >= result.correct  # a reply only quotes what was sent


def test_the_install_size_walk_finds_what_only_the_embedding_model_needs() -> None:
    from benchmarks import install_size

    result = install_size.measure()
    assert {"wordllama", "numpy", "tokenizers"} <= set(result["added"])
    assert "anthropic" not in result["added"] and "pyyaml" not in result["added"]  # the kit needs them anyway
    assert result["added_mb"] > 10 and result["base_mb"] > result["added_mb"]
