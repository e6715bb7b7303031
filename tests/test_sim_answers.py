"""The simulator's answers: paraphrase, refusals, Python docs, reply length, recaps and summaries."""

import importlib.util
import sys
from pathlib import Path

import pytest

from benchmarks.sim_battery import TARGET, load_battery, run
from course_lib import DEFAULT_MODEL, make_client
from course_lib.runtime.sim import summarize
from course_lib.runtime.sim.language import content_words
from course_lib.runtime.sim.matching import best_matches
from course_lib.runtime.sim.questions import answer_kind
from course_lib.runtime.sim.replies import requested_sentences

ROOT = Path(__file__).resolve().parent.parent
ORDER = "My order number is QX-55810, placed on 3 March."


def text_of(reply) -> str:
    return "".join(block.text for block in reply.content if block.type == "text")


def ask(messages, system=None, max_tokens=400):
    kwargs = {"system": system} if system else {}
    return make_client("simulated").messages.create(model=DEFAULT_MODEL, max_tokens=max_tokens, messages=messages,
                                                    **kwargs)


def after_order(*questions: str) -> list[str]:
    """Ask each question after the issue's order sentence and a few turns of full history."""
    history = [{"role": "user", "content": ORDER}]
    history.append({"role": "assistant", "content": text_of(ask(history))})
    history += [{"role": "user", "content": "Thanks, that's helpful."}]
    history.append({"role": "assistant", "content": text_of(ask(history))})
    return [text_of(ask([*history, {"role": "user", "content": q}])) for q in questions]


def test_the_issues_failing_examples_are_answered_from_the_order_sentence():
    first, second = after_order("Remind me: what was the order number detail I gave you?",
                                "What order number did I give you earlier?")
    for answer in (first, second):
        assert answer == "Your order number is QX-55810, placed on 3 March."  # said back in the second person


def test_own_boilerplate_is_never_quoted_back():
    history = [{"role": "user", "content": ORDER}]
    history.append({"role": "assistant", "content": text_of(ask(history))})  # "Noted: My order number ..."
    history.append({"role": "user", "content": "What's my order number?"})
    answer = text_of(ask(history))
    assert answer.count("QX-55810") == 1 and "Noted" not in answer


def test_stems_and_synonyms_fold_paraphrases_together():
    assert content_words("Where are you sending my parcels?") == content_words("ship the parcel")
    assert content_words("What is my dog called?") == content_words("dog's name")
    assert content_words("Remind me: what was the order number detail I gave you?") == {"order", "number"}


@pytest.mark.parametrize("question, cue", [("When is the meeting?", "time"), ("How much can we spend?", "money"),
                                           ("Where should it be delivered?", "place"),
                                           ("What's my dog called?", "name"), ("What is my order number?", "code"),
                                           ("What's the experiment about?", None)])
def test_question_type_cues(question, cue):
    assert answer_kind(question) == cue


def test_a_cue_decides_between_two_sentences_sharing_the_words():
    context = "The meeting is about the budget. The meeting is on Thursday at 10am."
    assert best_matches("When is the meeting?", context) == ["The meeting is on Thursday at 10am."]


def test_a_weak_match_is_refused_not_quoted():
    context = "By the way, my dog is called Biscuit."
    assert best_matches("What's my sister's name?", context) == []
    answer = text_of(ask([{"role": "user", "content": context}, {"role": "assistant", "content": "Noted."},
                          {"role": "user", "content": "What's my sister's name?"}]))
    assert "don't have that information" in answer and "Biscuit" not in answer


def test_pinned_facts_summaries_and_tool_results_are_sources():
    system = "You are helpful.\n\nPinned facts (verbatim, never summarized):\n- Customer email: dana@example.com"
    summary = "Summary of our earlier conversation (messages 1-4; details may be lost):\nThe user is moving to Porto."
    messages = [{"role": "user", "content": summary}, {"role": "assistant", "content": "Understood."},
                {"role": "user", "content": "Where am I moving to?"}]
    assert "Porto" in text_of(ask(messages, system))
    messages[-1] = {"role": "user", "content": "What's my email address?"}
    assert "dana@example.com" in text_of(ask(messages, system))


def test_battery_reaches_the_target_for_recall_and_abstention():
    battery = load_battery()
    questions = sum(len(f["questions"]) for f in battery["facts"])
    assert questions >= 40 and len({f["id"] for f in battery["facts"]}) >= 10 and len(battery["never_given"]) >= 10
    result = run()
    assert result.recall >= TARGET, [row for row in result.recalled if not row[2]]
    assert result.abstention >= TARGET, [row for row in result.abstained if not row[2]]


@pytest.mark.parametrize("system, expected", [("Answer in 1 sentence.", 1), ("Please answer in two sentences.", 2),
                                              ("Be brief.", 1), ("You are a helpful tutor.", None)])
def test_length_instruction_is_read_from_the_system_prompt(system, expected):
    assert requested_sentences(system) == expected


def test_python_answer_follows_the_length_instruction():
    question = [{"role": "user", "content": "When should I use tuples?"}]
    short = text_of(ask(question, "Answer in 1 sentence."))
    long = text_of(ask(question, "You are a helpful tutor."))
    assert short.startswith('(simulated answer, from Python\'s help("SEQUENCES")) Tuples are immutable sequences')
    assert short.count(". ") == 0 and len(long) > 2 * len(short) and "\n\n" in long


def test_python_answer_is_cut_at_max_tokens():
    reply = ask([{"role": "user", "content": "When should I use tuples?"}], max_tokens=20)
    assert reply.stop_reason == "max_tokens" and reply.usage.output_tokens <= 20


def test_other_general_questions_get_a_short_marked_answer():
    answer = text_of(ask([{"role": "user", "content": "What is the capital of France?"}]))
    assert answer.startswith("(simulated answer)") and "don't have that information" in answer


def test_recap_lists_the_topics_of_the_questions_and_what_the_summary_says():
    summary = "Summary of our earlier conversation (messages 1-4; details may be lost):\n" \
              "The user asked about: a Python list; sort a list."
    messages = [{"role": "user", "content": summary}, {"role": "assistant", "content": "Understood."},
                {"role": "user", "content": "What are sets?"}, {"role": "assistant", "content": "(simulated answer) x"},
                {"role": "user", "content": "What did we discuss?"}]
    answer = text_of(ask(messages))
    assert "a Python list; sort a list" in answer and "you asked about sets" in answer


def test_recap_of_a_chat_without_questions_quotes_what_the_user_said():
    messages = [{"role": "user", "content": "Hi, I'm Dana. My router has a red light."},
                {"role": "assistant", "content": "Noted: Hi, I'm Dana."},
                {"role": "user", "content": "What did we discuss?"}]
    answer = text_of(ask(messages))
    assert "you told me" in answer and "My router has a red light." in answer
    assert text_of(ask(messages[-1:])) == "From what you sent me, we have not discussed anything yet."


def test_summary_keeps_topics_and_repeated_specifics_and_blurs_one_offs():
    material = ("user: What is a Python list?\nuser: My account number is ACC-88412.\n"
                "user: Send it to Dana Ortiz please.\nuser: We decided to ship on 12 May.\n"
                "user: Yes, 12 May works for the team.\nassistant: Noted: My account number is ACC-88412.")
    text = summarize(material)
    assert text.startswith("Summary of the earlier conversation: The user asked about: a Python list.")
    assert "ACC-88412" not in text and "[an id]" in text  # said once by the user: lost
    assert "12 May" in text  # said twice: kept
    assert "Noted" not in text


def test_summary_leaves_out_the_simulators_own_framing():
    material = ("user: Please use search_docs for the refund window.\n"
                "assistant: Let me look that up with search_docs.\nuser: The refund window is 30 days.\n"
                "assistant: According to search_docs: The refund window is 30 days.")
    text = summarize(material)
    assert "Let me look" not in text and "According to" not in text and "refund window" in text


def test_chained_summary_carries_topics_and_kept_specifics():
    first = summarize("user: How do I sort a list?\nuser: Use 12 May.\nuser: I confirm 12 May.")
    second = summarize(f"{first}\nuser: What are sets?")
    assert second.startswith("Summary of the earlier conversation: The user asked about: sort a list; sets.")
    assert "12 May" in second


def load_lab():
    spec = importlib.util.spec_from_file_location("syllabus_lab_for_answers", ROOT / "scripts" / "syllabus_lab.py")
    lab = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = lab
    spec.loader.exec_module(lab)
    return lab


@pytest.mark.parametrize("threshold", [500, 150])
def test_syllabus_lab_restored_manager_recalls_the_topics(threshold, capsys):
    result = load_lab().run_lab(["--threshold", str(threshold)])
    out = capsys.readouterr().out
    assert f"Summaries made by the smart manager: {result.summaries}." in out
    assert result.summaries == (0 if threshold == 500 else 3)
    for topic in ("a Python list", "sort a list", "list comprehensions", "sets", "use tuples"):
        assert topic in result.recap
    if result.summaries:
        assert "the summary of our earlier conversation says" in result.recap


def test_syllabus_lab_lowers_the_threshold_when_the_syllabus_one_is_not_crossed(capsys):
    result = load_lab().run_lab([])
    out = capsys.readouterr().out
    assert result.summaries == 0 and max(result.rows[-1].per_turn) < 500
    assert result.restored_threshold == 250 and result.restored_summaries >= 1
    assert "Again at 250" in out and "the summary of our earlier conversation says" in result.recap
    for topic in ("a Python list", "sort a list", "sets", "use tuples"):
        assert topic in result.recap
