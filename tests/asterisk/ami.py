"""The test's own AMI session with the real Asterisk: a plain asyncio socket, no project code.

It originates the callers and records every event, so a test can say what Asterisk itself saw
(a ``DialEnd`` with ``DialStatus: ANSWER``) independently of what ``ivr serve`` reports. It is
deliberately not :mod:`ivr.ami`: the harness must not lean on the code under test. Every wait
has a time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Iterable
from typing import Any

Message = dict[str, str]

ANSWER_S = 10.0  # an action's response
BANNER_S = 5.0


class AmiError(AssertionError):
    """Asterisk answered an action with an error, or did not answer in time."""


class HarnessAmi:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Message]] = {}
        self.events: list[Message] = []
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self.closed = False

    @classmethod
    async def connect(cls, host: str, port: int, username: str, secret: str) -> HarnessAmi:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), BANNER_S)
        banner = await asyncio.wait_for(reader.readline(), BANNER_S)
        if not banner.startswith(b"Asterisk Call Manager/"):
            writer.close()
            msg = f"not an AMI banner on {host}:{port}: {banner!r}"
            raise AmiError(msg)
        ami = cls(reader, writer)
        ami._task = asyncio.get_running_loop().create_task(ami._read(), name="harness-ami")
        await ami.action("Login", Username=username, Secret=secret, Events="on")
        return ami

    async def _read(self) -> None:
        try:
            while True:
                block = await self._reader.readuntil(b"\r\n\r\n")
                msg = _parse(block.decode("utf-8", "replace"))
                action_id = msg.get("ActionID")
                if "Response" in msg and action_id in self._pending:
                    future = self._pending.pop(action_id)
                    if not future.done():
                        future.set_result(msg)
                    continue
                if "Event" in msg:
                    async with self._changed:
                        self.events.append(msg)
                        self._changed.notify_all()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed = True
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(AmiError("the AMI connection closed"))
            async with self._changed:
                self._changed.notify_all()

    async def action(
        self, name: str, pairs: Iterable[tuple[str, str]] = (), **headers: object
    ) -> Message:
        """Send an action and return its response; AmiError on ``Response: Error``."""
        action_id = f"harness-{next(self._ids)}"
        lines = [f"Action: {name}", f"ActionID: {action_id}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines += [f"{k}: {v}" for k, v in pairs]
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = future
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self._writer.drain()
        try:
            response = await asyncio.wait_for(future, ANSWER_S)
        except TimeoutError:
            msg = f"Asterisk did not answer {name} within {ANSWER_S} s"
            raise AmiError(msg) from None
        finally:
            self._pending.pop(action_id, None)
        if response.get("Response") == "Error":
            msg = f"Asterisk refused {name}: {response.get('Message')}"
            raise AmiError(msg)
        return response

    async def wait_event(
        self,
        match: Callable[[Message], bool],
        *,
        timeout_s: float,
        what: str,
        since: int = 0,
    ) -> Message:
        """The first event from index ``since`` on that ``match`` accepts, waiting for it."""
        seen = since

        def found() -> Message | None:
            nonlocal seen
            for msg in self.events[seen:]:
                seen += 1
                if match(msg):
                    return msg
            return None

        try:
            async with asyncio.timeout(timeout_s), self._changed:
                while True:
                    hit = found()
                    if hit is not None:
                        return hit
                    if self.closed:
                        msg = f"the AMI connection closed before {what}"
                        raise AmiError(msg)
                    await self._changed.wait()
        except TimeoutError:
            names = [m.get("Event") for m in self.events[since:]][-40:]
            msg = f"no {what} within {timeout_s} s; the last events were {names}"
            raise AmiError(msg) from None

    def named(self, event: str, **headers: str) -> list[Message]:
        return [
            m
            for m in self.events
            if m.get("Event") == event and all(m.get(k) == v for k, v in headers.items())
        ]

    async def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(AmiError, TimeoutError, ConnectionError):
                await asyncio.wait_for(self.action("Logoff"), 2)
        self._writer.close()
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(self._writer.wait_closed(), 2)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def _parse(block: str) -> Message:
    msg: Message = {}
    for line in block.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep and name not in msg:
            msg[name.strip()] = value.strip()
    return msg


def event_is(event: str, **headers: str) -> Callable[[Message], bool]:
    """A matcher for :meth:`HarnessAmi.wait_event`: the event's name and some of its headers."""

    def match(msg: Message) -> bool:
        return msg.get("Event") == event and all(msg.get(k) == v for k, v in headers.items())

    return match


def as_pairs(variables: dict[str, Any]) -> list[tuple[str, str]]:
    """Originate's ``Variable:`` headers, one per variable."""
    return [("Variable", f"{k}={v}") for k, v in variables.items()]
