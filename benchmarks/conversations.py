"""Scripted long conversations with facts planted early and asked about later.

Two scenarios, both generated deterministically from a seeded ``random.Random``:

* ``support_case``: a customer's broadband support case. Twelve facts (account number, order
  number, names, a date, a PIN, ...) are stated in the first turns; the rest is troubleshooting
  talk, general questions and pasted diagnostic logs; from the middle on, each fact is asked about
  twice ("What is my account number?").
* ``coding_session``: a coding session with three tools whose results are large (source files,
  test runs, search results of 800-3,500 tokens). Eight project facts (deploy branch, database
  host, flaky test, ...) are stated first and asked about twice in the second half.

A question is answered correctly when the simulator's reply contains the planted value. The
simulator answers only from the user's side of what it was sent (it never reads assistant
turns), so the value can only come back if the planting sentence was in the request.
:func:`check_scenario` proves, for every generated script, that no other sentence of the script
can answer a question and that the value appears nowhere else: recall then measures what each
strategy sent, not luck.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from course_lib.managers import PINNED_HEADER, SUMMARIZER_SYSTEM, SUMMARY_ACK
from course_lib.pruning import SUMMARY_INSTRUCTION, SUMMARY_MARKER
from course_lib.runtime.sim import best_matches

SYSTEM_PROMPT = "You are a helpful assistant."
"""The same system prompt for every strategy (the managers' default)."""


@dataclass(frozen=True)
class Fact:
    """A fact stated once, early; ``value`` must appear in a correct answer to ``question``.

    ``paraphrase`` asks the same thing the way a learner might, written apart from the simulator's
    matcher and never tuned to it: recall on it shows how much of the score is the phrasing.
    """

    key: str
    sentence: str
    value: str
    question: str
    paraphrase: str = ""


@dataclass(frozen=True)
class Step:
    """One user turn. A tool step names a tool; Claude asks for it and ``tool_output`` is the result sent back."""

    text: str
    tool_output: str | None = None
    plants: Fact | None = None
    asks: Fact | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    steps: tuple[Step, ...]
    facts: tuple[Fact, ...]
    tools: tuple[dict[str, Any], ...] = ()
    system_prompt: str = SYSTEM_PROMPT
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def turns(self) -> int:
        return len(self.steps)

    @property
    def questions(self) -> list[Step]:
        return [s for s in self.steps if s.asks]


FIRST = "Priya Tomasz Amara Lucas Mei Jonas Farah Diego Ingrid Kofi Helena Ravi".split()
LAST = "Raman Wieczorek Okafor Lindqvist Haddad Moreau Tanaka Brennan Castillo Novak".split()
MONTHS = "January February March April May June July August September October November".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday".split()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


# -- the support case -----------------------------------------------------------------------------

def support_facts(rng: random.Random) -> list[Fact]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    engineer = _name(rng)
    while engineer == f"{first} {last}":
        engineer = _name(rng)
    month = rng.choice(MONTHS)
    visit = f"{rng.choice(WEEKDAYS)} {rng.randint(3, 27)} {rng.choice(MONTHS)} at {rng.randint(9, 16)}:00"
    values = {
        "account": f"ACC-{rng.randint(10_000, 99_999)}",
        "order": f"#{rng.randint(10_000, 99_999)}",
        "engineer": engineer,
        "serial": f"RX{rng.randint(5_000, 9_999)}-{rng.choice('ABCDEFGH')}{rng.choice('KLMNPQRS')}",
        "outage": f"{rng.randint(2, 28)} {month} 2026",
        "pin": str(rng.randint(5_000, 9_999)),
        "phone": f"555-{rng.randint(100, 999):04d}",
        "email": f"{first.lower()}.{last.lower()}{rng.randint(10, 99)}@example.org",
        "name": f"{first} {last}",
        "plan": f"Fiber {rng.randint(3, 9)}00 {rng.choice(['Home', 'Plus', 'Business'])}",
        "refund": f"{rng.randint(12, 95)}.{rng.randint(10, 99)} dollars",
        "visit": visit,
    }
    templates = {
        "account": ("My account number is {}.", "What is my account number?",
                    "Remind me, which account am I calling about?"),
        "order": ("The replacement order number is {}.", "What is the replacement order number?",
                  "What number did the new order get?"),
        "engineer": ("The engineer assigned to my case is {}.", "Who is the engineer assigned to my case?",
                     "Who's looking after my case on your side?"),
        "serial": ("My router serial is {}.", "What is my router serial?",
                   "Can you read me back the serial on my router?"),
        "outage": ("My outage start date was {}.", "What was my outage start date?",
                   "When did the outage first begin for me?"),
        "pin": ("My support PIN is {}.", "What is my support PIN?", "Which PIN did I give you earlier?"),
        "phone": ("My callback phone number is {}.", "What is my callback phone number?",
                  "What number will you ring me back on?"),
        "email": ("My email address is {}.", "What is my email address?", "Where should you email me?"),
        "name": ("My full name is {}.", "What is my full name?", "Who am I, as far as your records go?"),
        "plan": ("My service plan is {}.", "What is my service plan?", "Which package am I subscribed to?"),
        "refund": ("The promised refund amount is {}.", "What is the promised refund amount?",
                   "How much money are you giving back to me?"),
        "visit": ("My technician visit is booked for {}.", "When is my technician visit booked?",
                  "When is someone coming out to the house?"),
    }
    return [Fact(key, templates[key][0].format(value), value, *templates[key][1:]) for key, value in values.items()]


SUPPORT_STATEMENTS = [
    "The connection dropped again at {h}:{m} and came back after {n} minutes.",
    "I swapped the ethernet cable but the modem lights still blink amber.",
    "Streaming video stalls every evening between {h} and {h2} o'clock.",
    "A speed test this morning showed {n} Mbps down and {n2} Mbps up.",
    "My laptop and my tablet both lose wifi at the same moment.",
    "I restarted the modem {n} times today.",
    "The upstairs bedroom gets a weak signal even after moving the access point.",
    "Yesterday the line was stable for the whole afternoon.",
    "The status page said everything in my area was fine.",
    "I reset the modem to factory settings as your colleague suggested.",
    "Video calls freeze for a few seconds roughly every {n} minutes.",
    "The DSL light turns off completely when the drops happen.",
    "My neighbour on the same street has no problems at all.",
    "I checked the splitter and it is firmly connected.",
    "The drops seem worse when it rains.",
    "I moved the modem away from the television but nothing changed.",
    "The wifi channel was set to automatic, so I fixed it to channel {n}.",
    "Downloads slow to a crawl after about {n} minutes.",
    "I tried a wired connection and it drops too.",
    "The firmware screen shows version {v}.",
]
SUPPORT_QUESTIONS = [
    "Could a microwave oven interfere with the wifi signal?",
    "Does a mesh network help with a weak signal upstairs?",
    "Is it normal for the modem to get warm?",
    "Would a different DNS resolver make browsing faster?",
    "How long should a modem reboot take?",
    "Can an old splitter cause intermittent drops?",
    "Should the DSL light ever blink during normal use?",
    "Is a five gigahertz band better than two point four for streaming?",
]
LOG_EVENTS = [
    "WAN link down, retrying DHCP lease", "WAN link up, lease renewed", "PPP session terminated by peer",
    "SNR margin below threshold on downstream", "CRC errors rising on line", "wifi radio reset by watchdog",
    "DNS query timeout to upstream resolver", "line retrain started", "line retrain finished",
    "thermal sensor reading normal", "LAN port 2 link flapping", "firmware integrity check passed",
]


def _support_statement(rng: random.Random) -> str:
    count = rng.choice([1, 1, 2, 2, 3])
    picked = rng.sample(SUPPORT_STATEMENTS, count)
    h = rng.randint(7, 21)
    return " ".join(s.format(h=h, h2=h + 2, m=f"{rng.randint(0, 59):02d}", n=rng.randint(2, 99),
                             n2=rng.randint(2, 40), v=f"{rng.randint(2, 7)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}")
                    for s in picked)


def _support_log(rng: random.Random) -> str:
    day = rng.randint(1, 28)
    lines = [f"Here is the diagnostic log from the modem for day {day} of this month:"]
    for _ in range(rng.randint(18, 45)):
        stamp = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        lines.append(f"{stamp} kernel[{rng.randint(100, 999)}]: {rng.choice(LOG_EVENTS)}")
    return "\n".join(lines)


def support_case(turns: int = 200, seed: int = 8, *, facts: int = 12) -> Scenario:
    """A broadband support case of ``turns`` user turns; ``facts`` facts (up to 12) planted early, each asked twice."""
    rng = random.Random(seed)
    planted = support_facts(rng)[:facts]
    return _assemble("support_case", f"{turns}-turn support case", turns, planted, rng,
                     filler=lambda: _support_filler(rng), tools=())


def _support_filler(rng: random.Random) -> Step:
    roll = rng.random()
    if roll < 0.10:
        return Step(_support_log(rng))
    if roll < 0.35:
        return Step(rng.choice(SUPPORT_QUESTIONS))
    return Step(_support_statement(rng))


# -- the coding session ---------------------------------------------------------------------------

TOOLS: tuple[dict[str, Any], ...] = tuple(
    {"name": name, "description": description,
     "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}
    for name, description in (
        ("open_source_file", "Return the contents of one source file of the repository."),
        ("run_test_suite", "Run the test suite (or part of it) and return its output."),
        ("grep_repository", "Search every file of the repository for a pattern; return matching lines."),
    ))

NOUNS = ("invoice ledger payment customer currency discount tax receipt subscription coupon cart webhook "
         "session cache report export schedule quota tenant address_book").split()
VERBS = "compute load save validate render apply parse format fetch sync merge split reconcile normalize emit".split()


def coding_facts(rng: random.Random) -> list[Fact]:
    values = {
        "branch": f"release/{rng.choice(['aurora', 'borealis', 'cygnus', 'draco', 'lyra'])}-{rng.randint(10, 99)}",
        "host": f"pg-stage-{rng.randint(10, 99)}.{rng.choice(['eu', 'us', 'ap'])}.internal",
        "flaky": f"test_{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{rng.choice(['rounding', 'timezone', 'unicode'])}",
        "flag": f"{rng.choice(['fast', 'smart', 'lean', 'bright'])}_checkout_v{rng.randint(2, 9)}",
        "reviewer": _name(rng),
        "coverage": f"{rng.randint(81, 94)} percent",
        "ticket": f"BILL-{rng.randint(1_000, 9_999)}",
        "url": f"https://api-{rng.choice(['east', 'west', 'north'])}.{rng.choice(['acme', 'globex', 'initech'])}"
               f"-billing.example.com/v{rng.randint(2, 5)}",
    }
    templates = {
        "branch": ("The deploy branch for this project is {}.", "What is the deploy branch for this project?",
                   "Which branch do we ship from?"),
        "host": ("Our staging database host is {}.", "What is our staging database host?",
                 "Where does the staging DB live?"),
        "flaky": ("The flaky test is {}.", "Which test is flaky?", "Which test keeps failing at random?"),
        "flag": ("The feature flag for the new checkout is {}.", "What is the feature flag for the new checkout?",
                 "What's the toggle that switches on the new checkout called?"),
        "reviewer": ("The code reviewer for this sprint is {}.", "Who is the code reviewer for this sprint?",
                     "Who's reviewing my pull requests these two weeks?"),
        "coverage": ("Our minimum coverage threshold is {}.", "What is our minimum coverage threshold?",
                     "How much of the code must the tests cover?"),
        "ticket": ("The ticket for this refactor is {}.", "What is the ticket for this refactor?",
                   "Which issue should I reference in the commit message?"),
        "url": ("The production API base URL is {}.", "What is the production API base URL?",
                "Where do I point the client in prod?"),
    }
    return [Fact(key, templates[key][0].format(value), value, *templates[key][1:]) for key, value in values.items()]


CODING_STATEMENTS = [
    "I renamed {verb}_{noun} to {verb}_{noun}_total in the service layer.",
    "The {noun} module still imports the old helpers.",
    "Let us keep the {noun} changes in a separate commit.",
    "I added type hints to the {noun} package.",
    "The {noun} serializer drops empty fields now.",
    "I think the {noun} cache should expire after {n} seconds.",
    "The linter complains about line length in the {noun} tests.",
    "I moved the {noun} fixtures into conftest.",
    "The benchmark for {verb}_{noun} takes {n} milliseconds on my laptop.",
    "I prefer small pure functions over classes for the {noun} logic.",
]
CODING_QUESTIONS = [
    "Is a list comprehension faster than a for loop here?",
    "Should {verb}_{noun} return a tuple or a dataclass?",
    "How should I structure a class for the {noun} rules?",
    "Is a set better than a list for the {noun} lookups?",
    "Should the {noun} function raise or return None on bad input?",
]


def _code_line(rng: random.Random) -> str:
    verb, noun, other = rng.choice(VERBS), rng.choice(NOUNS), rng.choice(NOUNS)
    return rng.choice([
        f"def {verb}_{noun}({other}, *, strict=False):",
        f"    {noun} = {verb}_{other}({noun}, strict=strict)",
        f"    return [{verb}_{noun}(item) for item in {other}]",
        f"    if not {noun}: raise ValueError('empty {noun}')",
        f"class {noun.title().replace('_', '')}{verb.title()}er:",
        f"    # {verb} the {noun} before the {other} is saved",
        f"from .{noun} import {verb}_{other}",
    ])


def _tool_output(rng: random.Random, tool: str, target: str) -> str:
    lines: list[str] = []
    size = rng.randint(60, 260)  # lines: roughly 800-3,500 tokens
    if tool == "open_source_file":
        lines = [f"# {target}"] + [_code_line(rng) for _ in range(size)]
    elif tool == "run_test_suite":
        for _ in range(size):
            verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
            status = rng.choice(["PASSED"] * 9 + ["FAILED"])
            lines.append(f"tests/test_{noun}.py::test_{verb}_{noun} {status} [{rng.randint(1, 99)}%]")
        lines.append(f"{size} tests collected in {rng.randint(2, 40)}.{rng.randint(0, 9)}s")
    else:
        for _ in range(size):
            noun = rng.choice(NOUNS)
            lines.append(f"src/billing/{noun}.py:{rng.randint(1, 400)}: {_code_line(rng).strip()}")
    return "\n".join(lines)


def _coding_filler(rng: random.Random) -> Step:
    roll = rng.random()
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    if roll < 0.35:
        tool = rng.choice([t["name"] for t in TOOLS])
        target = f"src/billing/{noun}.py"
        text = {"open_source_file": f"Please use open_source_file on {target}.",
                "run_test_suite": f"Please use run_test_suite for the {noun} tests.",
                "grep_repository": f"Please use grep_repository to find every caller of {verb}_{noun}."}[tool]
        return Step(text, tool_output=_tool_output(rng, tool, target))
    if roll < 0.55:
        return Step(rng.choice(CODING_QUESTIONS).format(verb=verb, noun=noun))
    picked = rng.sample(CODING_STATEMENTS, rng.choice([1, 2]))
    return Step(" ".join(s.format(verb=verb, noun=noun, n=rng.randint(2, 900)) for s in picked))


def coding_session(turns: int = 100, seed: int = 8, *, facts: int = 8) -> Scenario:
    """A coding session of ``turns`` user turns with large tool results; ``facts`` facts (up to 8), asked twice."""
    rng = random.Random(seed + 1)
    planted = coding_facts(rng)[:facts]
    return _assemble("coding_session", f"{turns}-turn coding session with tools", turns, planted, rng,
                     filler=lambda: _coding_filler(rng), tools=TOOLS)


# -- assembly and checks ----------------------------------------------------------------------------

def _assemble(name: str, title: str, turns: int, facts: list[Fact], rng: random.Random, *, filler: Any,
              tools: tuple[dict[str, Any], ...]) -> Scenario:
    """Plant every fact in the first turns, ask each twice (second half, then last quarter), fill the rest."""
    n = len(facts)
    if turns < 4 * n:
        raise ValueError(f"{name} needs at least {4 * n} turns for {n} facts asked twice, got {turns}")
    plant_window = max(n + 2, turns // 10)
    plant_at = sorted(rng.sample(range(1, plant_window), n))
    half, three_quarters = turns // 2, (3 * turns) // 4
    first_asks = rng.sample(range(half, three_quarters), n)
    second_asks = rng.sample(range(three_quarters, turns), n)
    order = list(range(n))
    rng.shuffle(order)
    plan: dict[int, Step] = {}
    for fact, at in zip(facts, plant_at, strict=True):
        plan[at] = Step(fact.sentence, plants=fact)
    for i, at in zip(order, first_asks, strict=True):
        plan[at] = Step(facts[i].question, asks=facts[i])
    for i, at in zip(order[::-1], second_asks, strict=True):
        plan[at] = Step(facts[i].question, asks=facts[i])
    steps = tuple(plan[t] if t in plan else filler() for t in range(turns))
    scenario = Scenario(name, title, steps, tuple(facts), tools,
                        notes={"planted_in_turns": f"1-{plant_window}", "asked_from_turn": half + 1})
    check_scenario(scenario)
    return scenario


MACHINERY_TEXT = "\n".join([
    PINNED_HEADER, SUMMARIZER_SYSTEM, SUMMARY_ACK, SUMMARY_INSTRUCTION, SUMMARY_MARKER,
    "Summary of our earlier conversation (messages 1-99; details may be lost):",
    "Summary of the earlier conversation: [a number] [an id] [a name] [an email]",
    "Got it. Got it, thanks. Got it, I'll keep that in mind. Got it, I've updated that. From what you sent me:",
    "I don't have that information in this conversation.",
    "(simulated answer) The offline simulator has no general knowledge of that; it only quotes what the "
    "conversation contains.", "According to get_order: nothing", "get_order returned nothing I can use to answer that.",
    "Progressively summarize the lines of conversation provided, adding onto the previous summary returning a "
    "new summary. Current summary: New lines of conversation: New summary: Human: AI:",
])
"""Text that the simulator, the managers and the peers add to requests (summary headings, blurred
placeholders such as "[a name]", acknowledgements): no question may be answerable from it either."""


class ScriptError(ValueError):
    """A generated script would let a question be answered without its planting sentence."""


def check_scenario(scenario: Scenario) -> None:
    """Every question can be answered from its planting sentence and from nothing else in the script.

    Uses the simulator's own matcher (:func:`course_lib.runtime.sim.best_matches`), so the check is exactly
    the rule the simulator answers by. Also checks that each value occurs only in its planting step
    and that no filler message names a tool by accident.
    """
    tool_names = [t["name"] for t in scenario.tools]
    for step in scenario.steps:
        if step.tool_output is None and any(n in step.text or n.replace("_", " ") in step.text for n in tool_names):
            raise ScriptError(f"{scenario.name}: a non-tool step names a tool: {step.text!r}")
    others = [s for s in scenario.steps if s.plants is None and s.asks is None]
    other_text = "\n".join([scenario.system_prompt, MACHINERY_TEXT, *(s.text for s in others),
                            *(s.tool_output or "" for s in others),
                            *(f"Let me look that up with {n}." for n in tool_names)])
    other_plants = {f.key: "\n".join(g.sentence for g in scenario.facts if g is not f) for f in scenario.facts}
    for fact in scenario.facts:
        answer = best_matches(fact.question, fact.sentence)
        if not answer or fact.value not in answer[0]:
            raise ScriptError(f"{scenario.name}: {fact.question!r} is not answered by its sentence {fact.sentence!r}")
        # The simulator weighs a question word the request never uses at half, so the check reads the
        # whole script, fact included, as the request does: only the planting sentence may be quoted.
        script = "\n".join([other_text, other_plants[fact.key], fact.sentence])
        found = [match for match in best_matches(fact.question, script) if match != fact.sentence.strip()]
        if found:
            raise ScriptError(f"{scenario.name}: {fact.question!r} could be answered without its fact: {found}")
        if fact.value in other_text or fact.value in other_plants[fact.key]:
            raise ScriptError(f"{scenario.name}: the value {fact.value!r} also occurs outside its planting turn")
