"""``/healthz``: is the engine able to take calls and keep their records, and if not, why.

A constant "ok" told a load balancer or a supervisor nothing: it said ok while the AMI link
had been down for half a minute. The report reads the parts that decide it:

- the **AMI link**: logged in to Asterisk or not, for how long, the age of Asterisk's last
  message, the connects that failed; without the link no call is driven;
- the **records database**: whether writes go through; while they fail, records wait in the
  buffer or the spill file (nothing is lost), but the database is behind.

Each is a problem only when it is watched (an API started without a live engine, as in the
try-out pages' tests, reports only what it has). Ages are ``ivr.clock.monotonic()`` differences, as
the parts record them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ivr.clock import monotonic


class LinkLike(Protocol):
    """What :class:`ivr.ami.connection.LinkState` holds that the report reads."""

    up: bool
    changed_at: float
    last_message_at: float | None
    failed_connects: int


class WriterLike(Protocol):
    """What :class:`ivr.storage.writer.WriterStats` holds that the report reads."""

    failing_since: float | None
    buffered: int
    spilled: int


@dataclass(frozen=True, slots=True)
class HealthReport:
    healthy: bool
    problems: tuple[str, ...]
    parts: dict[str, dict[str, Any]]

    @property
    def status_code(self) -> int:
        return 200 if self.healthy else 503

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.healthy else "failing",
            "problems": list(self.problems),
            **self.parts,
        }


def _age(now: float, then: float | None) -> float | None:
    return None if then is None else round(max(0.0, now - then), 3)


class Health:
    """The parts to read, set once the engine runs (:meth:`watch`); :meth:`report` reads them."""

    def __init__(self, *, now: Callable[[], float] = monotonic) -> None:
        self._now = now
        self._link: Callable[[], LinkLike] | None = None
        self._writer: Callable[[], WriterLike] | None = None

    def watch(
        self,
        *,
        link: Callable[[], LinkLike] | None = None,
        writer: Callable[[], WriterLike] | None = None,
    ) -> None:
        if link is not None:
            self._link = link
        if writer is not None:
            self._writer = writer

    def report(self) -> HealthReport:
        now = self._now()
        problems: list[str] = []
        parts: dict[str, dict[str, Any]] = {}
        if self._link is not None:
            link = self._link()
            for_s = _age(now, link.changed_at)
            parts["ami"] = {
                "up": link.up,
                "for_s": for_s,
                "last_message_age_s": _age(now, link.last_message_at),
                "failed_connects": link.failed_connects,
            }
            if not link.up:
                problems.append(
                    f"ami: not logged in to Asterisk for {for_s:.0f} s; no call is driven "
                    "until it is (see the ami_* lines in the log)"
                )
        if self._writer is not None:
            stats = self._writer()
            failing_for = _age(now, stats.failing_since)
            parts["database"] = {
                "ok": stats.failing_since is None,
                "failing_for_s": failing_for,
                "buffered": stats.buffered,
                "spilled": stats.spilled,
            }
            if failing_for is not None:
                problems.append(
                    f"database: writes failing for {failing_for:.0f} s; records wait in the "
                    "buffer or the spill file (see the storage_* lines in the log)"
                )
        return HealthReport(healthy=not problems, problems=tuple(problems), parts=parts)
