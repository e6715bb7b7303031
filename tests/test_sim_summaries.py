"""The simulator's summaries leave out replies that only say back what the user said."""

from course_lib.runtime.sim import summarize


def test_a_reply_that_says_a_user_line_back_is_not_summarized_twice():
    material = ("user: We agreed that the line moves on the 14th with no moving fee.\n"
                "assistant: You agreed that the line moves on the 14th with no moving fee.\n"
                "user: Please send the confirmation by email.")
    summary = summarize(material)
    assert summary.count("moves on the") == 1 and "We agreed" in summary and "You agreed" not in summary


def test_a_reply_with_something_new_is_kept():
    material = ("user: My router keeps dropping the connection.\n"
                "assistant: An engineer will visit on Friday to replace the router.\n"
                "user: I will stay at home that day.")
    assert "engineer will visit" in summarize(material)
