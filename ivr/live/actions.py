"""A call's AMI actions on their way out: sent once, counted, and a failure told to the sender.

Actions that are not idempotent (Redirect, Hangup, Originate) are never sent
again on their own. An action lost with the link is no failure of the call's:
the resynchronisation after the reconnect (:mod:`ivr.live.resync`) looks at what
is really up. An action Asterisk refused is the sender's to handle, unless the
call is over for the engine or the action was sent ``quiet``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import structlog

from ivr.ami.connection import ActionResult
from ivr.errors import AmiActionError, AmiConnectionError, AmiError
from ivr.live.calls import CallBook, LiveCall
from ivr.live.stats import DriverStats

log = structlog.get_logger("ivr.live")

#: What the sender does when Asterisk refused its action: the call, and Asterisk's reason.
OnFailed = Callable[[LiveCall, str], None]


class AmiSender(Protocol):
    @property
    def connected(self) -> bool: ...

    asterisk_restarted: bool

    def send(
        self, action: str, headers: Any = (), *, timeout_s: float | None = None
    ) -> asyncio.Future[ActionResult]: ...

    def send_nowait(
        self,
        action: str,
        headers: Any = (),
        *,
        on_error: Callable[[AmiError], None] | None = None,
        timeout_s: float | None = None,
    ) -> str | None: ...


class CallActions:
    def __init__(
        self, *, book: CallBook, stats: DriverStats, done: Callable[[LiveCall], bool]
    ) -> None:
        self.conn: AmiSender | None = None
        self.on_action: Callable[[str, Mapping[str, object]], None] | None = None  # bench hook
        self._book = book
        self._stats = stats
        self._done = done  # nothing more of this call goes to the engine

    @property
    def up(self) -> bool:
        return self.conn is not None and self.conn.connected

    def send(
        self,
        call: LiveCall,
        action: str,
        headers: Mapping[str, object],
        *,
        quiet: bool = False,
        on_failed: OnFailed | None = None,
        on_lost: Callable[[LiveCall], None] | None = None,
    ) -> None:
        """Send ``action`` for ``call``; ``on_failed`` if Asterisk refuses it, ``on_lost`` if the
        link went first (the call as it is then, if the driver still has it)."""
        assert self.conn is not None
        self._stats.actions_sent += 1
        if self.on_action is not None:
            self.on_action(action, headers)
        call_id = call.call_id
        self.conn.send_nowait(
            action,
            headers,
            on_error=lambda exc: self._failed(
                exc, call_id, action, quiet=quiet, on_failed=on_failed, on_lost=on_lost
            ),
        )

    def _failed(
        self,
        exc: AmiError,
        call_id: str,
        action: str,
        *,
        quiet: bool,
        on_failed: OnFailed | None,
        on_lost: Callable[[LiveCall], None] | None,
    ) -> None:
        call = self._book.get(call_id)
        if isinstance(exc, AmiConnectionError):
            # Never resent: the resynchronisation after the reconnect finds out what happened.
            if call is not None and on_lost is not None:
                on_lost(call)
            return
        self._stats.action_errors += 1
        reason = (
            exc.details.get("reason", str(exc)) if isinstance(exc, AmiActionError) else repr(exc)
        )
        log.warning("ami_action_failed", call_id=call_id, action=action, reason=reason)
        if call is None or quiet or on_failed is None or self._done(call):
            return
        on_failed(call, str(reason))
