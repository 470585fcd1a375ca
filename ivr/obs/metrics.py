"""Prometheus metrics, served at ``/metrics``.

Counters move with the engine's facts (:meth:`Metrics.observe`); gauges are
read from the :class:`~ivr.obs.floor.Floor` at scrape time (a custom
collector), so they are never stale. The edges are read the same way, through
small hooks: the AMI connection's counters (:meth:`Metrics.watch_ami`) and the
storage writer's buffer depth (:meth:`Metrics.watch_buffer`); the engine's
handling time is measured by wrapping it in :class:`TimedEngine`.

Each :class:`Metrics` has its own registry, so tests and two engines in one
process do not share counters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ivr.clock import monotonic
from ivr.model.facts import Abandoned, Answered, Diverted, Queued
from ivr.obs.floor import Floor
from ivr.obs.health import LinkLike
from ivr.scheduling import Timer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class _FloorCollector(Collector):
    """Gauges read from the floor when Prometheus scrapes."""

    def __init__(self, floor: Floor) -> None:
        self._floor = floor

    def collect(self) -> Iterator[Metric]:
        floor = self._floor
        queues = floor.queues()
        waiting = GaugeMetricFamily(
            "ivr_queue_waiting", "Callers waiting in the queue", labels=["queue"]
        )
        longest = GaugeMetricFamily(
            "ivr_queue_longest_wait_seconds", "Wait of the longest-waiting caller", labels=["queue"]
        )
        seats_open = GaugeMetricFamily(
            "ivr_queue_seats_open",
            "Logged-in, unpaused seats that may take the queue",
            labels=["queue"],
        )
        alarm = GaugeMetricFamily(
            "ivr_queue_alarm_level", "Peak alarm level: 0 none, 1, 2", labels=["queue"]
        )
        sl = GaugeMetricFamily(
            "ivr_queue_service_level_ratio",
            "Answered within the answer-time limit / (answered + abandoned), today and this interval",
            labels=["queue", "period"],
        )
        conn = GaugeMetricFamily(
            "ivr_queue_connection_rate_ratio",
            "Answered / offered, today and this interval",
            labels=["queue", "period"],
        )
        for q in queues:
            waiting.add_metric([q.name], q.waiting)
            longest.add_metric([q.name], q.longest_wait_s)
            seats_open.add_metric([q.name], q.seats_open)
            alarm.add_metric([q.name], q.alarm_level)
            for period, counts in (("today", q.today), ("interval", q.interval)):
                if counts.service_level is not None:
                    sl.add_metric([q.name, period], counts.service_level)
                if counts.connection_rate is not None:
                    conn.add_metric([q.name, period], counts.connection_rate)
        seats = GaugeMetricFamily("ivr_seats", "Configured seats by state", labels=["state"])
        for state, n in floor.seats_by_state().items():
            seats.add_metric([state], n)
        menus = GaugeMetricFamily("ivr_calls_in_menus", "Calls in a voice menu now")
        menus.add_metric([], floor.calls_in_menus())
        calls = GaugeMetricFamily("ivr_calls_active", "Calls the engine holds now")
        calls.add_metric([], len(floor.calls))
        yield from (waiting, longest, seats_open, alarm, sl, conn, seats, menus, calls)


class AmiCounts(Protocol):
    """What :class:`ivr.ami.connection.Counters` holds that the metrics read."""

    sessions: int  # logins that succeeded: every one after the first is a reconnect
    malformed: int  # messages that did not parse and were skipped
    undecodable: int  # messages kept with bytes that were not UTF-8 replaced
    connection_losses: int


class _AmiCollector(Collector):
    def __init__(self) -> None:
        self.source: Callable[[], AmiCounts] | None = None
        self.link: Callable[[], LinkLike] | None = None

    def collect(self) -> Iterator[Metric]:
        counts = self.source() if self.source is not None else None
        reconnects = CounterMetricFamily(
            "ivr_ami_reconnects", "Times the AMI connection was re-established after a loss"
        )
        reconnects.add_metric([], max(0, counts.sessions - 1) if counts else 0)
        losses = CounterMetricFamily(
            "ivr_ami_connection_losses", "Times the AMI connection was lost"
        )
        losses.add_metric([], counts.connection_losses if counts else 0)
        malformed = CounterMetricFamily(
            "ivr_ami_malformed_messages", "AMI messages that did not parse and were skipped"
        )
        malformed.add_metric([], counts.malformed if counts else 0)
        undecodable = CounterMetricFamily(
            "ivr_ami_undecodable_messages",
            "AMI messages kept with bytes that were not UTF-8 read as U+FFFD",
        )
        undecodable.add_metric([], counts.undecodable if counts else 0)
        yield from (reconnects, losses, malformed, undecodable)
        if self.link is None:
            return
        link = self.link()
        up = GaugeMetricFamily("ivr_ami_up", "1 while logged in to Asterisk's AMI, else 0")
        up.add_metric([], 1.0 if link.up else 0.0)
        failed = CounterMetricFamily(
            "ivr_ami_failed_connects", "Connection attempts that never reached a login"
        )
        failed.add_metric([], link.failed_connects)
        yield from (up, failed)
        if link.last_message_at is not None:
            age = GaugeMetricFamily(
                "ivr_ami_last_message_age_seconds", "Seconds since Asterisk last sent anything"
            )
            age.add_metric([], max(0.0, monotonic() - link.last_message_at))
            yield age


class TimedEngine:
    """Wraps the engine for a driver: every ``handle``/``fire`` is timed into the histogram."""

    def __init__(self, engine: Any, metrics: Metrics) -> None:
        self._engine = engine
        self._metrics = metrics

    def handle(self, event: Any) -> Sequence[object]:
        with self._metrics.handling(event):
            return self._engine.handle(event)

    def fire(self, timer: Timer) -> Sequence[object]:
        with self._metrics.handling(timer):
            return self._engine.fire(timer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


class Metrics:
    def __init__(self, floor: Floor | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.offered = Counter(
            "ivr_calls_offered", "Calls that entered a queue", ["queue"], registry=r
        )
        self.answered = Counter(
            "ivr_calls_answered", "Calls a seat answered", ["queue"], registry=r
        )
        self.answered_in_limit = Counter(
            "ivr_calls_answered_in_limit",
            "Calls answered within the queue's answer-time limit",
            ["queue"],
            registry=r,
        )
        self.abandoned = Counter(
            "ivr_calls_abandoned", "Callers who hung up while waiting", ["queue"], registry=r
        )
        self.diverted = Counter(
            "ivr_calls_diverted", "Calls sent away from a queue", ["queue", "reason"], registry=r
        )
        self.event_seconds = Histogram(
            "ivr_event_handling_seconds",
            "Time the engine took to handle one event, by event type",
            ["event"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.db_buffer_depth = Gauge(
            "ivr_db_buffer_depth", "Records waiting to be written to the database", registry=r
        )
        self.http_changes = Counter(
            "ivr_api_changes", "Changes made through the supervisor's API", ["action"], registry=r
        )
        self._ami = _AmiCollector()
        r.register(self._ami)
        self._limits: dict[str, float] = {}
        if floor is not None:
            self._limits = {q.name: q.answer_time_limit_s for q in floor.centre.queues}
            r.register(_FloorCollector(floor))

    def observe(self, outputs: Iterable[object]) -> None:
        """Count the facts of one batch of engine outputs."""
        for out in outputs:
            match out:
                case Queued(queue=queue):
                    self.offered.labels(queue).inc()
                case Answered(queue=queue, wait_s=wait_s):
                    self.answered.labels(queue).inc()
                    if wait_s <= self._limits.get(queue, 15.0):
                        self.answered_in_limit.labels(queue).inc()
                case Abandoned(queue=queue):
                    self.abandoned.labels(queue).inc()
                case Diverted(queue=queue, reason=reason):
                    self.diverted.labels(queue, reason).inc()
                case _:
                    pass

    @contextmanager
    def handling(self, event: object) -> Iterator[None]:
        """Time the handling of ``event`` (wall time at the edge: never inside the core)."""
        start = monotonic()
        try:
            yield
        finally:
            kind = f"timer:{event.kind}" if isinstance(event, Timer) else type(event).__name__
            self.event_seconds.labels(kind).observe(monotonic() - start)

    def watch_ami(self, counters: Callable[[], AmiCounts]) -> None:
        """Read the AMI connection's counters (``AmiConnection.counters``) at each scrape."""
        self._ami.source = counters

    def watch_link(self, link: Callable[[], LinkLike]) -> None:
        """Read the AMI link's state (``AmiConnection.link``) at each scrape."""
        self._ami.link = link

    def watch_buffer(self, depth: Callable[[], int]) -> None:
        """Read the storage writer's buffer depth at each scrape."""
        self.db_buffer_depth.set_function(lambda: float(depth()))

    def render(self) -> bytes:
        return generate_latest(self.registry)
