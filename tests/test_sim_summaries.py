"""Simulated summaries: a reply that only says back a user line is left out; a blurred value is told as one."""

from course_lib import DEFAULT_MODEL, make_client
from course_lib.runtime.sim import summarize


def test_a_reply_that_says_a_user_line_back_is_not_summarized_twice():
    material = ("user: We agreed that the line moves on the 14th with no moving fee.\n"
                "assistant: You agreed that the line moves on the 14th with no moving fee.\n"
                "user: Please send the confirmation by email.")
    summary = summarize(material)
    assert summary.count("moves on the") == 1 and "We agreed" in summary and "You agreed" not in summary


def test_a_reply_that_says_back_what_the_previous_summary_holds_is_left_out_too():
    material = ("The user asked about: a line move. We agreed that the line moves on the 14th with no moving fee.\n"
                "user: When does my line move?\n"
                "assistant: You agreed that the line moves on the 14th with no moving fee.")
    assert "You agreed" not in summarize(material)


def test_a_reply_with_something_new_is_kept():
    material = ("user: My router keeps dropping the connection.\n"
                "assistant: An engineer will visit on Friday to replace the router.\n"
                "user: I will stay at home that day.")
    assert "engineer will visit" in summarize(material)


HEADING = "Summary of our earlier conversation (messages 1-8; details may be lost):\n"


def ask_after_summary(summary: str, question: str, system: str = "You are helpful.") -> str:
    """The reply to ``question`` in a request that opens with a summary pair, as the summarizing managers send it."""
    messages = [{"role": "user", "content": HEADING + summary},
                {"role": "assistant", "content": "Thanks, I will use that summary of our earlier conversation."},
                {"role": "user", "content": question}]
    reply = make_client("simulated").messages.create(model=DEFAULT_MODEL, max_tokens=200, system=system,
                                                     messages=messages)
    return "".join(block.text for block in reply.content if block.type == "text")


def test_a_question_about_a_value_the_summary_blurred_is_told_so():
    text = ask_after_summary("The user asked about: a refund. My booking reference is [an id]. I fly to Oslo on "
                             "[a name].", "whats my booking reference")
    assert '"My booking reference is [an id]"' in text and "not kept" in text, text


def test_a_pinned_fact_outranks_the_blurred_sentence():
    pinned = "You are helpful.\n\nPinned facts (verbatim, never summarized):\n- Booking reference: QZ-7731"
    text = ask_after_summary("The user asked about: a refund. My booking reference is [an id].",
                             "whats my booking reference", system=pinned)
    assert "QZ-7731" in text, text


def test_a_precise_question_finds_the_blurred_value_too():
    """"the address" wants a street: a blurred "[a number] Elm [a name]" lost its shape with its value."""
    text = ask_after_summary("The user asked about: a move. The new address is [a number] Harbour [a name], flat 2.",
                             "what's my new address")
    assert "not kept" in text, text
