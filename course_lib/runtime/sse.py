"""Server-sent events on the wire: how a streamed Messages API reply is written, read and replayed.

Introduced in notebook 06_production_manager, where a reply streams and a stream breaks halfway
(and served over HTTP in 08_beyond_the_module). With ``"stream": true`` the API answers
``content-type: text/event-stream``, one event after another, each ``event: <type>`` and
``data: <json>`` lines ended by a blank line, the ``type`` inside the JSON matching the event name.
This module only knows that wire format; which events a reply becomes is
:mod:`course_lib.runtime.sim.streaming`. It lives outside the simulator because cassettes record and
replay streams too, and replay mode never loads the simulator.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

import httpx2

__all__ = ["EVENT_STREAM", "DroppedStream", "EventStream", "encode_event", "is_event_stream", "parse_events",
           "stream_response"]

EVENT_STREAM = "text/event-stream"


class DroppedStream(httpx2.RemoteProtocolError):
    """The connection closed before the stream ended, as httpx2 reports it over a real socket.

    Introduced in notebook 06_production_manager. The in-process transport raises it halfway through a
    stream (the ``stream_disconnect`` fault); ``course-kit serve`` turns it into a real dropped
    connection, where the client's own httpx2 raises the same class.
    """


def encode_event(event: Mapping[str, Any]) -> bytes:
    """One event as its wire bytes: ``event: <type>``, ``data: <json>``, a blank line."""
    return f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n".encode()


def parse_events(raw: bytes) -> list[dict[str, Any]]:
    """The events' JSON in ``raw`` (a whole or cut-off stream); an unfinished last event is left out."""
    events = []
    for record in raw.decode("utf-8", "replace").replace("\r\n", "\n").split("\n\n")[:-1]:
        data = [line[5:].lstrip() for line in record.split("\n") if line.startswith("data:")]
        if data:
            events.append(json.loads("\n".join(data)))
    return events


def is_event_stream(response: httpx2.Response) -> bool:
    return response.headers.get("content-type", "").startswith(EVENT_STREAM)


class EventStream(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A response body that yields one event at a time, to a sync or an async client alike.

    ``delay`` seconds pass before every event after the first (0 by default: tests stay fast;
    ``course-kit serve --stream-delay`` makes the streaming visible). ``dropped=True`` ends it with
    :class:`DroppedStream` instead of a clean end, as a connection lost halfway would.
    """

    def __init__(self, events: Iterable[Mapping[str, Any]], *, delay: float = 0.0, dropped: bool = False):
        self.events = [dict(event) for event in events]
        self.delay = delay
        self.dropped = dropped

    def __iter__(self) -> Iterator[bytes]:
        for i, event in enumerate(self.events):
            if i and self.delay:
                time.sleep(self.delay)
            yield encode_event(event)
        if self.dropped:
            raise DroppedStream("peer closed connection without sending complete message body "
                                "(simulated: the stream was cut halfway)")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, event in enumerate(self.events):
            if i and self.delay:
                await asyncio.sleep(self.delay)
            yield encode_event(event)
        if self.dropped:
            raise DroppedStream("peer closed connection without sending complete message body "
                                "(simulated: the stream was cut halfway)")


def stream_response(events: Iterable[Mapping[str, Any]], *, delay: float = 0.0, dropped: bool = False,
                    headers: Mapping[str, str] | None = None) -> httpx2.Response:
    """A 200 ``text/event-stream`` response that plays ``events``."""
    return httpx2.Response(200, headers={"content-type": EVENT_STREAM, "cache-control": "no-cache",
                                         **dict(headers or {})},
                           stream=EventStream(events, delay=delay, dropped=dropped))
