"""The simulator understands what learners type: corrections win, questions by form, believable replies."""

import socket

import pytest

from course_lib import DEFAULT_MODEL, make_client
from course_lib.runtime.sim.language import modifiers
from course_lib.runtime.sim.matching import best_clause
from course_lib.runtime.sim.memory import remember
from course_lib.runtime.sim.questions import answer_kind, asked_role, is_question
from course_lib.runtime.sim.replies import NO_INFORMATION, answer

REFUSAL = "don't have that information"


def chat(turns: list[str], question: str, system: str = "You are a helpful assistant.") -> str:
    """Play the turns through the real SDK (the simulator's replies in between), then ask the question."""
    client, history = make_client("simulated"), []
    for turn in [*turns, question]:
        history.append({"role": "user", "content": turn})
        reply = client.messages.create(model=DEFAULT_MODEL, max_tokens=300, system=system, messages=history)
        history.append({"role": "assistant", "content": "".join(b.text for b in reply.content if b.type == "text")})
    return history[-1]["content"]


@pytest.mark.parametrize("turns, question, new, old", [
    (["the standup is on monday at 9", "actually make that tuesday not monday"], "when is the standup",
     "tuesday", "monday"),
    (["sorry, my order number is KX-4471-B", "sorry typo earlier, the order number is actually KX-4417-B"],
     "whats my order number", "KX-4417-B", "KX-4471-B"),
    (["we booked a table for 6 people on friday", "it's 8 people now, two more friends are coming"],
     "how many people are coming", "8", "6"),
    (["the budget for the garden is 3k", "oh wait actually make that 5k"], "whats the budget", "5k", "3k"),
    (["my dentist is dr. Harlow", "scratch that, it's dr. Whitcombe, harlow retired"], "who's my dentist",
     "Whitcombe", "Harlow"),
    # "moved me to": a pronoun is no old value; "my mistake" marks a correction; "the 12th": the article is no value
    (["my interview is on wednesday at 2pm", "they moved me to thursday, same time"], "what day is my interview",
     "thursday", "wednesday"),
    (["the first jabs for the puppy are on the 10th at the vet", "ugh i got it wrong, its the 12th not the 10th"],
     "when are the puppy's jabs", "12th", "10th"),
    (["the gig starts at 8.45", "oh my mistake, it starts at 9.15"], "when does the gig start", "9.15", "8.45"),
])
def test_a_correction_replaces_the_earlier_value(turns, question, new, old):
    reply = chat(turns, question)
    assert new.lower() in reply.lower() and old.lower() not in reply.lower(), reply


@pytest.mark.parametrize("turns, question, new, old", [
    # "was wrong": the value after it replaces the one said before about the same thing
    (["the caravan's pitch is C7 at the top field", "the pitch i told you was wrong, its C9"],
     "where are we parked", "C9", "C7"),
    # a plate, a postcode: capitals after a code are part of it, so the whole value is replaced
    (["my van is registered as LM21 XPD", "hmm no the van reg was wrong, its LM21 XBD"], "whats the van reg",
     "LM21 XBD", "LM21 XPD"),
    # "scrap the X, ...": the value taken back is replaced wherever it was said, and not remembered again
    (["the choir concert is on the 9th at st marys", "ok scrap the 9th, the church moved it to the 16th"],
     "when is the concert", "16th", "9th"),
    # a strong marker needs no word in common with what it corrects, however long the clause
    (["the quiz night kicks off at 7:30", "we agreed on 8:15 instead since the pub has a match on first"],
     "what time does the quiz start", "8:15", "7:30"),
    (["the roof quote came to £2,400", "they revised it down to £2,150 after a second look"],
     "how much is the roof job", "2,150", "2,400"),
])
def test_everyday_self_corrections_win(turns, question, new, old):
    reply = chat(turns, question)
    assert new.lower() in reply.lower() and old.lower() not in reply.lower(), reply


def test_a_statement_opening_with_sorry_corrects_but_sorry_to_bother_you_does_not():
    corrected = remember([("user", "the locker code is 3391"),
                          ("user", "sorry the locker code is 3319, i mixed it up")])
    assert not any("3391" in c.text for c in corrected) and any("3319" in c.text for c in corrected)
    memory = remember([("user", "the locker code is 3391"), ("user", "sorry to bother you again, my gym pin is 8812")])
    assert memory[0].text == "the locker code is 3391" and memory[-1].text == "my gym pin is 8812"
    assert "3391" in chat(["the locker code is 3391", "sorry to bother you again, my gym pin is 8812"],
                          "whats the locker code")


def _unused_original(turns, question, new, old):
    reply = chat(turns, question)
    assert new.lower() in reply.lower() and old.lower() not in reply.lower(), reply


def test_the_correction_is_acknowledged_without_repeating_the_whole_sentence():
    reply = chat(["the standup is on monday at 9"], "actually make that tuesday not monday")
    assert reply.startswith("Got it") and "monday" not in reply.lower()


@pytest.mark.parametrize("text", ["whats our spending limit for the trip", "when's the call again",
                                  "hmm who's my dentist", "remind me the order number", "is it on tuesday",
                                  "which room are we in", "i forgot the wifi name",
                                  "if the clinic scans her what number should come up",
                                  "once we land whos picking us up", "after the ceremony where is the reception"])
def test_questions_without_a_question_mark(text):
    assert is_question(text)


@pytest.mark.parametrize("text", ["when i was in lisbon i lost my passport", "when the tech came he reset it",
                                  "what we need is a bigger van", "my manager is Dev Okafor", "ok thanks",
                                  "if he asks what i want tell him pizza", "when we met what i liked was his laugh"])
def test_statements_that_start_like_questions(text):
    assert not is_question(text)


def test_a_when_statement_gets_an_acknowledgement_and_is_remembered():
    turns = ["when i was in lisbon i lost my passport"]
    assert chat([], turns[0]).startswith("Got it")
    assert "lisbon" in chat(turns, "where did i lose my passport").lower()


def test_a_question_without_a_question_mark_is_answered():
    reply = chat(["our spending limit for the trip is 2,000 dollars"], "whats our spending limit for the trip")
    assert "2,000" in reply and not reply.startswith(("Got it", "Noted"))


def test_questions_about_the_conversation_never_go_to_pythons_docs():
    for question in ("when's the call again", "who runs priya's class", "what's the list of guests again"):
        reply = chat(["we're planning a birthday party"], question)
        assert "help(" not in reply and REFUSAL in reply, (question, reply)
    assert "help(" in chat([], "How do I sort a list?")  # a genuine Python question still is


@pytest.mark.parametrize("turns, question, trap", [
    (["my sister's flight is BA 2490, landing at 6"], "whats my flight number", "BA 2490"),
    (["the wifi password at the cabin is pinecone42"], "what's the password for my email", "pinecone42"),
    (["my dog is called Biscuit"], "what's my sister's name", "Biscuit"),
])
def test_related_but_different_facts_are_not_quoted(turns, question, trap):
    reply = chat(turns, question)
    assert REFUSAL in reply and trap not in reply, reply


@pytest.mark.parametrize("turns, question, value", [
    (["my manager is Dev Okafor"], "who's my boss", "Dev Okafor"),
    (["my employee id is 20931"], "whats my staff number", "20931"),
    (["the standup is on tuesday at 9"], "what time is the standup", "9"),
])
def test_everyday_paraphrases_are_answered_from_meaning(turns, question, value):
    assert value in chat(turns, question)


def test_the_reply_is_a_sentence_with_the_value_not_a_quote():
    reply = chat(["hey so my manager is Dev Okafor, he started in may"], "who's my boss")
    assert reply == "Your manager is Dev Okafor."


def test_first_person_is_said_back_in_the_second():
    assert answer("i'm on a ThinkPad running Fedora") == "You're on a ThinkPad running Fedora."
    assert answer("we meet at my place") == "You meet at your place."
    assert answer("The user is moving to Porto") == "You are moving to Porto."


def test_an_unknown_fact_gets_the_no_information_phrase():
    assert chat(["my manager is Dev Okafor"], "what's my manager's phone number") == NO_INFORMATION


def test_answer_kinds():
    assert answer_kind("who's my boss") == "name"
    assert answer_kind("hmm when exactly do i have to be there") == "time"
    assert answer_kind("how many hrs did i work") == "amount"
    assert answer_kind("whats my share of the cost when i go in") == "money"  # the opening word decides
    assert answer_kind("how many people are coming") == "amount"
    assert answer_kind("what's the experiment about") is None
    assert answer_kind("when we get to porto who's meeting us") == "name"  # the question after the condition


def test_a_question_after_a_condition_is_answered_not_noted():
    reply = chat(["the hotel is the Pestana Vintage", "my flight lands at 6:10"],
                 "when we get to porto whats the hotel called")
    assert "Pestana Vintage" in reply and not reply.startswith(("Got it", "Noted"))
    # the condition says which time is asked: not the clock's, so the user's own answers it
    assert "6:10" in chat(["my flight lands at 6:10"], "when we land what time is it")


def test_memory_keeps_order_and_rewrites_the_corrected_clause():
    memory = remember([("user", "the call is at 10am on zoom"), ("user", "no wait, it's 11:30 not 10am")])
    texts = [c.text for c in memory]
    assert texts[0] == "the call is at 11:30 on zoom" and not any("10am" in t for t in texts)
    assert best_clause("what time is the call", memory).text == "the call is at 11:30 on zoom"


def test_replies_are_deterministic():
    turns = ["my manager is Dev Okafor", "the standup is monday", "make that tuesday"]
    assert chat(turns, "who's my boss") == chat(turns, "who's my boss")
    assert chat(turns, "when is the standup") == chat(turns, "when is the standup")


def test_no_network_is_used(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the simulator tried to open a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert "Dev Okafor" in chat(["my manager is Dev Okafor"], "who's my boss")


def test_code_and_renames_of_other_things_correct_nothing():
    memory = remember([("user", "The flaky test is test_save_discount_unicode."), ("user", "the retry limit is 3"),
                       ("user", "retries = 5  # not 3"),
                       ("user", "I renamed emit_tax to emit_tax_total in the service layer.")])
    assert memory[0].text == "The flaky test is test_save_discount_unicode"
    assert memory[1].text == "the retry limit is 3"


def test_names_with_pronoun_parts_are_kept_whole():
    assert answer("Our staging host is pg-stage-57.us.internal") == "Your staging host is pg-stage-57.us.internal."


@pytest.mark.parametrize("turns, question, value, speaker", [
    (["the mechanic said my tyres are Pirelli Cinturato"], "what tyres do i have", "Pirelli",
     "whats the mechanic's name"),
    (["when i rang the school, the secretary said my son's teacher is Ms Kowalczyk"], "who teaches my son",
     "Kowalczyk", "whats the secretary's name"),
])
def test_reported_speech_gives_the_value_to_what_was_reported_not_to_the_speaker(turns, question, value, speaker):
    assert value in chat(turns, question)
    reply = chat(turns, speaker)
    assert REFUSAL in reply and value not in reply, reply


@pytest.mark.parametrize("turns, question, trap", [
    (["the plumber came yesterday, he charged 80 dollars for the sink"], "whats the plumber's name", "80"),
    (["the gate code is written on the back of the parking card", "my locker number is 214"], "whats the gate code",
     "214"),
    (["my cousin's flat is near the harbour, her landlord is Mr Brandt"], "whats the harbour's name", "Brandt"),
])
def test_a_name_or_code_never_given_next_to_its_holder_is_refused(turns, question, trap):
    reply = chat(turns, question)
    assert REFUSAL in reply and trap not in reply, reply


def test_a_value_the_question_names_is_its_topic_not_its_answer():
    reply = chat(["the venue is Larkspur Hall, it seats 200 people"], "who owns larkspur")
    assert REFUSAL in reply and "Larkspur" not in reply, reply


@pytest.mark.parametrize("turns, question, value", [
    (["our electricity comes from Ostara Energy, about 70 a month"], "which company supplies our power", "Ostara"),
    (["i get my glasses from Lindqvist Optics on the high street"], "which shop do i buy glasses at", "Lindqvist"),
    (["my dentist is dr. Mireille Okafor"], "who looks after my teeth", "Okafor"),
    (["the movers arrive on friday at 8"], "what time is the moving", "8"),
])
def test_a_value_of_the_asked_kind_answers_a_loosely_worded_question(turns, question, value):
    assert value in chat(turns, question)


@pytest.mark.parametrize("turns, question", [
    (["my budget for the kitchen is 4,000 pounds"], "how much did my car cost"),
    (["my nephew's birthday is on the 9th"], "when is my birthday"),
])
def test_a_value_of_the_asked_kind_about_something_else_is_not_an_answer(turns, question):
    assert REFUSAL in chat(turns, question)


def test_a_question_using_the_users_words_never_goes_to_pythons_docs():
    reply = chat(["the gate code is written on the back of the parking card"], "what is the gate code")
    assert "help(" not in reply and REFUSAL in reply, reply


def test_the_words_a_question_asks_a_value_of():
    from course_lib.runtime.sim.questions import attribute_holders

    assert attribute_holders("whats the plumber's name") == ["plumber"]
    assert attribute_holders("hmm whats kofi's middle name") == ["kofi"]  # "middle" qualifies, holds nothing
    assert attribute_holders("what's the name of the hotel") == ["hotel"]
    assert attribute_holders("whats the alarm password") == ["password", "alarm"]
    assert attribute_holders("when is the exam") == []


@pytest.mark.parametrize("turns, question, value", [
    (["my laptop keeps overheating, it is a Lenovo Yoga 7 from 2022"], "which laptop do i use", "Lenovo"),
    (["my car has a flat tyre again, it is a Skoda Fabia"], "what car do i have", "Skoda"),
])
def test_a_question_for_one_named_thing_is_answered_by_the_clause_that_names_it(turns, question, value):
    assert value in chat(turns, question)  # not "Your laptop keeps overheating.", which names nothing


@pytest.mark.parametrize("turns, question, value, vague, vague_question", [
    (["the recital is on the 18th of may"], "whats the date of the recital", "18th", ["the recital is in may"],
     "whats the date of the recital"),
    (["we rent a flat at 27 Quarry Lane in Ipswich"], "whats the street address of the flat", "27 Quarry Lane",
     ["we rent a flat in Ipswich"], "whats the street address of the flat"),
])
def test_a_date_needs_a_day_and_an_address_a_street(turns, question, value, vague, vague_question):
    assert value in chat(turns, question)
    assert REFUSAL in chat(vague, vague_question)  # "in may" is not a date, "in Ipswich" not an address


def test_a_preposition_inside_a_title_makes_no_place():
    from course_lib.runtime.sim.values import values

    kinds = {(v.kind, v.text) for v in values("next we're reading Murder in Mesopotamia, then we travel to Leeds")}
    assert ("name", "Murder in Mesopotamia") in kinds and ("place", "in Mesopotamia") not in kinds
    assert ("place", "to Leeds") in kinds


def test_how_many_is_a_count_never_a_sum_of_money():
    reply = chat(["parking costs $3/hr", "we stayed 5 hours"], "how many hours did we park")
    assert "5 hours" in reply, reply


def test_a_question_that_only_names_the_kind_takes_the_value_of_that_kind():
    reply = chat(["the roofers came round this morning and quoted 2,300 euros"], "what price did they give me")
    assert "2,300" in reply, reply


def test_a_call_is_not_a_name():
    from course_lib.runtime.sim.language import meaning_words

    assert "name" in meaning_words("my cat is called Miso") and "name" not in meaning_words("when is the call")


@pytest.mark.parametrize("turns, question, trap", [
    (["the bakery is Crumb & Co on Tanner Street, the croissants are great"], "who owns the bakery", "Crumb"),
    (["we eat at a cafe called Ferns most fridays"], "who runs the cafe", "Ferns"),
])
def test_a_things_own_name_does_not_say_who_acts_on_it(turns, question, trap):
    reply = chat(turns, question)
    assert REFUSAL in reply and trap not in reply, reply


def test_who_is_still_answered_by_the_name_a_thing_is_given():
    assert "Whitlock" in chat(["the baker there is called Ada Whitlock"], "who's the baker")


@pytest.mark.parametrize("question", ["what time is it", "whats the time now?", "what day is it today"])
def test_a_question_about_the_clock_is_not_answered_from_the_conversation(question):
    reply = chat(["the meeting is at 3pm on friday"], question)
    assert "3pm" not in reply and "friday" not in reply, reply


@pytest.mark.parametrize("turns, question, value, other", [
    (["my son Ravi is 9", "his best friend is a boy named Oskar, sweet kid"], "whats my kid called", "Ravi", "Oskar"),
    (["my daughter Lene starts school in august", "her friend is a girl named Mira, lovely kid"],
     "what's my kid's name", "Lene", "Mira"),
    (["our manager is Dana Kerr", "the hiring manager at Brightwave is Ola Berg"], "who is my manager", "Dana",
     "Ola"),
])
def test_my_x_is_answered_by_what_the_user_calls_their_own(turns, question, value, other):
    reply = chat(turns, question)
    assert value in reply and other not in reply, reply


def test_the_users_own_thing_anchors_a_loosely_worded_my_question():
    turns = ["my line manager is Tamsin Rowe, shes been great", "the recruiter at Kelso is Brian Fitch"]
    assert "Tamsin" in chat(turns, "whats my boss's name")  # "my boss" ~ "my line manager", both the user's
    assert REFUSAL in chat(turns[1:], "whats my boss's name")  # a recruiter is no boss of the user's


def test_the_name_of_a_place_mentioned_by_the_way_is_not_the_name_asked_for():
    turns = ["the pharmacy is Greenleaf Chemists on Hollis Road, they're open late"]
    reply = chat(turns, "whats the name of the woman at the pharmacy")
    assert REFUSAL in reply and "Greenleaf" not in reply and "Hollis" not in reply, reply
    assert "Greenleaf" in chat(turns, "whats the pharmacy called")


PARTY = ["so im planning my dad's 70th birthday, its at the Copper Kettle on sunday the 9th",
         "the caterer charges 300 for the buffet, the hall deposit was $120",
         "my cousin Ilse is doing the flowers"]


@pytest.mark.parametrize("question, value", [
    ("when is the birthday", "sunday the 9th"),
    ("how much does the caterer charge", "300"),
    ("how much was the deposit", "$120"),
])
def test_values_known_by_their_context(question, value):
    assert value in chat(PARTY, question)


@pytest.mark.parametrize("question, trap", [
    ("when is my birthday", "70th"),  # "70th" is an age, not a day of the month
    ("what time does the party start", "9th"),  # a day is not a clock time
    ("how much are the flowers", "300"),  # "how much is/are" asks a price
    ("how much is the hall per hour", "$120"),  # a rate needs its unit
    ("how many people is the caterer feeding", "300"),  # "charges 300" is money, not a count
    ("whats my dad's name", "Copper Kettle"),  # dad is only ever the owner of the birthday, never named
])
def test_values_of_the_kind_but_not_the_precision_asked_are_refused(question, trap):
    reply = chat(PARTY, question)
    assert REFUSAL in reply and trap not in reply, reply


CAR = ["ugh my car failed its inspection yesterday, its a 2015 Honda Jazz",
       "the garage is Patel Motors on Brook Lane, the mechanic said the brake pads are worn"]


def test_the_words_of_a_name_are_covered_only_by_that_name():
    reply = chat(CAR, "who owns patel motors")  # "motors" is not "car": it is part of the garage's name
    assert REFUSAL in reply and "Honda" not in reply, reply


def test_what_year_wants_a_year():
    assert "2015" in chat(CAR, "what year is my car")


@pytest.mark.parametrize("turns, question, value", [
    (["the vet's number is 0161 555 2093, they open at 8"], "whats the vet's phone number", "0161 555 2093"),
    (["the club's site is larkhill-tennis.org.uk"], "whats the club website", "larkhill-tennis.org.uk"),
    (["my work email is r.okafor@brightwave.io"], "what email do i use for work", "r.okafor@brightwave.io"),
])
def test_phone_numbers_websites_and_emails_are_values_of_their_own(turns, question, value):
    assert value in chat(turns, question)


def test_an_email_question_needs_an_email():
    reply = chat(["our team lead is Priyanka Rao, she started in march"], "whats the team lead's email")
    assert REFUSAL in reply and "Priyanka" not in reply, reply


@pytest.mark.parametrize("turns, question, new, old", [
    (["the rent is 1,150 a month", "update: the landlord raised it to 1,200"], "how much is the rent", "1,200",
     "1,150"),
    (["the kids' swim lesson is at 4:30 on tuesdays", "they switched it to 5:15"], "what time is swim lesson",
     "5:15", "4:30"),
    (["my dentist appointment is on the 12th", "no sorry, the 14th"], "when is my dentist appointment", "14th",
     "12th"),
    (["the wifi password is maple42", "they changed it, it's now birch77"], "whats the wifi password", "birch77",
     "maple42"),
])
def test_more_everyday_corrections(turns, question, new, old):
    reply = chat(turns, question)
    assert new in reply and old not in reply, reply


TRIP = ["hey! we're finally doing the japan trip, flying out of Manchester on april 4th",
        "the hotel in Kyoto is the Gion Yasaka Inn, 3 nights, about 420 pounds total",
        "my travel buddy is my cousin Femi, he's never been abroad lol",
        "oh and the flight number is EK 022 via Dubai"]


def test_the_best_anchored_clause_answers_when_a_better_one_is_about_something_else():
    assert "Manchester" in chat(TRIP, "which airport are we flying from")


@pytest.mark.parametrize("question, trap", [("who's coming with me", "Dubai"), ("whats femi's surname", "Femi")])
def test_a_question_with_nothing_to_anchor_or_a_surname_never_given_is_refused(question, trap):
    reply = chat(TRIP, question)
    assert REFUSAL in reply and trap not in reply, reply


SCHOOL = ["morning! my son Kwame just started year 3 at Oakfield Primary",
          "his teacher is Mrs Delacroix and his best mate is a kid called Arlo",
          "school starts at 8:45 and i do pickups on wednesdays"]


def test_a_general_word_is_answered_by_its_kinds_but_not_the_other_way():
    assert "Kwame" in chat(SCHOOL, "whats my kid's name")  # a son is a kid
    reply = chat(SCHOOL, "whats my daughter's name")  # but a kid, or a son, is no daughter
    assert REFUSAL in reply and "Kwame" not in reply and "Arlo" not in reply, reply


def test_weekdays_in_the_plural_are_times():
    assert "wednesdays" in chat(SCHOOL, "which day do i do pickup")


def test_a_possessive_opening_a_sentence_refers_to_the_one_before():
    assert "Delacroix" in chat(SCHOOL, "who teaches kwame")  # "his teacher" is Kwame's
    reply = chat(SCHOOL, "whats arlo's last name")  # and pairing them names nobody new
    assert REFUSAL in reply and "Delacroix" not in reply, reply


DOG = ["hiya, so we adopted a rescue dog last weekend, a greyhound called Pepper",
       "she's 4 and the shelter was Hollybank Rescue, adoption fee was 250",
       "our vet is Dr Amira Haddad at Westgate Vets, first checkup is on the 17th at 10:30",
       "actually the checkup got moved to the 19th, same time"]


def test_a_correction_of_the_day_keeps_the_clock_time():
    reply = chat(DOG, "what time is the checkup")
    assert "10:30" in reply and "17th" not in reply, reply
    assert "19th" in chat(DOG, "when is the checkup")


def test_a_name_in_the_question_says_whose_not_what():
    reply = chat(DOG, "who runs hollybank rescue")  # "a rescue dog ... called Pepper" is not about the shelter
    assert REFUSAL in reply and "Pepper" not in reply, reply


VISIT = ["my brother Tariq is visiting from Lisbon next week, his flight lands at 7:20pm on friday",
         "my wife Leila is making up the spare room",
         "my own flight to Berlin is the week after, on the 14th"]


def test_a_possessive_clause_goes_on_about_the_clause_before_it_in_the_sentence():
    assert "7:20" in chat(VISIT, "when does tariq land")


@pytest.mark.parametrize("question, trap", [("when does my wife's flight land", "7:20"),
                                            ("when does my sister's flight land", "7:20")])
def test_his_thing_is_not_hers_nor_the_users(question, trap):
    reply = chat(VISIT, question)
    assert REFUSAL in reply and trap not in reply, reply


def test_a_dotted_clock_time_after_at_is_a_time():
    reply = chat(["the ferry leaves at 7.05 from pier 3"], "when does the ferry leave")
    assert "7.05" in reply, reply


def test_a_new_date_replaces_every_part_of_the_old_one():
    # "thursday april 3" is two parts of one date: a new date leaves neither behind
    turns = ["the essay is due thursday april 3 and it has to be 2000 words",
             "ugh sorry, they pushed it, it's due april 10 now"]
    reply = chat(turns, "when's my essay due")
    assert "april 10" in reply and "april 3" not in reply and "thursday" not in reply, reply


@pytest.mark.parametrize("question, kind", [
    ("what's the rent per year for the allotment", "money"),  # "per year" is a rate, not the time asked for
    ("whats the parking permit a month", None),  # no word names a sum: the rate alone asks for no kind
    ("whats the deposit", "money"),  # a noun that names a sum of money
    ("which company owes me money", None),  # a verb of money asks for a name, not a sum
    ("what day a week is yoga", "time"),  # the asked word comes before the rate
])
def test_a_rate_is_not_the_asked_kind_and_a_sum_asks_for_money(question, kind):
    assert answer_kind(question) == kind


def test_a_question_about_a_sum_per_period_is_answered_with_the_sum():
    turns = ["the allotment costs 120 a year and we got plot 14", "we pick up the keys on the 6th of june"]
    assert "120" in chat(turns, "what's the rent per year for the allotment")


KITTEN = ["we adopted a kitten last week!! a tabby named Miso, hes 3 months", "what litter is best for kittens"]


def test_a_sentence_that_only_names_a_thing_belongs_to_the_sentence_before():
    assert "Miso" in chat(KITTEN, "whats my cats name")  # "a tabby named Miso" is the kitten


def test_a_name_that_does_something_is_not_the_thing_before_it():
    turns = ["my brother came round on sunday. a guy called Rob fixed our boiler, it cost 90 quid"]
    reply = chat(turns, "whats my brothers name")  # Rob fixed the boiler: he is not the brother
    assert REFUSAL in reply and "Rob" not in reply, reply


@pytest.mark.parametrize("turns, question, name", [
    (["ok so my sister maya is flying in on friday, can u suggest a dinner spot"], "whats my sisters name", "maya"),
    (["we adopted a rescue cat called pickle last week, any litter tips"], "whats the cat called", "pickle"),
    (["my cousin ravi booked the cabin for the weekend"], "whats my cousins name", "ravi"),
    # a phone capitalises each sentence's first letter, never the name
    (["Ok so the cabin is sorted. My cousin ravi booked it for the weekend"], "whats my cousins name", "ravi"),
])
def test_a_name_typed_in_lower_case_is_still_a_name(turns, question, name):
    assert name in chat(turns, question)


@pytest.mark.parametrize("turns, question", [
    (["my brother moved to leeds in june, hes loving it"], "whats my brothers name"),
    (["my son turns 9 next week and wants a bike"], "whats my sons name"),  # "turns" is what he does
])
def test_a_person_named_only_by_their_role_has_no_name_to_give(turns, question):
    assert REFUSAL in chat(turns, question)


@pytest.mark.parametrize("turns, question", [
    (["my cousin ravi booked the cabin for the weekend"], "whats the cabin owners name"),
    (["My cousin Ravi booked the cabin for the weekend."], "What's the cabin owner's name?"),
])
def test_a_name_answers_only_for_the_one_it_belongs_to(turns, question):
    assert REFUSAL in chat(turns, question)  # the cousin booked it; the owner was never named


def test_a_question_about_what_the_user_only_asked_about_is_still_about_the_conversation():
    # "party" is only in the user's requests, never in a statement: still this conversation's party, not trivia
    reply = chat(["hey can u help me plan a kids party? its for my son", "how many party bags do ppl usually do"],
                 "when does the party kick off")
    assert reply == NO_INFORMATION, reply


def test_a_correction_with_no_old_value_updates_the_latest_value_it_could_mean():
    # two monthly prices share the word "month"; "its actually" corrects the one just given, not the first
    turns = ["my current phone plan costs £30 a month and the signal is bad",
             "ok i switched to a new network, unlimited data for £12 a month",
             "ah sorry its actually £14 a month, i forgot the vat"]
    reply = chat(turns, "how much will the new network cost me monthly")
    assert "14" in reply and "12" not in reply, reply


def test_now_far_from_a_new_value_is_no_correction():
    # "now" belongs to "he starts later now", not to his train time: the user's own train time stands
    turns = ["my train to york leaves at 07:12, coach C",
             "my brother is getting the 09:40 train cos he starts later now"]
    reply = chat(turns, "what time does my train leave")
    assert "07:12" in reply and "09:40" not in reply, reply
    assert "4 nights" in chat(["the cabin is booked for 3 nights", "we extended it so its 4 nights now"],
                              "how many nights is the cabin booked for")  # next to its value, "now" still updates


def test_an_answer_never_repeats_the_value_a_correction_ruled_out():
    # the 9 was said inside a question, so no statement holds it; the correction alone answers, without "not 9"
    turns = ["how much pizza do i need, weve got 9 teenagers coming?",
             "sorry its 11 teenagers not 9, two more said yes"]
    reply = chat(turns, "how many teenagers are coming")
    assert "11" in reply and "9" not in reply, reply


def test_a_new_day_replaces_a_date_never_a_clock_time():
    # "moved it to monday the 8th" changes the plumber's day; "home at 6pm", said later, is a clock time: it stays
    turns = ["the plumber is coming thursday the 4th at 10am", "my wife gets home at 6pm so she can let him out",
             "no wait he moved it to monday the 8th, same time"]
    plumber = chat(turns, "when is the plumber coming")
    assert "monday the 8th" in plumber.lower() and "10am" in plumber and "thursday" not in plumber.lower(), plumber
    home = chat(turns, "what time does my wife get home")
    assert "6pm" in home and "monday" not in home.lower(), home


def test_light_verbs_carry_no_meaning_of_their_own():
    # "gets", "getting", "having" are as light as "get", "got", "have": an earlier "got" must not make "gets" a
    # word the answer has to share
    from course_lib.runtime.sim.language import meaning_words

    assert not {"get", "have"} & set(meaning_words("what gets me in, are we getting paid, where are we having it"))
    reply = chat(["we finally got a rehearsal room", "the door code is 5151"], "what number gets me in at the entrance")
    assert "5151" in reply, reply


@pytest.mark.parametrize("turns, question, trap", [
    (["theres usually 9 of us on the hike but tomas cant come this week"], "whats tomas number", "9"),
    (["my neighbour ruth has lived on this street since the 70s"], "whats ruths door code", "70s"),
])
def test_a_count_or_a_decade_is_no_number_anyone_quotes(turns, question, trap):
    reply = chat(turns, question)
    assert REFUSAL in reply and trap not in reply, reply


def test_a_bare_number_still_answers_a_number_question():
    assert "14" in chat(["we got the allotment, its plot 14 by the gate"], "whats our plot number")


@pytest.mark.parametrize("question", ["when does oskars flight leave", "when does oskar's flight leave"])
def test_someone_elses_thing_is_answered_only_by_a_clause_that_says_whose(question):
    """With or without the apostrophe, "oskar's flight" is not the user's flight."""
    turns = ["my flight home leaves at 6:40 on sunday", "my mate oskar is coming too, no idea when he lands"]
    assert "6:40" not in chat(turns, question)
    turns = ["my flight home leaves at 6:40 on sunday", "my mate oskar is on a later flight, it leaves at 9:15"]
    assert "9:15" in chat(turns, question)


@pytest.mark.parametrize("statement", ["I am moving to a new flat on the 14th of March.", "sorry im late, traffic",
                                       "the vet said nothing was wrong with her, we were there at 4pm",
                                       "sorry, im late, the bus was 20 minutes behind",
                                       "sorry i missed your message, i was at the gym till 6pm"])
def test_statements_that_only_look_like_corrections_are_not_taken_for_one(statement):
    from course_lib.runtime.sim.replies import CORRECTED, acknowledge

    assert acknowledge(statement) != CORRECTED
    memory = remember([("user", "my check up is at 2pm on friday"), ("user", statement)])
    assert memory[0].text == "my check up is at 2pm on friday"


def test_who_is_answered_by_a_person_the_user_names_by_their_role():
    reply = chat(["can u help me plan the weekend", "my flatmate offered to walk the dog on saturday"],
                 "who's walking the dog")
    assert "flatmate" in reply.lower(), reply
    reply = chat(["my cousin sam is getting married in may"], "who is sam marrying")
    assert REFUSAL in reply, reply  # "my cousin sam" is who the question is about, not the answer
    assert REFUSAL in chat(["my flatmate offered to walk the dog on saturday"], "whats my flatmates name")


def test_a_retracted_day_is_replaced_once_by_the_day_given_for_it():
    """Not by a later time in the same sentence ("friday evening"), and without doubling the article ("the the")."""
    memory = remember([("user", "the pottery class is on the 3rd at 6pm"),
                       ("user", "hmm scrap the 3rd, its moving to the 10th cos the kiln gets fixed on friday evening")])
    assert memory[0].text == "the pottery class is on the 10th at 6pm"
    memory = remember([("user", "the pottery class is on the 3rd at 6pm"),
                       ("user", "no wait they moved it to the 10th")])
    assert memory[0].text == "the pottery class is on the 10th at 6pm"


def test_a_correction_naming_its_old_value_changes_nothing_else():
    """"34 people not 30" says what it corrects: the deposit stays £50, and the count said inside a question
    ("how many chairs do we need, weve invited 30 people") is the one corrected."""
    memory = remember([("user", "we paid a £50 deposit for the hall"),
                       ("user", "how many chairs do we need, weve invited 30 people"),
                       ("user", "sorry the number i gave was wrong, its 34 people not 30")])
    texts = [c.text for c in memory]
    assert "we paid a £50 deposit for the hall" in texts and "weve invited 34 people" in texts, texts


@pytest.mark.parametrize("statement", [
    "we switched to oat milk 3 weeks ago",                          # a duration is no price
    "my sister was wrong about the 15th, her party is on the 20th",  # someone else was wrong, about something else
    "the DJ got it wrong last year, he came at 11pm",                # "he": about the DJ
    "we pushed back the rehearsal to the 10th",                      # names what moved: the rehearsal
    "no wait the florist comes at 9am",                              # about the florist
    "instead of flowers we are doing candles, about £25",
    "sorry for the late reply, work was mad till 9pm",
    "actually i need 30 chairs too",
])
def test_a_statement_about_something_else_corrects_nothing(statement):
    booking = "the hall booking is at 2pm on the 12th and costs £60"
    assert remember([("user", booking), ("user", statement)])[0].text == booking


@pytest.mark.parametrize("turns, corrected", [
    (["the call with the bank is at 2pm", "make that 9am"], "the call with the bank is at 9am"),     # not "9pm"
    (["the stall fee is £40", "make that 55 euros"], "the stall fee is 55 euros"),                 # its own currency
    (["the roof budget is 3k", "make that 5k"], "the roof budget is 5k"),                          # not "5kk"
    (["the raffle float is 300 quid", "make that 450"], "the raffle float is 450 quid"),           # keeps the unit
    (["the team is 11 players", "no wait make that 13 of us"], "the team is 13 players"),
])
def test_a_corrected_value_keeps_its_unit_only_when_the_new_one_has_none(turns, corrected):
    assert remember([("user", t) for t in turns])[0].text == corrected


def test_a_retracted_sum_with_a_thousands_comma_is_replaced_whole_and_once():
    memory = remember([("user", "the quote for the extension came to £18,250 all in"),
                       ("user", "scratch the 18,250, they knocked it down to £17,900 yesterday")])
    assert memory[0].text == "the quote for the extension came to £17,900 all in"


def test_a_clause_going_on_with_shes_keeps_its_subject_for_a_later_correction():
    """"kev, hes quoted £300" stays one clause, so "kev is actually £340" knows which sum it corrects."""
    memory = remember([("user", "our plumber is kev, hes quoted £300 for the boiler"),
                       ("user", "ugh kev is actually £340 not what i said")])
    assert "£340" in memory[0].text and "£300" not in memory[0].text


@pytest.mark.parametrize("text, phone", [
    ("ring the plumber on 07911 123456", "07911 123456"),            # a UK mobile in two groups
    ("my new mobile is 07911123456", "07911123456"),                  # or unbroken
    ("text +447911123456 when you land", "+447911123456"),
])
def test_a_mobile_number_is_one_code_not_two_amounts(text, phone):
    from course_lib.runtime.sim.values import values

    assert [(v.kind, v.text) for v in values(text)] == [("code", phone)]


@pytest.mark.parametrize("question", ["which doc is she seeing", "whats her docs name"])
def test_dr_and_doc_are_spellings_of_doctor(question):
    reply = chat(["my nan has a check-up booked with dr Adeyemi on the 3rd"], question)
    assert "Adeyemi" in reply, reply


# What a phrase is about: its last noun. "my running watch" is a watch, "the cat sitter" a sitter.
RUNNING = ["entered my first proper race, the Abbey Dash in leeds on 6 november",
           "my running watch is a Garmin Forerunner 55", "physio says ease off the hills"]


def test_a_word_before_the_last_noun_of_a_phrase_modifies_it():
    assert modifiers("my running watch is a Garmin Forerunner 55") == {"running": "watch"}
    assert modifiers("the class fee was £180 for the term") == {"class": "fee"}
    assert modifiers("whos my running partner") == {"running": "partner"}
    assert modifiers("her vet is dr Osei") == {"dr": "osei"}  # "vet is": the vet is the subject
    assert modifiers("our electricity comes from Ostara Energy") == {"ostara": "energy"}  # "comes" is a verb


def test_a_clause_about_another_thing_does_not_answer_through_its_modifier():
    watch_only = RUNNING[1:]  # the race is never named
    for question in ["which race have i entered", "which race am i training for"]:
        assert REFUSAL in chat(watch_only, question), question


def test_a_question_word_that_qualifies_the_next_may_be_covered_by_a_qualifier():
    """"overnight" in "the overnight carer coming tonight" qualifies "carer" (a verb follows, still a qualifier in a
    question), so "night" in "our night nurse" may cover it."""
    assert "Abena" in chat(["our night nurse is Abena, she starts at 8"], "who's the overnight carer coming tonight")


def test_a_modifier_still_counts_when_its_noun_is_what_the_question_asks():
    """A fee is what "how much" asks, so "the class fee" answers "how much was the course"."""
    turns = ["started a pottery evening course at Ashdown College", "the class fee was £180 for the term"]
    assert "£180" in chat(turns, "how much was the course")


def test_a_name_in_apposition_is_said_with_what_it_names():
    turns = ["finally joined a choir, the Harbour Singers, we rehearse on mondays"]
    assert "Harbour Singers" in chat(turns, "which choir am i in")
    reply = chat(RUNNING, "which race am i doing")
    assert "Abbey Dash" in reply and "Garmin" not in reply, reply


def test_the_role_a_who_question_asks_for():
    assert asked_role("who's the cat's vet") == ["vet"]
    assert asked_role("whos my running partner") == ["running", "partner"]
    assert asked_role("who's my boss on this") == ["boss"]
    assert asked_role("whos our conveyancer again") == ["conveyancer"]
    assert asked_role("who's my coverage through for the checkup") == ["coverage"]
    for doing in ["who's taking the pictures", "whos missing this time", "who's the person deciding whether to go"]:
        assert asked_role(doing) == [], doing


def test_a_person_with_another_role_is_not_the_one_asked_for():
    pets = ["we got a kitten, a ragdoll called Miso", "the cat sitter is Jo from next door"]
    assert REFUSAL in chat(pets, "who's the cat's vet")
    runs = ["my running shoes are Hoka Clifton 9", "my coach is Ayo Bello, she wants 4 runs a week from me"]
    reply = chat(runs, "whos my running partner")
    assert REFUSAL in reply and "Ayo" not in reply, reply


def test_the_role_is_still_found_by_its_meaning_or_by_a_word_for_the_whole_role():
    assert "Marek" in chat(["our bassist is Marek, drummer is Tom"], "who's our bass player")
    assert "Ines Duarte" in chat(["my line manager is Ines Duarte"], "who's my boss")
    assert "Jo" in chat(["the cat sitter is Jo from next door"], "who's the cat sitter")


@pytest.mark.parametrize("turns, question", [
    (["my laptop is a ThinkPad X1 Carbon 9, it keeps crashing"], "who's fixing my laptop"),  # a model, not a person
    (["flying out on BA 2490 at 7 on saturday"], "who am i flying with"),                    # a code, not an airline
])
def test_who_is_not_answered_by_the_name_of_a_model_or_a_code(turns, question):
    assert REFUSAL in chat(turns, question)


@pytest.mark.parametrize("turns, question, value", [
    (["my physio is Dana Kerr 2 streets away"], "who's my physio", "Dana Kerr"),  # "2 streets" counts something
    (["the shop is Spoke & Chain on Mill Road"], "who's sorting the shop", "Spoke & Chain"),  # a firm answers who
    (["our internet provider is Zen Broadband, 900mb for £40"], "who's our internet provider", "Zen Broadband"),
])
def test_who_is_still_answered_by_a_person_or_a_firm_next_to_a_number(turns, question, value):
    assert value in chat(turns, question)


def test_a_preposition_before_an_everyday_word_makes_no_place_but_before_a_lowercase_name_it_does():
    from course_lib.runtime.sim.values import values

    def places(text):
        return [v.text for v in values(text) if v.kind == "place"]

    assert places("move in date is the 3rd of may") == []
    assert places("the engineer came round to install it") == []
    assert places("booked it at halfords in bicester") == ["at halfords", "in bicester"]
    assert places("dads at work till 6") == ["at work"]  # a noun English uses as a place without "the"
    turns = ["we signed for the flat on Cobden Road!!", "move in date is the 3rd of may"]
    assert "Cobden Road" in chat(turns, "where's the new place")
    assert REFUSAL in chat(["the engineer came round to install it on tuesday"], "where is the engineer")


HEN_DO = ["finally booked my sister's hen do!!", "its at the Copper Kettle in york on the 12th of july",
          "theres 14 of us going, £60 each"]


@pytest.mark.parametrize("turns, question, value", [
    (HEN_DO, "where are we having it", "Copper Kettle"),    # no word but the kind: it is what the chat is about
    (HEN_DO, "when is it", "12th of july"),
    (HEN_DO, "how many are going", "14"),
    (["my laptop died so i took it to the repair shop on dean street", "they said it'll be ready on monday"],
     "when can i pick it up", "monday"),                      # "pick up" says little alone
    (["we're getting a new sofa from Loaf, the grey one", "delivery is thursday between 8 and 12"],
     "where are we getting it from", "Loaf"),
])
def test_a_question_that_names_only_the_kind_takes_the_value_of_that_kind_from_the_chat(turns, question, value):
    assert value in chat(turns, question)


def test_a_where_with_nothing_else_wants_a_place_not_a_name_said_later():
    turns = ["booked the mot at halfords in bicester for friday", "my partner priya is picking me up after"]
    reply = chat(turns, "where am i taking it")
    assert "halfords" in reply and "priya" not in reply, reply
    assert REFUSAL in chat(["we're getting a new sofa from Loaf, the grey one"], "how much is it")


@pytest.mark.parametrize("question", ["what's the dress code", "what time is yoga class"])
def test_an_everyday_compound_with_a_python_word_never_goes_to_pythons_docs(question):
    reply = chat(HEN_DO, question)
    assert "from Python's help(" not in reply and "don't have that information" in reply, reply


@pytest.mark.parametrize("question, source", [("what is a python class", "from Python's help("),
                                              ("what does the return statement do", 'help("return")'),
                                              ("when should i use tuples", 'help("SEQUENCES")')])
def test_a_python_word_after_a_python_word_or_a_determiner_is_still_pythons(question, source):
    assert source in chat(HEN_DO, question)


BOILER = ["my boiler broke again ugh", "the plumber is a guy called Rhys from HeatRight",
          "he's coming thursday between 10 and 2", "the boiler is a Worcester Bosch 30i, about 9 years old",
          "oh wait he just texted, its friday now not thursday"]


def test_a_sentence_going_on_with_he_is_about_the_person_named_just_before():
    reply = chat(BOILER, "what day is the plumber booked")
    assert "friday" in reply and "thursday" not in reply, reply


def test_a_brand_with_a_model_number_is_no_person():
    assert "Worcester" not in chat(BOILER, "who's fixing the boiler")


def test_a_venue_is_a_place_word_so_where_is_the_venue_takes_the_place():
    turns = ["planning a surprise 40th for my wife Anya", "its on saturday 8th june at the Old Forge in Hebden Bridge",
             "sorry, it's the 15th june not the 8th, the venue double booked"]
    assert "Old Forge" in chat(turns, "where's the venue")


@pytest.mark.parametrize("turns, question, age", [
    (["planning a surprise 40th for my wife Anya"], "how old is she turning", "40th"),  # an ordinal past 31
    (["my son leo turns 7 on the 14th of march"], "how old will leo be", "7"),
    (["my dad is 64 and retiring in may"], "how old is my dad", "64"),
    (["our cat Pip is 12 years old and still hunting"], "how old is pip", "12"),
])
def test_how_old_is_answered_by_an_age(turns, question, age):
    assert age in chat(turns, question)


@pytest.mark.parametrize("turns, question", [
    (["my sister Jo is coming at 7, shes bringing 2 bottles"], "how old is jo"),  # a time and a count, no age
    (["the rent is 1150 a month for the flat"], "how old is the flat"),
])
def test_how_old_is_not_answered_by_a_number_that_is_no_age(turns, question):
    assert REFUSAL in chat(turns, question)


@pytest.mark.parametrize("turns, question, new, old", [
    (["dinner reservation is at 7:30 at Zizzi for 6 people",
      "oh actually can we make it 8 people, my cousins are coming"], "how many people is the booking for", "8", "6"),
    (["the kids' dentist is on wednesday", "ugh they cancelled, its been moved to next monday"],
     "when's the dentist", "monday", "wednesday"),                       # "next" belongs to the new day
    (["my manager is called Tom Reid", "correction: Tom left, my new manager is Aisha Khan"],
     "who's my manager", "Aisha", "Tom"),                                # the correcting sentence is not its target
    (["our wifi password is bluefrog22", "i changed the wifi password to greenowl88 last night"],
     "whats the wifi password", "greenowl88", "bluefrog22"),
])
def test_corrections_asked_as_requests_or_said_about_the_thing(turns, question, new, old):
    reply = chat(turns, question)
    assert new in reply and old not in reply, reply


@pytest.mark.parametrize("turns, corrected", [
    (["the quote was £640", "oh they just rang, its gonna be £780 now cos the calipers are seized"],
     "the quote was £780"),                                       # the reason after "cos" names nothing corrected
    (["theres 7 of us going", "oh its 9 of us now"], "theres 9 of us going"),
])
def test_a_new_amount_and_now_updates_the_last_amount(turns, corrected):
    assert remember([("user", t) for t in turns])[0].text == corrected


def test_a_new_clock_time_and_now_is_the_clocks_not_a_correction():
    memory = remember([("user", "the meeting is at 3pm"), ("user", "its 5pm now, im off home")])
    assert memory[0].text == "the meeting is at 3pm"


NEW_JOB = ["starting a new job on monday!! its at Northwind Analytics in leeds", "my line manager will be Priya Shah",
           "i need to be in by 9 on the first day, then its hybrid",
           "oh and my start date got pushed to tuesday cos of a bank holiday"]
COTTAGE = ["booked a cottage in the lakes for half term", "its called Beck View, in Grasmere",
           "the owner is Mrs Hartley, her number is 015394 35502"]


@pytest.mark.parametrize("turns, question, value, not_value", [
    (NEW_JOB, "who's my new boss", "Priya Shah", None),          # "my new boss" and "my line manager": both mine
    (NEW_JOB, "what time do i need to be in", "9", None),        # "by 9 on the first day" is a time
    (NEW_JOB, "when do i start", "tuesday", "monday"),           # "got pushed to tuesday" corrects
    (COTTAGE, "who owns the cottage", "Hartley", "Beck View"),   # an owner owns; the cottage's name is no person
    (COTTAGE, "which village is it in", "Grasmere", None),
])
def test_a_new_job_and_a_holiday_cottage_in_everyday_words(turns, question, value, not_value):
    reply = chat(turns, question)
    assert value in reply and (not_value is None or not_value not in reply), reply


def test_where_is_not_answered_by_a_persons_name():
    turns = ["my brother Callum is getting married in june", "the bride is called Noor, she's a vet"]
    reply = chat(turns, "where's the wedding being held")
    assert REFUSAL in reply and "Noor" not in reply, reply
    turns.append("the wedding is at Harrow Barn near ledbury")
    assert "Harrow Barn" in chat(turns, "where's the wedding being held")


def test_its_called_in_the_next_sentence_names_the_thing_before():
    assert "Beck View" in chat(COTTAGE, "what's the cottage called")


@pytest.mark.parametrize("turns, question, value", [
    (["check in is 4pm on the 26th, 5 nights, £840 in all"], "how long are we there", "5 nights"),
    (["the course runs for 6 weeks from monday, 2 sessions a week"], "how long is the course", "6 weeks"),
])
def test_how_long_is_answered_by_a_duration(turns, question, value):
    assert value in chat(turns, question)


def test_how_long_is_not_answered_by_a_number_that_is_no_duration():
    assert REFUSAL in chat(["the course costs £180 and starts at 7pm"], "how long is the course")


def test_the_role_a_who_question_names_is_its_topic_not_its_answer():
    """"who's my dentist" is not answered by "my dentist said ..." (which names no one), but by the dentist's name."""
    turns = ["got a dentist appointment next week, its with dr Malik at Smile Studio",
             "my dentist said to avoid fizzy drinks lol"]
    assert "Malik" in chat(turns, "who's my dentist")
    assert "mum" in chat(["my mum offered to do the cake"], "whos baking the cake").lower()  # a role still answers


@pytest.mark.parametrize("turns, question, value", [
    (["The production API base URL is https://api-east.acme-billing.example.com/v3."],
     "Where do I point the client in prod?", "https://api-east.acme-billing.example.com/v3"),
    (["Our staging database host is pg-stage-57.us.internal."], "Where does the staging DB live?",
     "pg-stage-57.us.internal"),                                   # an internal host is one address, not "pg-stage-57"
    (["my work email is ana.costa@example.com, use that one"], "Where should you email me?", "ana.costa@example.com"),
])
def test_where_is_answered_by_an_address_a_web_or_email_address_or_a_host(turns, question, value):
    assert value in chat(turns, question)


def test_where_is_not_answered_by_a_code_that_is_no_address():
    assert REFUSAL in chat(["the flight number is FR 8324, leaves at 6:10"], "where am i flying from")


@pytest.mark.parametrize("turns, question, value", [
    (["my buzzer is broken so text me when youre outside, my numbers 07700 900461"], "whats my mobile", "900461"),
    (["my new mobile is 07911 123456"], "what's my cell", "07911 123456"),
])
def test_my_mobile_is_the_phone_number_i_gave(turns, question, value):
    assert value in chat(turns, question)


@pytest.mark.parametrize("turns, question, trap", [
    (["my sister's number is 07700 900123 if you need her"], "whats my mobile", "900123"),
    (["the plumber is Rhys, his mobile is 07911 223344"], "whats my phone number", "223344"),
])
def test_my_mobile_is_not_someone_elses_number(turns, question, trap):
    reply = chat(turns, question)
    assert REFUSAL in reply and trap not in reply, reply

