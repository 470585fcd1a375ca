"""One supervised connection to Asterisk's manager interface.

Why our own asyncio connection and not panoramisk's ``Manager``: reading
panoramisk 1.4's source, every part of its transport is something we would
have to replace. ``AMIProtocol.data_received`` decodes each TCP read before
framing, with ``errors='ignore'``: in ``Manager``'s default ``encoding='utf8'``
(``ascii`` is only the fallback of an ``AMIProtocol`` used without a
``Manager``), so a multi-byte character split across two reads is silently
dropped, not replaced; ``AMIProtocol.close`` moves every
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
``asyncio.open_connection``, the framing is :mod:`ivr.ami.codec` and the
protocol (ActionID matching, event lists, deadlines) is :mod:`ivr.ami.session`,
which does no I/O: this module is the shell that moves bytes between the socket
and the session, gives it the loop's time, and turns what it says into futures,
error callbacks and listener calls. panoramisk stays a dependency only as the
peer the benchmark compares against.

Behaviour
---------
- Login first; ``Authentication failed`` raises :class:`AmiAuthenticationError`
  out of :meth:`AmiConnection.run` and stops: no retry. The secret is read
  once, to build the Login bytes, and never logged or put in an error.
- Responses are matched by ``ActionID`` (case-insensitively named). An action
  whose response says ``EventList: start`` collects the events carrying its
  ActionID until the one saying ``EventList: Complete`` (the session's rules;
  see :mod:`ivr.ami.session`). An action not answered within its timeout fails
  (checked every ``SWEEP_EVERY_S``, not with a timer per action).
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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from ivr.ami.codec import NEED_DATA, Banner, Malformed, Message, encode_action
from ivr.ami.session import (
    ActionCompleted,
    ActionFailed,
    ActionResult,
    AmiSession,
    Counters,
    Headers,
)
from ivr.ami.settings import AmiSettings
from ivr.clock import monotonic
from ivr.errors import AmiActionError, AmiAuthenticationError, AmiConnectionError, AmiError

__all__ = ["ActionResult", "AmiConnection", "Counters", "Headers"]

log = structlog.get_logger("ivr.ami")

SWEEP_EVERY_S = 0.25  # how often unanswered actions are checked against their deadline
UPTIME_SLACK_S = 2.0  # Uptime is whole seconds, read at login: this much drift is not a restart

# What an action in flight carries back to us: the future of send(), the error callback of
# send_nowait(), or nothing (send_nowait without one).
_Waiter = asyncio.Future[ActionResult] | Callable[[AmiError], None] | None


class _SessionLost(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class LinkState:
    """Is the link to Asterisk up, since when, and when did Asterisk last send anything.

    Times are ``monotonic()`` seconds: ``/healthz`` and ``/metrics`` turn them into ages,
    and a wall-clock jump must not make a live link look stale. ``failed_connects`` counts the
    attempts that never reached a login (refused, timed out, closed before the answer): the
    reconnect counter alone stays 0 through an outage that no attempt survives.
    """

    up: bool = False
    changed_at: float = field(default_factory=monotonic)
    last_message_at: float | None = None
    failed_connects: int = 0

    def went(self, up: bool) -> None:
        if up != self.up:
            self.up = up
            self.changed_at = monotonic()


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
        self._ami: AmiSession[_Waiter] | None = None  # the protocol state of this TCP session
        self._out: list[bytes] = []  # actions waiting for the end of this turn of the loop
        self._ids = itertools.count(1)  # ActionIDs go on counting across sessions
        self._writer: asyncio.StreamWriter | None = None
        self._session = 0
        self._closing = False
        self._logged_in = False
        self._lost_reason: str | None = None
        self._stop = asyncio.Event()
        self.counters = Counters()
        self.link = LinkState()
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
            log.warning(
                "ami_connect_failed",
                where=where,
                error=type(exc).__name__,
                hint=f"cannot reach Asterisk's manager interface at {where}: is Asterisk "
                "running, is manager.conf enabled on that address and port (docs/asterisk/)? "
                "retrying with back-off",
            )
            self.link.failed_connects += 1
            return f"connect failed: {type(exc).__name__}", False
        self._session += 1
        self.counters.sessions += 1
        self._ami = AmiSession(
            action_timeout_s=self.settings.action_timeout_s,
            prefix=f"ivr-{self._session}-",
            ids=self._ids,
            counters=self.counters,
        )
        self._writer = writer
        self._logged_in = False
        self._lost_reason = None
        self.asterisk_restarted = False  # FullyBooted, read right after the login, may set it
        reached_login = False
        reason = "eof"
        try:
            async with asyncio.TaskGroup() as tg:
                reader_task = tg.create_task(self._read(reader, self._ami))
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
            self.link.went(up=False)
        if not reached_login:
            self.link.failed_connects += 1
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
                "(ami.username / ami.secret in the config file, or IVR_AMI__USERNAME / "
                "IVR_AMI__SECRET) against manager.conf; not retrying"
            )
            raise AmiAuthenticationError(
                msg, where=where, username=self.settings.username
            ) from None
        self._logged_in = True
        self.link.went(up=True)
        log.info(
            "ami_logged_in",
            where=f"{self.settings.host}:{self.settings.port}",
            session=self._session,
        )
        if self._on_connected is not None:
            self._on_connected(self._session)

    async def _read(self, reader: asyncio.StreamReader, session: AmiSession[_Waiter]) -> None:
        undecodable: int | None = self.counters.undecodable  # said once per session if it grows
        while True:
            try:
                data = await reader.read(65536)
            except OSError as exc:
                self._lost_reason = type(exc).__name__
                return
            if not data:
                return
            self.link.last_message_at = monotonic()
            session.receive_data(data)
            while (out := session.next_event()) is not NEED_DATA:
                if type(out) is Message:
                    self._deliver(out)
                elif isinstance(out, ActionCompleted):
                    future = out.waiter
                    if isinstance(future, asyncio.Future) and not future.done():
                        future.set_result(out.result)
                elif isinstance(out, ActionFailed):
                    self._fail(out.waiter, out.error)
                elif isinstance(out, Malformed):
                    log.warning(
                        "ami_malformed_message",
                        reason=out.reason,
                        size=len(out.raw),
                        count=self.counters.malformed,
                    )
                elif isinstance(out, Banner):
                    self.version = out.version
            if undecodable is not None and self.counters.undecodable > undecodable:
                log.warning(
                    "ami_undecodable_bytes",
                    hint="Asterisk sent text that is not UTF-8 (a caller name in another "
                    "encoding?): those bytes read as U+FFFD and the events were kept; "
                    "ivr_ami_undecodable_messages_total counts them (said once per session)",
                )
                undecodable = None
            if session.ended is not None:
                self._lost_reason = session.ended
                return

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
        assert self._writer is not None and self._ami is not None
        action_id, data = self._ami.send(
            action,
            headers,
            waiter=future if future is not None else on_error,
            now=asyncio.get_running_loop().time(),
            timeout_s=timeout_s,
            wants_result=future is not None,
        )
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
            if self._ami is not None:
                for failed in self._ami.expire(loop.time()):
                    self._fail(failed.waiter, failed.error)

    def _fail(self, waiter: _Waiter, exc: AmiError) -> None:
        if isinstance(waiter, asyncio.Future):
            if not waiter.done():
                waiter.set_exception(exc)
                waiter.exception()  # retrieved: nobody may be awaiting a Ping
        elif waiter is not None:
            try:
                waiter(exc)
            except Exception:
                log.exception("ami_error_handler_failed", action=exc.details.get("action"))

    def _deliver(self, message: Message) -> None:
        """An event for the listener (the session has kept event lists' events for their action)."""
        value = message.values[0]
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
        try:
            self._on_event(message)
        except Exception:
            # A listener's bug must not end the session for every other call: log it, go on.
            self.counters.listener_errors += 1
            log.exception("ami_listener_failed", ami_event=value)

    def _drop(self, writer: asyncio.StreamWriter, reason: str) -> None:
        """The session is over: fail everything in flight, never resend it."""
        if self._writer is writer:
            self._writer = None
        writer.close()
        self._out.clear()
        if self._ami is not None:
            for failed in self._ami.lose(reason):
                self._fail(failed.waiter, failed.error)


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
