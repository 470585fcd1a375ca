"""One AMI login session with no I/O: ActionID matching, event lists, deadlines.

Theory of operation
-------------------
:class:`AmiSession` is the client side of one TCP connection to Asterisk's
manager interface, in the manner of h11's ``Connection``: it never reads a
socket, never sleeps and never asks the time. The shell that owns the socket
(:mod:`ivr.ami.connection`) moves bytes and clock values in and out::

    action_id, data = session.send("Ping", waiter=w, now=loop_time)  # write ``data``
    session.receive_data(chunk)                                      # what was read
    while (out := session.next_event()) is not NEED_DATA:
        ...  # Message (an event) | ActionCompleted | ActionFailed | Banner | Malformed
    for failed in session.expire(loop_time): ...                     # now and then
    for failed in session.lose("eof"): ...                           # the link is gone

What it decides, and nothing else:

- **ActionID matching.** :meth:`AmiSession.send` gives each action an
  ActionID (``<prefix><n>``) and a deadline (``now`` + its timeout). A
  ``Response`` carrying that ActionID answers it; a response to an ActionID
  not in flight (one that already timed out) is dropped.
- **Answers.** ``Response: Error`` fails the action with
  :class:`~ivr.errors.AmiActionError` (counted in ``action_errors``). Any other
  response completes it with an :class:`ActionResult`, unless it was sent with
  ``wants_result=False`` (fire and forget): then a success is silent.
- **Event lists.** A response saying ``EventList: start`` opens a list: every
  event carrying that ActionID is added to the result, until the one saying
  ``EventList: Complete`` completes the action. Events of other calls that
  arrive meanwhile come out as events, in wire order. A fire-and-forget
  action's list events come out as events (nobody collects them).
- **Deadlines.** :meth:`AmiSession.expire` fails every action whose deadline
  is at or before ``now`` with :class:`~ivr.errors.AmiConnectionError`; a late
  answer is then dropped as above.
- **The end.** :meth:`AmiSession.lose` fails everything in flight (nothing is
  ever sent again on its own); a ``Shutdown`` event is handed out and then
  ends the session: :attr:`AmiSession.ended` says why, and no later byte is read.
- **Malformed input** (see :mod:`ivr.ami.codec`) comes out as
  :class:`~ivr.ami.codec.Malformed`, counted, for the shell to log; the session
  goes on with the next message. Nothing the peer sends makes it raise. A
  message with bytes that are not UTF-8 is kept (the codec replaces them) and
  counted in ``undecodable``.

Each action carries an opaque ``waiter`` (the shell's future or error
callback), handed back in the :class:`ActionCompleted` or :class:`ActionFailed`
that settles it, so the session needs no table of its own beside the shell's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ivr.ami.codec import NEED_DATA, AmiCodec, Banner, Malformed, Message, _NeedData, encode_action
from ivr.errors import AmiActionError, AmiConnectionError, AmiError

W = TypeVar("W")

Headers = Mapping[str, object] | Iterable[tuple[str, object]]


@dataclass(slots=True)
class ActionResult:
    """What an action got back: the response, and the events of an event list (if any)."""

    response: Message
    events: list[Message] = field(default_factory=list)


@dataclass(slots=True)
class Counters:
    """What crossed the link, for the metrics. The session counts the messages and actions;
    the shell around it counts sessions, losses and listener errors."""

    messages_in: int = 0
    events_in: int = 0
    actions_out: int = 0
    malformed: int = 0
    undecodable: int = 0  # messages kept with bytes that were not UTF-8 replaced
    action_errors: int = 0
    sessions: int = 0
    connection_losses: int = 0
    listener_errors: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionCompleted(Generic[W]):
    """An action answered with success: its response, and its event list's events."""

    action_id: str
    action: str
    result: ActionResult
    waiter: W


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionFailed(Generic[W]):
    """An action that will get no result: refused, unanswered in time, or cut off."""

    action_id: str
    action: str
    error: AmiError
    waiter: W


@dataclass(slots=True)
class _InFlight(Generic[W]):
    action: str
    waiter: W
    deadline: float
    wants_result: bool
    result: ActionResult | None = None  # set while its event list is arriving
    listing: bool = False


Output = Message | Banner | Malformed | ActionCompleted[W] | ActionFailed[W]


class AmiSession(Generic[W]):
    """The client side of one AMI connection: bytes and clock values in, events and answers out."""

    __slots__ = (
        "_codec",
        "_ids",
        "_in_flight",
        "_listing",
        "_prefix",
        "_undecodable",
        "action_timeout_s",
        "counters",
        "ended",
        "version",
    )

    def __init__(
        self,
        *,
        action_timeout_s: float,
        prefix: str = "ivr-1-",
        ids: Iterator[int] | None = None,
        counters: Counters | None = None,
        codec: AmiCodec | None = None,
    ) -> None:
        self.action_timeout_s = action_timeout_s
        self._prefix = prefix
        self._ids = ids if ids is not None else itertools.count(1)
        self._codec = codec or AmiCodec()
        self._in_flight: dict[str, _InFlight[W]] = {}
        self._listing = 0  # actions whose event list is arriving
        self._undecodable = 0  # the codec's count, as last added to the counters
        self.counters = counters or Counters()
        self.ended: str | None = None  # why the peer ended the session (a Shutdown event)
        self.version: str | None = None  # from the banner

    # --- out ---------------------------------------------------------------------------

    def send(
        self,
        action: str,
        headers: Headers = (),
        *,
        waiter: W,
        now: float,
        timeout_s: float | None = None,
        wants_result: bool = True,
    ) -> tuple[str, bytes]:
        """Start an action: its ActionID, and the bytes to write. Its answer comes out later."""
        action_id = f"{self._prefix}{next(self._ids)}"
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        data = encode_action(action, [("ActionID", action_id), *pairs])
        self._in_flight[action_id] = _InFlight(
            action=action,
            waiter=waiter,
            deadline=now + (timeout_s or self.action_timeout_s),
            wants_result=wants_result,
        )
        self.counters.actions_out += 1
        return action_id, data

    @property
    def in_flight(self) -> int:
        """Actions sent and not yet settled."""
        return len(self._in_flight)

    def next_deadline(self) -> float | None:
        """The earliest deadline of an action in flight (``None``: nothing in flight)."""
        return min((p.deadline for p in self._in_flight.values()), default=None)

    # --- in ----------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        self._codec.receive_data(data)

    def next_event(self) -> Output[W] | _NeedData:
        """The next thing the bytes received so far say, or ``NEED_DATA``."""
        codec = self._codec
        counters = self.counters
        while self.ended is None:
            item = codec.next_event()
            if type(item) is not Message:
                if item is NEED_DATA:
                    # Once per read, not per message: the count the codec keeps, carried over.
                    if codec.undecodable_count != self._undecodable:
                        counters.undecodable += codec.undecodable_count - self._undecodable
                        self._undecodable = codec.undecodable_count
                elif isinstance(item, Malformed):
                    counters.malformed += 1
                elif isinstance(item, Banner):
                    self.version = item.version
                return item  # Banner, Malformed or NEED_DATA
            counters.messages_in += 1
            first = item.names[0]
            value = item.values[0]
            if first == "Response" or (first != "Event" and first.lower() == "response"):
                answer = self._answer(item)
                if answer is not None:
                    return answer
                continue
            counters.events_in += 1
            if self._listing:
                # Only while an event list is arriving is an event's ActionID worth looking up.
                action_id = item.action_id
                pending = self._in_flight.get(action_id) if action_id is not None else None
                if pending is not None and pending.listing:
                    if (item.get("EventList") or "").lower() == "complete":
                        return self._complete(action_id, pending)  # type: ignore[arg-type]
                    pending.result.events.append(item)  # type: ignore[union-attr]
                    continue
            if value == "Shutdown":
                self.ended = "asterisk shutdown"
            return item
        return NEED_DATA

    def _answer(self, message: Message) -> Output[W] | None:
        action_id = message.action_id
        pending = self._in_flight.get(action_id) if action_id is not None else None
        if pending is None:
            return None  # an answer to nothing in flight (a timed-out action): dropped
        assert action_id is not None
        if message.response == "Error":
            self.counters.action_errors += 1
            del self._in_flight[action_id]
            reason = message.get("Message") or "error"
            error = AmiActionError(
                f"Asterisk refused {pending.action}: {reason}", action=pending.action, reason=reason
            )
            return ActionFailed(
                action_id=action_id, action=pending.action, error=error, waiter=pending.waiter
            )
        if not pending.wants_result:
            del self._in_flight[action_id]  # fire and forget: done
            return None
        pending.result = ActionResult(response=message)
        if (message.get("EventList") or "").lower() == "start":
            pending.listing = True
            self._listing += 1
            return None
        return self._complete(action_id, pending)

    def _complete(self, action_id: str, pending: _InFlight[W]) -> ActionCompleted[W]:
        self._forget(action_id)
        assert pending.result is not None
        return ActionCompleted(
            action_id=action_id, action=pending.action, result=pending.result, waiter=pending.waiter
        )

    # --- time and the end ---------------------------------------------------------------

    def expire(self, now: float) -> list[ActionFailed[W]]:
        """Fail every action whose deadline has come (at or before ``now``)."""
        due = [a for a, p in self._in_flight.items() if p.deadline <= now]
        failed: list[ActionFailed[W]] = []
        for action_id in due:
            pending = self._forget(action_id)
            error = AmiConnectionError(
                f"Asterisk did not answer {pending.action} in time; it was not retried",
                action=pending.action,
            )
            failed.append(
                ActionFailed(
                    action_id=action_id, action=pending.action, error=error, waiter=pending.waiter
                )
            )
        return failed

    def lose(self, reason: str) -> list[ActionFailed[W]]:
        """The link is gone: every action in flight fails, and none is ever sent again."""
        in_flight, self._in_flight = self._in_flight, {}
        self._listing = 0
        return [
            ActionFailed(
                action_id=action_id,
                action=p.action,
                error=AmiConnectionError(
                    f"the connection to Asterisk was lost ({reason}) before {p.action} "
                    "was answered; it was not sent again",
                    action=p.action,
                ),
                waiter=p.waiter,
            )
            for action_id, p in in_flight.items()
        ]

    def _forget(self, action_id: str) -> _InFlight[W]:
        pending = self._in_flight.pop(action_id)
        if pending.listing:
            pending.listing = False
            self._listing -= 1
        return pending
