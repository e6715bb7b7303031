"""Tools as clients use them, against the simulated Claude in process and over `course-kit serve`.

The real SDK (``messages.create`` and its tool runner) and LangChain's ``bind_tools`` drive a tool
round trip with a real schema; ``tool_choice`` is honoured each way; inputs validate against the schema.
The LangChain test runs in the benchmarks' environment:
``PYTHONPATH=$PWD /work/benchvenv/bin/python -m pytest tests/test_sim_tools.py -k langchain``.
"""

import anthropic
import pytest

from course_lib import DEFAULT_MODEL, client_info, make_client

jsonschema = pytest.importorskip("jsonschema")

WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather in a given location",
    "input_schema": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "The temperature unit"},
        },
        "required": ["location"],
    },
}
CLOCK = {
    "name": "get_time",
    "description": "Get the current local time in a given time zone",
    "input_schema": {"type": "object", "required": ["timezone"],
                     "properties": {"timezone": {"type": "string", "description": "A city or IANA zone"}}},
}
ORDERS = {
    "name": "lookup_order",
    "description": "Look up the shipping status of an order by its order id.",
    "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
}
TIMER = {
    "name": "start_timer",
    "description": "Start a kitchen timer that rings after some minutes.",
    "input_schema": {"type": "object", "required": ["minutes", "label"], "properties": {
        "minutes": {"type": "integer", "minimum": 1, "maximum": 180},
        "label": {"type": "string", "description": "What the timer is for"}}},
}
TOOLS = [WEATHER, CLOCK, ORDERS, TIMER]
BY_NAME = {t["name"]: t for t in TOOLS}


@pytest.fixture(params=["in process", "served"])
def client(request, server):
    if request.param == "in process":
        return make_client("simulated")
    return anthropic.Anthropic(base_url=server.url, api_key="dummy", max_retries=0)


def ask(client, text_or_messages, **kwargs):
    messages = text_or_messages
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    return client.messages.create(model=DEFAULT_MODEL, max_tokens=400, messages=messages,
                                  **{"tools": TOOLS, **kwargs})


def calls_of(reply):
    uses = [b for b in reply.content if b.type == "tool_use"]
    for use in uses:  # every input the simulator writes is valid for the tool's own schema
        jsonschema.validate(use.input, BY_NAME[use.name]["input_schema"])
    return uses


def texts_of(reply):
    return [b.text for b in reply.content if b.type == "text"]


# -- a round trip with a schema ------------------------------------------------------------------

def test_weather_round_trip_fills_the_schema_and_answers_from_the_result(client):
    question = "hey, what's it like outside in Lisbon right now?"
    first = ask(client, question)
    assert first.stop_reason == "tool_use"
    (call,) = calls_of(first)
    assert call.name == "get_weather" and call.input == {"location": "Lisbon"}  # no unit asked for, none invented
    history = [{"role": "user", "content": question}, {"role": "assistant", "content": first.content},
               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id,
                                             "content": "Lisbon: 23 C, sunny, light wind from the north."}]}]
    final = ask(client, history)
    assert final.stop_reason == "end_turn" and not calls_of(final)
    (answer,) = texts_of(final)
    assert "23 C, sunny" in answer and "get_weather" in answer


def test_an_enum_value_the_user_spells_out_is_used(client):
    (call,) = calls_of(ask(client, "Is it going to rain in Porto today? Give it to me in fahrenheit please"))
    assert call.input == {"location": "Porto", "unit": "fahrenheit"}


def test_inputs_come_from_earlier_turns_when_the_question_lacks_them(client):
    history = [{"role": "user", "content": "We're spending the week in Valencia."},
               {"role": "assistant", "content": "Sounds lovely."},
               {"role": "user", "content": "What's the weather going to be like?"}]
    (call,) = calls_of(ask(client, history))
    assert call.input["location"] == "Valencia"


def test_an_integer_field_gets_a_number_within_its_range(client):
    (call,) = calls_of(ask(client, "Please set a timer for 25 minutes for the lasagne"))
    assert call.name == "start_timer" and call.input["minutes"] == 25
    (call,) = calls_of(ask(client, "Please start a timer for 500 minutes, slow roast"))
    assert call.input["minutes"] == 180  # the schema's maximum


def test_a_missing_required_value_is_asked_for_not_invented(client):
    reply = ask(client, "what's the weather like?")
    assert reply.stop_reason == "end_turn" and not calls_of(reply)
    assert "location" in texts_of(reply)[0]


def test_an_order_question_calls_the_tool_but_a_question_about_what_was_said_does_not(client):
    (call,) = calls_of(ask(client, "where's my order KX-4417-B?"))
    assert call.input == {"order_id": "KX-4417-B"}
    history = [{"role": "user", "content": "My order id is KX-4417-B, it was a birthday present."},
               {"role": "assistant", "content": "Noted."},
               {"role": "user", "content": "what was my order id again?"}]
    reply = ask(client, history)
    assert not calls_of(reply) and "KX-4417-B" in texts_of(reply)[0]


@pytest.mark.parametrize("text", ["What is a Python list?", "My flight lands at 9 tonight.", "Thanks, that's all."])
def test_nothing_calls_a_tool_that_is_not_the_obvious_next_step(client, text):
    reply = ask(client, text)
    assert reply.stop_reason == "end_turn" and not calls_of(reply)


def test_a_json_result_and_an_error_result_are_answered_in_a_sentence(client):
    question = "What time is it in Tokyo?"
    first = ask(client, question)
    (call,) = calls_of(first)
    assert call.name == "get_time" and call.input == {"timezone": "Tokyo"}

    def answer(result):
        history = [{"role": "user", "content": question}, {"role": "assistant", "content": first.content},
                   {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, **result}]}]
        return texts_of(ask(client, history))[0]

    assert "local time 21:40" in answer({"content": '{"local_time": "21:40", "zone": "Asia/Tokyo"}'})
    said = answer({"content": "zone database unavailable", "is_error": True})
    assert "error" in said and "zone database unavailable" in said


# -- tool_choice and parallel calls ------------------------------------------------------------------

def test_tool_choice_auto_answers_in_text_when_no_tool_is_needed(client):
    reply = ask(client, "What is a Python list?", tool_choice={"type": "auto"})
    assert reply.stop_reason == "end_turn" and not calls_of(reply)


def test_tool_choice_any_must_call_a_tool_and_writes_no_text_first(client):
    reply = ask(client, "What is a Python list?", tool_choice={"type": "any"})
    assert reply.stop_reason == "tool_use" and len(calls_of(reply)) >= 1 and texts_of(reply) == []


def test_tool_choice_tool_calls_exactly_that_tool(client):
    reply = ask(client, "What's the weather in Oslo?", tool_choice={"type": "tool", "name": "get_time"})
    (call,) = calls_of(reply)
    assert call.name == "get_time" and texts_of(reply) == [] and reply.stop_reason == "tool_use"


def test_tool_choice_none_never_calls_a_tool(client):
    reply = ask(client, "Use get_weather: what's the weather in Oslo?", tool_choice={"type": "none"})
    assert reply.stop_reason == "end_turn" and not calls_of(reply)


def test_two_questions_get_two_calls_unless_parallel_use_is_disabled(client):
    question = "What's the weather in Paris and what time is it in Tokyo?"
    both = calls_of(ask(client, question))
    assert [(c.name, c.input) for c in both] == [("get_weather", {"location": "Paris"}),
                                                 ("get_time", {"timezone": "Tokyo"})]
    assert len({c.id for c in both}) == 2
    for kind in ("auto", "any"):
        one = calls_of(ask(client, question, tool_choice={"type": kind, "disable_parallel_tool_use": True}))
        assert [c.name for c in one] == ["get_weather"]


def test_the_same_tool_twice_for_two_places(client):
    calls = calls_of(ask(client, "weather in Oslo and in Rome?"))
    assert [c.input["location"] for c in calls] == ["Oslo", "Rome"]


def test_a_forced_tool_choice_keeps_forcing_after_a_result_as_the_api_does(client):
    question = "What's the weather in Oslo?"
    first = ask(client, question, tool_choice={"type": "any"})
    (call,) = calls_of(first)
    history = [{"role": "user", "content": question}, {"role": "assistant", "content": first.content},
               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "Oslo: 4 C"}]}]
    assert ask(client, history, tool_choice={"type": "any"}).stop_reason == "tool_use"
    assert ask(client, history, tool_choice={"type": "auto"}).stop_reason == "end_turn"


# -- the SDK's tool runner -------------------------------------------------------------------------

def test_the_sdks_tool_runner_completes_a_round_trip(client):
    beta_tool = getattr(anthropic, "beta_tool", None)
    if beta_tool is None or not hasattr(client.beta.messages, "tool_runner"):
        pytest.skip(f"anthropic {anthropic.__version__} has no tool runner")
    ran = []

    @beta_tool
    def get_weather(location: str, unit: str = "celsius") -> str:
        """Get the current weather in a given location.

        Args:
            location: The city, e.g. Lisbon
            unit: celsius or fahrenheit
        """
        ran.append(location)
        return f"{location}: 18 degrees {unit}, drizzle."

    runner = client.beta.messages.tool_runner(model=DEFAULT_MODEL, max_tokens=400, tools=[get_weather],
                                              messages=[{"role": "user", "content": "Do I need a coat in Dublin? "
                                                                                    "What's the weather there?"}])
    replies = list(runner)
    assert ran == ["Dublin"]
    assert [r.stop_reason for r in replies] == ["tool_use", "end_turn"]
    assert "18 degrees celsius, drizzle" in replies[-1].content[0].text
    simulator = getattr(client_info(client), "simulator", None)
    if simulator is not None:  # in process, where the requests can be read
        sent = simulator.requests
        # the runner threads by default; the simulator keeps no thread, so the SDK replays the history
        assert [r.get("thread", {}).get("type") for r in sent] == ["create", "continue", "create"]


# -- LangChain ------------------------------------------------------------------------------------

def test_langchain_bind_tools_round_trip_over_the_server(server):
    langchain_anthropic = pytest.importorskip("langchain_anthropic")
    from langchain_core.messages import HumanMessage, ToolMessage

    model = langchain_anthropic.ChatAnthropic(model=DEFAULT_MODEL, base_url=server.url, api_key="dummy",
                                              max_retries=0).bind_tools([WEATHER])
    question = HumanMessage("How's the weather looking in Krakow this afternoon?")
    first = model.invoke([question])
    (call,) = first.tool_calls
    assert call["name"] == "get_weather" and call["args"] == {"location": "Krakow"}
    final = model.invoke([question, first, ToolMessage("Krakow: 12 C and overcast.", tool_call_id=call["id"])])
    assert not final.tool_calls and "12 C and overcast" in final.text
    chunks = list(model.stream([question]))  # the same call, streamed as input_json_delta pieces
    streamed = sum(chunks[1:], chunks[0])
    assert [(c["name"], c["args"]) for c in streamed.tool_calls] == [("get_weather", {"location": "Krakow"})]


def test_a_pydantic_schema_with_an_optional_integer_is_filled(client):
    pydantic = pytest.importorskip("pydantic")

    class Forecast(pydantic.BaseModel):
        city: str
        days: int | None = pydantic.Field(description="How many days ahead, 1 to 10", ge=1, le=10)

    tool = {"name": "get_forecast", "description": "The weather forecast for a city",
            "input_schema": Forecast.model_json_schema()}
    reply = client.messages.create(model=DEFAULT_MODEL, max_tokens=300, tools=[tool], messages=[
        {"role": "user", "content": "Can I get the forecast for Rome over the next 3 days?"}])
    (call,) = [b for b in reply.content if b.type == "tool_use"]
    assert call.input == {"city": "Rome", "days": 3}
    Forecast.model_validate(call.input)


def test_a_nested_pydantic_model_is_filled_through_its_refs(client):
    pydantic = pytest.importorskip("pydantic")

    class Address(pydantic.BaseModel):
        city: str

    class Booking(pydantic.BaseModel):
        guest: str = pydantic.Field(description="Full name of the guest")
        destination: Address
        nights: int = pydantic.Field(ge=1, le=30)

    schema = Booking.model_json_schema()
    assert "$defs" in schema  # the nested model is a reference, as LangChain and the SDK send it
    tool = {"name": "book_hotel", "description": "Book a hotel room", "input_schema": schema}
    reply = client.messages.create(model=DEFAULT_MODEL, max_tokens=300, tools=[tool], messages=[
        {"role": "user", "content": "Please book a hotel in Lisbon for 3 nights for Ana Silva"}])
    (call,) = [b for b in reply.content if b.type == "tool_use"]
    expected = Booking(guest="Ana Silva", destination=Address(city="Lisbon"), nights=3)
    assert Booking.model_validate(call.input) == expected


def test_a_tool_with_only_optional_inputs_still_gets_the_question(client):
    search = {"name": "search_docs", "description": "Search the product documentation.",
              "input_schema": {"type": "object", "properties": {"query": {"type": "string"},
                                                                "limit": {"type": "integer"}}}}
    question = "Can you search the docs for how refunds work?"
    reply = client.messages.create(model=DEFAULT_MODEL, max_tokens=300, tools=[search],
                                   messages=[{"role": "user", "content": question}])
    (call,) = [b for b in reply.content if b.type == "tool_use"]
    assert call.input == {"query": question}  # no limit was asked for, so none is sent
