"""``make_client()``: the one place that decides who answers your requests.

Introduced in notebook 00_start_here.

Modes:

* ``"live"`` — a real ``anthropic.Anthropic()`` talking to the API; needs ``ANTHROPIC_API_KEY``.
* ``"simulated"`` — the same SDK class, answered in-process by :class:`course_lib.runtime.sim.SimulatedClaude`.
* ``"replay"`` — answers from a recorded cassette; an unrecorded request is an error.
* ``"record"`` — forwards to the live API (or the simulator, ``via="simulated"``) and records.

With no ``mode``, ``COURSE_CLIENT_MODE`` decides if set; otherwise a set ``ANTHROPIC_API_KEY``
means live and no key means simulated. The key is read by the SDK from the environment and is
never printed, logged, saved or recorded by this kit. ``ANTHROPIC_BASE_URL`` points live mode at
another server, e.g. the simulator served by ``course-kit serve`` (see docs/SERVE.md).

:func:`make_async_client` is the same choice for ``anthropic.AsyncAnthropic`` (live, simulated and
replay modes), for async code such as a web chat that streams replies to many users at once.

The model is ``COURSE_MODEL`` if set, else :data:`course_lib.defaults.DEFAULT_MODEL`
(:func:`course_model`); ``client_info(client).model`` says which. It is checked against the installed
SDK's model list before anything is sent: a retired or unknown id is a :class:`ClientConfigError`
naming ``COURSE_MODEL``, and a deprecated one a warning with its end-of-life date.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import typing
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anthropic
import httpx2
from anthropic._data import DEPRECATED_MODELS  # the SDK's own end-of-life table (the one its warnings use)

from .._version import __version__
from ..defaults import DEFAULT_CONTEXT_WINDOW, DEFAULT_MODEL
from .cassettes import Cassette, open_cassette, recording_handler, replay_handler

if TYPE_CHECKING:  # the simulator loads only when a client needs it: live and replay clients never do
    from .sim import Faults, SimulatedClaude

MODES = ("live", "simulated", "replay", "record")
CASSETTE_DIR = Path(__file__).resolve().parents[2] / "cassettes"
PLACEHOLDER_KEY = "offline-no-key"  # the simulator needs some key to satisfy the SDK; it is not a secret


class ClientConfigError(RuntimeError):
    """make_client() was asked for something it cannot do (e.g. live mode without a key)."""


@dataclass(frozen=True)
class ClientInfo:
    mode: str
    model: str
    simulator: SimulatedClaude | None = None
    cassette: Cassette | None = None
    server: str | None = None  # live mode's base URL when it is not the real API (e.g. `course-kit serve`)

    def banner(self) -> str:
        if self.mode == "live" and self.server:
            where = f"the Messages API at {self.server} (not api.anthropic.com)"
        elif self.mode == "record":
            source = "the offline simulator" if self.simulator else "the real Claude API"
            where = f"{source}, recorded to cassettes/{self.cassette.path.name if self.cassette else '?'}"
        else:
            where = {"live": "the real Claude API (billed)", "simulated": "the offline simulator (free)",
                     "replay": "recorded exchanges (free)"}[self.mode]
        return f"course_lib {__version__} | mode: {self.mode} -> {where} | model: {self.model}"


def sdk_models() -> tuple[str, ...]:
    """The model ids the installed SDK knows (its ``Model`` type: a Literal of ids, or any str)."""
    literal = next(arg for arg in typing.get_args(anthropic.types.Model) if typing.get_origin(arg) is typing.Literal)
    return typing.get_args(literal)


def end_of_life(model: str) -> dt.date | None:
    """The date the SDK says ``model`` is retired, if it lists one ("June 30th, 2026")."""
    when = DEPRECATED_MODELS.get(model)
    if when is None:
        return None
    return dt.datetime.strptime(re.sub(r"(\d)(st|nd|rd|th)", r"\1", when), "%B %d, %Y").date()


def check_model(model: str, source: str = "COURSE_MODEL", today: dt.date | None = None) -> str:
    """Refuse a retired or unknown model id before anything is sent; warn about a deprecated one.

    Introduced in notebook 00_start_here. ``source`` names where the id came from, for the message.
    """
    fix = f"set COURSE_MODEL to a current id (the course's default is {DEFAULT_MODEL!r}) or unset it"
    retired = end_of_life(model)
    if retired is not None and retired <= (today or dt.date.today()):
        raise ClientConfigError(f"{source}={model!r} was retired on {DEPRECATED_MODELS[model]}; {fix}")
    if model not in sdk_models():
        raise ClientConfigError(f"{source}={model!r} is not a model id the installed anthropic SDK "
                                f"({anthropic.__version__}) knows; check the spelling, {fix}, or upgrade anthropic "
                                "if the model is newer than the SDK")
    if retired is not None:
        warnings.warn(f"{source}={model!r} is deprecated and reaches end-of-life on {DEPRECATED_MODELS[model]}; "
                      f"{fix}", DeprecationWarning, stacklevel=3)
    return model


def course_model() -> str:
    """The model the course talks to: ``COURSE_MODEL`` if set, else the default; checked (:func:`check_model`).

    Introduced in notebook 00_start_here.
    """
    chosen = os.environ.get("COURSE_MODEL", "").strip()
    return check_model(chosen, "COURSE_MODEL") if chosen else check_model(DEFAULT_MODEL, "DEFAULT_MODEL")


_INFO: weakref.WeakKeyDictionary[Any, ClientInfo] = weakref.WeakKeyDictionary()  # sync and async clients


def resolve_mode(mode: str | None = None) -> str:
    """The mode to use: the argument, else ``COURSE_CLIENT_MODE``, else live only if a key is set."""
    chosen = mode or os.environ.get("COURSE_CLIENT_MODE") or (
        "live" if os.environ.get("ANTHROPIC_API_KEY") else "simulated")
    if chosen not in MODES:
        raise ClientConfigError(f"unknown client mode {chosen!r}; choose one of {', '.join(MODES)}")
    return chosen


def make_client(mode: str | None = None, *, cassette: str | None = None, via: str | None = None,
                context_window: int = DEFAULT_CONTEXT_WINDOW, faults: Faults | dict[int, str] | None = None,
                max_retries: int = 2, cassette_dir: str | os.PathLike[str] | None = None) -> anthropic.Anthropic:
    """An ``anthropic.Anthropic`` client for the chosen mode.

    ``cassette`` names the recording used by replay and record modes (``cassettes/<name>.json``);
    the simulator options (``context_window``, ``faults``) apply to simulated mode and to
    recording ``via="simulated"`` (``via`` defaults to ``COURSE_RECORD_VIA``, else ``"live"``).
    """
    mode = resolve_mode(mode)
    model = course_model()
    via = via or os.environ.get("COURSE_RECORD_VIA", "live")
    if mode == "live":
        client = _live_client(max_retries)
        official = client.base_url.host == "api.anthropic.com"
        return _remember(client, ClientInfo("live", model, server=None if official else str(client.base_url)))
    if mode == "simulated":
        simulator = _simulator(context_window, faults)
        return _remember(_transport_client(simulator, max_retries), ClientInfo(mode, model, simulator))
    if not cassette:
        example = "make_client(cassette='02_history_strategies')"
        raise ClientConfigError(f"{mode} mode needs a cassette name, e.g. {example}")
    tape = open_cassette(Path(cassette_dir or CASSETTE_DIR) / f"{cassette}.json")
    if mode == "replay":
        return _remember(_transport_client(replay_handler(tape), max_retries), ClientInfo(mode, model, cassette=tape))
    if via == "simulated":
        simulator = _simulator(context_window, faults)
        handler = recording_handler(tape, simulator, "simulated")
        return _remember(_transport_client(handler, max_retries), ClientInfo(mode, model, simulator, tape))
    if via != "live":
        raise ClientConfigError(f"record mode forwards via 'live' or 'simulated', not {via!r}")
    live = httpx2.HTTPTransport()
    handler = recording_handler(tape, lambda request: live.handle_request(request), "live")
    _require_key()
    client = anthropic.Anthropic(max_retries=max_retries,
                                 http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    return _remember(client, ClientInfo(mode, model, cassette=tape))


def make_async_client(mode: str | None = None, *, cassette: str | None = None,
                      context_window: int = DEFAULT_CONTEXT_WINDOW, faults: Faults | dict[int, str] | None = None,
                      max_retries: int = 2,
                      cassette_dir: str | os.PathLike[str] | None = None) -> anthropic.AsyncAnthropic:
    """An ``anthropic.AsyncAnthropic`` client, chosen as :func:`make_client` chooses (record mode excepted).

    No notebook needs it (their cells are synchronous); it is here for async code of your own, such
    as a web chat that streams to many users at once. Recording stays with :func:`make_client`: the
    cassettes an async client replays are the ones the notebooks record.
    """
    mode = resolve_mode(mode)
    model = course_model()
    if mode == "live":
        _require_key()
        client = anthropic.AsyncAnthropic(max_retries=max_retries)
        official = client.base_url.host == "api.anthropic.com"
        return _remember(client, ClientInfo("live", model, server=None if official else str(client.base_url)))
    if mode == "simulated":
        simulator = _simulator(context_window, faults)
        return _remember(_async_transport_client(simulator, max_retries), ClientInfo(mode, model, simulator))
    if mode == "record":
        raise ClientConfigError("record mode needs make_client(); an async client can replay what it records")
    if not cassette:
        raise ClientConfigError("replay mode needs a cassette name, "
                                "e.g. make_async_client(cassette='02_history_strategies')")
    tape = open_cassette(Path(cassette_dir or CASSETTE_DIR) / f"{cassette}.json")
    return _remember(_async_transport_client(replay_handler(tape), max_retries), ClientInfo(mode, model, cassette=tape))


def _simulator(context_window: int, faults: Faults | dict[int, str] | None) -> SimulatedClaude:
    from .sim import SimulatedClaude  # here, not at the top: ~0.1 s that live and replay clients need not pay

    return SimulatedClaude(context_window, faults)


def _require_key() -> None:
    if not os.environ.get("ANTHROPIC_API_KEY"):
        raise ClientConfigError("live mode needs ANTHROPIC_API_KEY in the environment (see 00_start_here for "
                                "a safe way to set it); without a key, use mode='simulated'")


def _live_client(max_retries: int) -> anthropic.Anthropic:
    _require_key()
    return anthropic.Anthropic(max_retries=max_retries)


def _transport_client(handler: Any, max_retries: int) -> anthropic.Anthropic:
    transport = httpx2.MockTransport(handler)
    return anthropic.Anthropic(api_key=PLACEHOLDER_KEY, max_retries=max_retries,
                               http_client=httpx2.Client(transport=transport))


def _async_transport_client(handler: Any, max_retries: int) -> anthropic.AsyncAnthropic:
    transport = httpx2.MockTransport(handler)  # one transport serves both: a sync handler is fine in async
    return anthropic.AsyncAnthropic(api_key=PLACEHOLDER_KEY, max_retries=max_retries,
                                    http_client=httpx2.AsyncClient(transport=transport))


def _remember(client: Any, info: ClientInfo) -> Any:
    _INFO[client] = info
    return client


def client_info(client: anthropic.Anthropic | anthropic.AsyncAnthropic) -> ClientInfo:
    """What ``make_client`` made: mode, model, and the simulator or cassette behind it."""
    try:
        return _INFO[client]
    except KeyError:
        return ClientInfo("live", course_model())  # a client the learner built by hand talks to the API


def banner(client: anthropic.Anthropic) -> str:
    """One line for the top of a notebook: kit version, mode and model."""
    return client_info(client).banner()
