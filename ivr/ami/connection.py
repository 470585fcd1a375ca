"""One supervised connection to Asterisk's manager interface.

Why our own asyncio connection and not panoramisk's ``Manager``: reading
panoramisk 1.4's source, every part of its transport is something we would
have to replace. ``AMIProtocol.data_received`` decodes each TCP read (``ascii``
with ``'ignore'`` by default) before framing; ``AMIProtocol.close`` moves every
unanswered action except ``ping``/``login`` into ``awaiting_actions`` and
``Manager.send_awaiting_actions`` sends them again on the next ``FullyBooted``
(a duplicated ``Redirect`` or ``Originate`` is a real fault on a live call, and
the lab saw it happen twice); ``Manager.connection_lost`` re-arms
``loop.call_later(reconnect_timeout, self.connect)`` on a fixed delay that
``close()`` never cancels; ``Manager.login`` records a refused login as
``authenticated=False`` and carries on reconnecting; ``dispatch`` fires
coroutine callbacks with ``ensure_future`` and keeps no reference; and
``send_agi_command`` waits for a ``SubEvent`` header Asterisk 22 no longer
sends. What would be left is ``loop.create_connection``. So the transport is
``asyncio.open_connection`` and the framing is :mod:`ivr.ami.codec`;
panoramisk stays a dependency only as the peer the benchmark compares against.

Behaviour
---------
- Login first; ``Authentication failed`` raises :class:`AmiAuthenticationError`
  out of :meth:`AmiConnection.run` and stops: no retry. The secret is read
  once, to build the Login bytes, and never logged or put in an error.
- Responses are matched by ``ActionID`` (case-insensitively named). An action
  whose response says ``EventList: start`` collects the events carrying its
  ActionID until the one saying ``EventList: Complete``.
- ``Response: Error`` fails that action's future with :class:`AmiActionError`;
  only that call is affected.
- When the connection is lost (EOF, a reset, a ``Shutdown`` event, a Ping not
  answered) every action in flight fails with :class:`AmiConnectionError`;
  nothing is ever sent again on its own. Then reconnect with exponential
  backoff and jitter (a seeded ``random.Random``), log in again and tell the
  listener, who resynchronises.
- ``FullyBooted`` comes right after every login (the lab saw it each time)
  with Asterisk's ``Uptime``. An uptime smaller than the last one seen plus
  the time since (or, with none seen yet, below ``restart_uptime_s``) means
  Asterisk restarted: :attr:`AmiConnection.asterisk_restarted` says so for the
  listener's resynchronisation. (A restart ordered over AMI gives a bare EOF,
  no ``Shutdown``: the uptime is what tells.)
- Every task is owned: one TaskGroup per session (the reader and the pinger),
  and :meth:`run` itself belongs to its caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from ivr.ami.codec import AmiCodec, Banner, Malformed, Message, encode_action
from ivr.ami.settings import AmiSettings
from ivr.clock import monotonic
from ivr.errors import AmiActionError, AmiAuthenticationError, AmiConnectionError, AmiError

log = structlog.get_logger("ivr.ami")

SWEEP_EVERY_S = 0.25  # how often unanswered actions are checked against their deadline
UPTIME_SLACK_S = 2.0  # Uptime is whole seconds, read at login: this much drift is not a restart

Headers = Mapping[str, object] | Iterable[tuple[str, object]]


@dataclass(slots=True)
class ActionResult:
    """What an action got back: the response, and the events of an event list (if any)."""

    response: Message
    events: list[Message] = field(default_factory=list)


@dataclass(slots=True)
class _Pending:
    action: str
    future: asyncio.Future[ActionResult] | None  # None: fire and forget, errors to on_error
    deadline: float  # loop time after which it fails as unanswered
    result: ActionResult | None = None  # set while an event list is arriving
    listing: bool = False
    on_error: Callable[[AmiError], None] | None = None


@dataclass(slots=True)
class Counters:
    messages_in: int = 0
    events_in: int = 0
    actions_out: int = 0
    malformed: int = 0
    action_errors: int = 0
    sessions: int = 0
    connection_losses: int = 0
    listener_errors: int = 0


class _SessionLost(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AmiConnection:
    """Connects, logs in, reads, and comes back after a loss; the listener gets every event."""

    def __init__(
        self,
        settings: AmiSettings,
        *,
        rng: random.Random,
        on_event: Callable[[Message], None],
        on_connected: Callable[[int], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
        events: bool = True,
    ) -> None:
        self.settings = settings
        self._rng = rng
        self._on_event = on_event
        self._on_connected = on_connected
        self._on_lost = on_lost
        self._events = events
        self._pending: dict[str, _Pending] = {}
        self._out: list[bytes] = []  # actions waiting for the end of this turn of the loop
        self._listing = 0  # actions whose event list is arriving
        self._ids = itertools.count(1)
        self._writer: asyncio.StreamWriter | None = None
        self._session = 0
        self._closing = False
        self._logged_in = False
        self._lost_reason: str | None = None
        self._stop = asyncio.Event()
        self.counters = Counters()
        self.asterisk_restarted = False
        self._uptime_seen: tuple[float, float] | None = (
            None  # (Uptime, monotonic) at the last FullyBooted
        )
        self.version: str | None = None

    # --- public ------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._writer is not None and self._logged_in

    def send(
        self, action: str, headers: Headers = (), *, timeout_s: float | None = None
    ) -> asyncio.Future[ActionResult]:
        """Send an action now; the future holds its result or its error. Never resent."""
        future: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        if not self.connected:
            future.set_exception(
                AmiConnectionError(
                    f"not connected to Asterisk: {action} was not sent; it will not be retried",
                    action=action,
                )
            )
            return future
        self._write(action, headers, future, timeout_s)
        return future

    def send_nowait(
        self,
        action: str,
        headers: Headers = (),
        *,
        on_error: Callable[[AmiError], None] | None = None,
        timeout_s: float | None = None,
    ) -> str | None:
        """Send an action whose success needs no answer; a failure goes to ``on_error``. Never resent.

        Returns its ActionID (events that answer later, such as OriginateResponse, carry it),
        or ``None`` when not connected.

        The live driver's actions go this way: no future, no callback scheduled per answer,
        which is most of the messages on a busy link.
        """
        if not self.connected:
            if on_error is not None:
                exc = AmiConnectionError(
                    f"not connected to Asterisk: {action} was not sent; it will not be retried",
                    action=action,
                )
                asyncio.get_running_loop().call_soon(on_error, exc)
            return None
        return self._write(action, headers, None, timeout_s, on_error)

    async def request(
        self, action: str, headers: Headers = (), *, timeout_s: float | None = None
    ) -> ActionResult:
        return await self.send(action, headers, timeout_s=timeout_s)

    async def close(self) -> None:
        """Log off and stop: no reconnection after this."""
        self._closing = True
        self._stop.set()
        self._flush()
        writer = self._writer
        if writer is not None and self._logged_in:
            with contextlib.suppress(Exception):
                writer.write(encode_action("Logoff", {"ActionID": "ivr-logoff"}))
        if writer is not None:
            writer.close()

    async def run(self) -> None:
        """Stay connected until :meth:`close`. Raises :class:`AmiAuthenticationError` on a refused login."""
        delays = self.settings.backoff(self._rng)
        where = f"{self.settings.host}:{self.settings.port}"
        while not self._closing:
            reason, reached_login = await self._one_session()
            if self._closing:
                break
            if reached_login:
                delays = self.settings.backoff(self._rng)  # a good session resets the backoff
            delay = next(delays)
            log.warning(
                "ami_reconnect_scheduled", where=where, reason=reason, delay_s=round(delay, 3)
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=delay)
        log.info("ami_stopped", where=where)

    # --- sessions ------------------------------------------------------------------

    async def _one_session(self) -> tuple[str, bool]:
        """Connect, log in, read until the connection ends; returns why it ended and whether login was reached."""
        where = f"{self.settings.host}:{self.settings.port}"
        log.info("ami_connecting", where=where)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.settings.host, self.settings.port),
                timeout=self.settings.connect_timeout_s,
            )
        except (OSError, TimeoutError) as exc:
            log.warning("ami_connect_failed", where=where, error=type(exc).__name__)
            return f"connect failed: {type(exc).__name__}", False
        self._session += 1
        self.counters.sessions += 1
        self._writer = writer
        self._logged_in = False
        self._lost_reason = None
        self.asterisk_restarted = False  # FullyBooted, read right after the login, may set it
        reached_login = False
        reason = "eof"
        try:
            async with asyncio.TaskGroup() as tg:
                reader_task = tg.create_task(self._read(reader, AmiCodec()))
                tg.create_task(self._sweep_loop())
                await self._login(reader_task)
                reached_login = True
                tg.create_task(self._ping_loop())
                await reader_task
                raise _SessionLost(self._lost_reason or "eof")
        except BaseExceptionGroup as group:
            first = _first_leaf(group)
            if isinstance(first, AmiAuthenticationError):
                self._drop(writer, "login refused")
                raise first from None
            if isinstance(first, _SessionLost):
                reason = first.reason
            elif isinstance(first, OSError | AmiConnectionError):
                reason = type(first).__name__
            else:
                raise
        finally:
            self._drop(writer, reason)
            self._logged_in = False
        self.counters.connection_losses += 1
        log.warning("ami_connection_lost", where=where, reason=reason, logged_in=reached_login)
        if self._on_lost is not None and reached_login:
            self._on_lost(reason)
        return reason, reached_login

    async def _login(self, reader_task: asyncio.Task[None]) -> None:
        future: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        secret = self.settings.secret.get_secret_value()
        self._write(
            "Login",
            {
                "Username": self.settings.username,
                "Secret": secret,
                "Events": "on" if self._events else "off",
            },
            future,
            self.settings.connect_timeout_s,
        )
        del secret
        waiters: set[asyncio.Future[Any]] = {future, reader_task}
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        if future not in done:
            future.cancel()
            raise _SessionLost("closed before the login was answered")
        try:
            future.result()
        except AmiActionError as exc:
            where = f"{self.settings.host}:{self.settings.port}"
            log.error("ami_login_refused", where=where, username=self.settings.username)
            msg = (
                f"Asterisk at {where} refused the login of user '{self.settings.username}' "
                f"({exc.details.get('reason', 'refused')}): check the AMI username and secret "
                "(ami.username / ami.secret in the config file, or IVR_AMI_USERNAME / "
                "IVR_AMI_SECRET) against manager.conf; not retrying"
            )
            raise AmiAuthenticationError(
                msg, where=where, username=self.settings.username
            ) from None
        self._logged_in = True
        log.info(
            "ami_logged_in",
            where=f"{self.settings.host}:{self.settings.port}",
            session=self._session,
        )
        if self._on_connected is not None:
            self._on_connected(self._session)

    async def _read(self, reader: asyncio.StreamReader, codec: AmiCodec) -> None:
        while True:
            try:
                data = await reader.read(65536)
            except OSError as exc:
                self._lost_reason = type(exc).__name__
                return
            if not data:
                return
            codec.receive_data(data)
            for item in codec.events():
                if isinstance(item, Message):
                    self._dispatch(item)
                    if self._lost_reason is not None:
                        return
                elif isinstance(item, Malformed):
                    self.counters.malformed += 1
                    log.warning(
                        "ami_malformed_message",
                        reason=item.reason,
                        size=len(item.raw),
                        count=self.counters.malformed,
                    )
                elif isinstance(item, Banner):
                    self.version = item.version

    async def _ping_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.ping_every_s)
            try:
                await self.request("Ping", timeout_s=self.settings.action_timeout_s)
            except AmiActionError:
                continue
            except AmiConnectionError:
                self._lost_reason = "ping unanswered"
                if self._writer is not None:
                    self._writer.close()
                return

    # --- messages ------------------------------------------------------------------

    def _write(
        self,
        action: str,
        headers: Headers,
        future: asyncio.Future[ActionResult] | None,
        timeout_s: float | None,
        on_error: Callable[[AmiError], None] | None = None,
    ) -> str:
        assert self._writer is not None
        action_id = f"ivr-{self._session}-{next(self._ids)}"
        pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
        data = encode_action(action, [("ActionID", action_id), *pairs])
        deadline = asyncio.get_running_loop().time() + (timeout_s or self.settings.action_timeout_s)
        self._pending[action_id] = _Pending(
            action=action, future=future, deadline=deadline, on_error=on_error
        )
        self.counters.actions_out += 1
        # Actions written in one turn of the loop go out in one write (one system call).
        self._out.append(data)
        if len(self._out) == 1:
            asyncio.get_running_loop().call_soon(self._flush)
        return action_id

    def _flush(self) -> None:
        out, self._out = self._out, []
        if out and self._writer is not None and not self._writer.is_closing():
            self._writer.write(b"".join(out))

    async def _sweep_loop(self) -> None:
        """Fails the actions Asterisk did not answer in time (a sweep every SWEEP_EVERY_S, not a timer each)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SWEEP_EVERY_S)
            now = loop.time()
            for action_id in [a for a, p in self._pending.items() if p.deadline <= now]:
                self._time_out(action_id)

    def _time_out(self, action_id: str) -> None:
        pending = self._pending.pop(action_id, None)
        if pending is None:
            return
        if pending.listing:
            pending.listing = False
            self._listing -= 1
        self._fail(
            pending,
            AmiConnectionError(
                f"Asterisk did not answer {pending.action} in time; it was not retried",
                action=pending.action,
            ),
        )

    def _fail(self, pending: _Pending, exc: AmiError) -> None:
        if pending.future is not None:
            if not pending.future.done():
                pending.future.set_exception(exc)
                pending.future.exception()  # retrieved: nobody may be awaiting a Ping
        elif pending.on_error is not None:
            try:
                pending.on_error(exc)
            except Exception:
                log.exception("ami_error_handler_failed", action=pending.action)

    def _dispatch(self, message: Message) -> None:
        self.counters.messages_in += 1
        first, value = message.headers[0]
        if first == "Response" or (first != "Event" and first.lower() == "response"):
            action_id = message.action_id
            pending = self._pending.get(action_id) if action_id is not None else None
            if pending is not None:
                self._answer(action_id, pending, message)  # type: ignore[arg-type]
            return  # else an answer to nothing we wait for (a timed-out action): dropped
        self.counters.events_in += 1
        if self._listing:
            # Only while an event list is arriving is an event's ActionID worth looking up.
            action_id = message.action_id
            pending = self._pending.get(action_id) if action_id is not None else None
            if pending is not None and pending.result is not None:
                if (message.get("EventList") or "").lower() == "complete":
                    self._finish(action_id, pending)  # type: ignore[arg-type]
                else:
                    pending.result.events.append(message)
                return
        if value == "FullyBooted":
            uptime = _float(message.get("Uptime"))
            if uptime is not None:
                now = monotonic()
                if self._uptime_seen is None:
                    restarted = self._session > 1 and uptime < self.settings.restart_uptime_s
                else:
                    seen, at = self._uptime_seen
                    restarted = uptime + UPTIME_SLACK_S < seen + (now - at)
                self.asterisk_restarted = self.asterisk_restarted or restarted
                self._uptime_seen = (uptime, now)
        elif value == "Shutdown":
            self._lost_reason = "asterisk shutdown"
        try:
            self._on_event(message)
        except Exception:
            # A listener's bug must not end the session for every other call: log it, go on.
            self.counters.listener_errors += 1
            log.exception("ami_listener_failed", ami_event=value)

    def _answer(self, action_id: str, pending: _Pending, message: Message) -> None:
        if message.response == "Error":
            self.counters.action_errors += 1
            self._pending.pop(action_id, None)
            reason = message.get("Message") or "error"
            self._fail(
                pending,
                AmiActionError(
                    f"Asterisk refused {pending.action}: {reason}",
                    action=pending.action,
                    reason=reason,
                ),
            )
            return
        if pending.future is None:
            del self._pending[action_id]  # fire and forget: done
            return
        result = ActionResult(response=message)
        if (message.get("EventList") or "").lower() == "start":
            pending.result = result
            pending.listing = True
            self._listing += 1
            return
        pending.result = result
        self._finish(action_id, pending)

    def _finish(self, action_id: str, pending: _Pending) -> None:
        self._pending.pop(action_id, None)
        if pending.listing:
            pending.listing = False
            self._listing -= 1
        future = pending.future
        if future is not None and not future.done() and pending.result is not None:
            future.set_result(pending.result)

    def _drop(self, writer: asyncio.StreamWriter, reason: str) -> None:
        """The session is over: fail everything in flight, never resend it."""
        if self._writer is writer:
            self._writer = None
        writer.close()
        pending, self._pending = self._pending, {}
        self._listing = 0
        self._out.clear()
        for p in pending.values():
            self._fail(
                p,
                AmiConnectionError(
                    f"the connection to Asterisk was lost ({reason}) before {p.action} "
                    "was answered; it was not sent again",
                    action=p.action,
                ),
            )


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
