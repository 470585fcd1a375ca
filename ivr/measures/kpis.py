"""The hotline's measures (REQUIREMENTS §5), streamed from the engine's facts.

Feed every fact to :meth:`Measures.observe` as it happens (commands are
ignored); ask :meth:`Measures.report` at any time (the live wallboard) or at
the end of a run (the simulator). Memory grows with the number of queues,
seats, 15-minute intervals and calls *in progress*, never with the number of
calls seen: waits go into fixed-bin histograms, and a call's bookkeeping is
dropped at its ``JourneyEnded``.

What is counted where:

- A queue counts the calls that entered it (``Queued``), each in the interval
  it entered; what happens to the call later (answered, abandoned, diverted)
  is counted in that same interval. A leg that enters a queue because a seat
  transferred the caller counts as a ``transfers_in`` of that queue, not as a
  new offered call.
- The centre counts journeys: a call with several legs is offered once (its
  first queue), answered once (its first answer, with its wait), and its end
  (``JourneyEnded``) counted under its outcome.
- Seat occupancy per seat group, callers waiting per queue, open seats and
  alarm time are time integrals per interval.
- Calls still in progress when a report is made (live, or a simulated run
  that ended first) are counted by where they stand, so that calls and
  offered calls add up (:mod:`ivr.measures.tracks`).

The definitions that differ between vendors are :class:`MeasuresConfig`,
written into every report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ivr.measures.config import MeasuresConfig
from ivr.measures.counters import Counters
from ivr.measures.histogram import WaitHistogram
from ivr.measures.signals import Signal
from ivr.measures.tracks import Track, unfinished
from ivr.model.facts import (
    Abandoned,
    AlarmChanged,
    Answered,
    CallbackQueued,
    CallStarted,
    Completed,
    CutOff,
    Diverted,
    JourneyEnded,
    Queued,
    RingNoAnswer,
    SeatChanged,
    SeatState,
    Transferred,
)
from ivr.model.skills import CentreConfig, SeatConfig

CENTRE = "*"
_BUSY = (SeatState.ON_CALL, SeatState.WRAP_UP)
_STAFFED = (SeatState.AVAILABLE, SeatState.RINGING, SeatState.ON_CALL, SeatState.WRAP_UP)


def seat_group(seat: SeatConfig) -> str:
    """The default group of a seat: ``general`` for comprehensive seats, else its skills joined."""
    if seat.general:
        return "general"
    return "+".join(sorted(seat.skills)) or "none"


class Measures:
    def __init__(
        self,
        *,
        centre: CentreConfig | None = None,
        config: MeasuresConfig | None = None,
        origin: float = 0.0,
        seat_groups: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config or MeasuresConfig()
        self.origin = origin
        self._width = self.config.interval_s
        self._limits: dict[str, float] = {}
        groups: dict[str, str] = {}
        if centre is not None:
            self._limits = {q.name: q.answer_time_limit_s for q in centre.queues}
            groups = {s.id: seat_group(s) for s in centre.seats}
        if seat_groups:
            groups.update(seat_groups)
        self._seat_group = groups
        self._calls: dict[str, Track] = {}
        self._queues: dict[str, Counters] = {}
        self._centre = Counters()
        self._intervals: dict[int, dict[str, Counters]] = {}
        self._waiting: dict[str, Signal] = {}
        self._seat_state: dict[str, SeatState] = {}
        self._busy: dict[str, Signal] = {}  # per seat group: seats talking or in wrap-up
        self._staffed: dict[str, Signal] = {}  # per seat group: seats logged in and not paused
        self._open = self._signal()
        self._alarm: dict[str, Signal] = {}
        self._alarm2: dict[str, Signal] = {}
        self._alarm_periods: dict[str, list[list[Any]]] = {}
        self.first_at: float | None = None
        self.last_at = origin
        self._extra: list[Callable[[object], None]] = []
        self.generation = 0  # changes when an observer is added
        self._handlers: dict[type, Callable[[Any], None]] = {
            CallStarted: self._call_started,
            Queued: self._queued,
            Answered: self._answered,
            Abandoned: self._abandoned,
            CutOff: self._cut_off,
            Diverted: self._diverted,
            CallbackQueued: self._callback,
            Transferred: self._transferred,
            Completed: self._completed,
            RingNoAnswer: self._ring_no_answer,
            SeatChanged: self._seat_changed,
            AlarmChanged: self._alarm_changed,
            JourneyEnded: self._journey_ended,
        }

    # --- feeding -------------------------------------------------------------------

    def also_feed(self, observer: Callable[[object], None]) -> None:
        """Pass every item on to ``observer`` too (the flows' menu path report)."""
        self._extra.append(observer)
        self.generation += 1

    def handler_for(self, kind: type) -> Callable[[Any], None] | None:
        """What :meth:`observe` does with items of ``kind``, for a caller that dispatches itself.

        Valid until :attr:`generation` changes (an observer is added).
        """
        handler = self._handlers.get(kind)
        if not self._extra:
            return handler
        extras = tuple(self._extra)

        def both(item: object) -> None:
            if handler is not None:
                handler(item)
            for extra in extras:
                extra(item)

        return both

    def observe(self, item: object) -> None:
        handler = self._handlers.get(type(item))
        if handler is not None:
            handler(item)
        for extra in self._extra:
            extra(item)

    # --- helpers -------------------------------------------------------------------

    def _signal(self) -> Signal:
        return Signal(self.origin, self._width, 0.0, self.origin)

    def _k(self, at: float) -> int:
        if at > self.last_at:
            self.last_at = at
        return int((at - self.origin) // self._width)

    def _queue(self, name: str) -> Counters:
        c = self._queues.get(name)
        if c is None:
            c = self._queues[name] = Counters()
            self._waiting[name] = self._signal()
        return c

    def _in(self, k: int, name: str) -> Counters:
        per = self._intervals.get(k)
        if per is None:
            per = self._intervals[k] = {}
        c = per.get(name)
        if c is None:
            c = per[name] = Counters(histograms=False)
        return c

    def _track(self, call_id: str, at: float) -> Track:
        t = self._calls.get(call_id)
        if t is None:  # the call began before these measures did
            t = self._calls[call_id] = Track(self._k(at))
        return t

    def _limit(self, queue: str) -> float:
        return self._limits.get(queue, self.config.default_answer_time_limit_s)

    def _stop_waiting(self, t: Track, at: float) -> None:
        if t.waiting:
            t.waiting = False
            self._waiting[t.leg_queue].add(at, -1)
            self._waiting.setdefault(CENTRE, self._signal()).add(at, -1)

    # --- facts ---------------------------------------------------------------------

    def _call_started(self, f: CallStarted) -> None:
        if self.first_at is None:
            self.first_at = f.at
        k = self._k(f.at)
        self._calls[f.call_id] = Track(k)
        self._centre.calls += 1
        self._in(k, CENTRE).calls += 1

    def _queued(self, f: Queued) -> None:
        t = self._track(f.call_id, f.at)
        if t.waiting and t.leg_queue == f.queue:
            return  # queued again where it already waits (a re-offer): nothing new
        self._stop_waiting(t, f.at)
        k = self._k(f.at)
        q = self._queue(f.queue)
        t.leg_queue, t.leg_interval, t.leg_entered_at = f.queue, k, f.at
        t.leg_transfer = t.pending_transfer
        t.pending_transfer = False
        t.waiting = True
        self._waiting[f.queue].add(f.at, 1)
        self._waiting.setdefault(CENTRE, self._signal()).add(f.at, 1)
        if t.leg_transfer:
            q.transfers_in += 1
            self._in(k, f.queue).transfers_in += 1
            return
        q.offered += 1
        self._in(k, f.queue).offered += 1
        if t.interval < 0:  # the journey's first queue
            t.interval, t.entered_at, t.estimate = k, f.at, f.estimated_wait_s
            self._centre.offered += 1
            self._in(k, CENTRE).offered += 1

    def _answered(self, f: Answered) -> None:
        t = self._track(f.call_id, f.at)
        self._stop_waiting(t, f.at)
        if t.leg_transfer:
            return
        within = f.wait_s <= self._limit(f.queue)
        for c in (self._queue(f.queue), self._in(max(t.leg_interval, 0), f.queue)):
            c.answered += 1
            c.answered_within_limit += within
            c.add_wait(f.wait_s)
        if not t.answered and t.interval >= 0:
            t.answered = True
            for c in (self._centre, self._in(t.interval, CENTRE)):
                c.answered += 1
                c.answered_within_limit += within
                c.add_wait(f.wait_s)
                if t.estimate is not None:
                    c.add_estimate(t.estimate, f.wait_s)
            q = self._queues[f.queue]
            if t.estimate is not None:
                q.add_estimate(t.estimate, f.wait_s)

    def _abandoned(self, f: Abandoned) -> None:
        t = self._track(f.call_id, f.at)
        self._stop_waiting(t, f.at)
        if t.leg_transfer:
            return
        short = f.wait_s < self.config.short_abandon_s
        targets = [self._queue(f.queue), self._in(max(t.leg_interval, 0), f.queue)]
        if not t.answered and t.interval >= 0:
            targets += [self._centre, self._in(t.interval, CENTRE)]
        for c in targets:
            c.abandoned += 1
            c.short_abandoned += short
            if c.abandon_waits is not None:
                c.abandon_waits.add(f.wait_s)

    def _cut_off(self, f: CutOff) -> None:
        """Cut by the PBX while waiting: counted on its own, in no abandon rate nor service level."""
        t = self._track(f.call_id, f.at)
        self._stop_waiting(t, f.at)
        targets = [self._queue(f.queue), self._in(max(t.leg_interval, 0), f.queue)]
        if not t.answered and t.interval >= 0:
            targets += [self._centre, self._in(t.interval, CENTRE)]
        for c in targets:
            c.cut_off += 1

    def _diverted(self, f: Diverted) -> None:
        t = self._track(f.call_id, f.at)
        self._stop_waiting(t, f.at)
        targets = [self._queue(f.queue), self._in(max(t.leg_interval, 0), f.queue)]
        if f.action != "queue" and not t.answered and t.interval >= 0:
            targets += [self._centre, self._in(t.interval, CENTRE)]
        for c in targets:
            c.diverted += 1

    def _callback(self, f: CallbackQueued) -> None:
        t = self._track(f.call_id, f.at)
        t.callback = True
        self._stop_waiting(t, f.at)
        targets = [self._queue(f.queue), self._in(max(t.leg_interval, 0), f.queue)]
        if not t.answered and t.interval >= 0:
            targets += [self._centre, self._in(t.interval, CENTRE)]
        for c in targets:
            c.callbacks += 1

    def _transferred(self, f: Transferred) -> None:
        t = self._track(f.call_id, f.at)
        t.pending_transfer = True
        k = max(t.leg_interval, 0)
        for c in (self._queue(f.from_queue), self._in(k, f.from_queue)):
            c.transfers_out += 1
            c.talk_total += f.talk_s
            c.talk_count += 1
        if not t.transferred:
            t.transferred = True
            self._centre.transfers_out += 1
            self._in(max(t.interval, 0), CENTRE).transfers_out += 1

    def _completed(self, f: Completed) -> None:
        t = self._calls.get(f.call_id)
        k = t.leg_interval if t is not None and t.leg_interval >= 0 else self._k(f.at)
        for c in (self._queue(f.queue), self._in(k, f.queue)):
            c.talk_total += f.talk_s
            c.talk_count += 1

    def _ring_no_answer(self, f: RingNoAnswer) -> None:
        t = self._calls.get(f.call_id)
        k = t.leg_interval if t is not None and t.leg_interval >= 0 else self._k(f.at)
        for c in (self._queue(f.queue), self._in(k, f.queue)):
            c.ring_no_answer += 1

    def _seat_changed(self, f: SeatChanged) -> None:
        previous = self._seat_state.get(f.seat_id, f.previous)
        state = f.state
        self._seat_state[f.seat_id] = state
        was_busy, is_busy = previous in _BUSY, state in _BUSY
        was_open, is_open = previous in _STAFFED, state in _STAFFED
        if was_busy == is_busy and was_open == is_open:
            return  # e.g. available -> ringing, talking -> wrap-up: no measure changes
        if f.at > self.last_at:
            self.last_at = f.at
        group = self._seat_group.get(f.seat_id, "other")
        if was_busy != is_busy:
            self._group(self._busy, group).add(f.at, 1 if is_busy else -1)
        if was_open != is_open:
            delta = 1 if is_open else -1
            self._group(self._staffed, group).add(f.at, delta)
            self._open.add(f.at, delta)

    def _group(self, signals: dict[str, Signal], group: str) -> Signal:
        s = signals.get(group)
        if s is None:
            s = signals[group] = self._signal()
            self._group(self._staffed if signals is self._busy else self._busy, group)
        return s

    def _alarm_changed(self, f: AlarmChanged) -> None:
        self._k(f.at)
        s1 = self._alarm.setdefault(f.scope, self._signal())
        s2 = self._alarm2.setdefault(f.scope, self._signal())
        s1.set(f.at, 1.0 if f.level >= 1 else 0.0)
        s2.set(f.at, 1.0 if f.level >= 2 else 0.0)
        periods = self._alarm_periods.setdefault(f.scope, [])
        if periods and periods[-1][1] is None:
            periods[-1][1] = f.at
        if f.level > 0:
            periods.append([f.at, None, f.level])

    def _journey_ended(self, f: JourneyEnded) -> None:
        t = self._calls.pop(f.call_id, None)
        if t is not None:
            self._stop_waiting(t, f.at)
        k = t.start_interval if t is not None else self._k(f.at)
        outcome = str(f.outcome)
        for c in (self._centre, self._in(k, CENTRE)):
            c.outcomes[outcome] = c.outcomes.get(outcome, 0) + 1

    # --- reading -------------------------------------------------------------------

    @property
    def calls_in_progress(self) -> int:
        return len(self._calls)

    def counters(self, scope: str) -> Counters | None:
        """The day's counters of a queue, or of the centre for ``"*"`` (journeys counted once).

        Cheap, for live readers (the wallboard) that cannot afford :meth:`report`.
        """
        return self._centre if scope == CENTRE else self._queues.get(scope)

    def interval_counters(self, at: float, scope: str) -> Counters | None:
        """The counters of the 15-minute interval that holds ``at``, for a queue or ``"*"``."""
        k = int((at - self.origin) // self._width)
        return self._intervals.get(k, {}).get(scope)

    def report(self, now: float | None = None) -> dict[str, Any]:
        """Every measure as plain JSON values, up to ``now`` (default: the last fact's time)."""
        end = max(now if now is not None else self.last_at, self.last_at)
        cfg = self.config
        signals = [
            self._open,
            *self._waiting.values(),
            *self._busy.values(),
            *self._staffed.values(),
            *self._alarm.values(),
            *self._alarm2.values(),
        ]
        for s in signals:
            s.advance(end)
        groups = sorted(self._staffed)
        occupancy = {g: self._occupancy(g, None) for g in groups}
        overall = self._centre.kpis(cfg, centre=True)
        overall["occupancy"] = self._occupancy_all(None)
        overall["wait_histogram"] = _histogram(self._centre.waits)
        in_progress, waiting_in = unfinished(self._calls.values(), end)
        overall.update(in_progress)
        queues: dict[str, Any] = {}
        for name in sorted(self._queues):
            q = self._queues[name].kpis(cfg)
            q["answer_time_limit_s"] = self._limit(name)
            q["waiting_max"] = max(self._waiting[name].maxima.values(), default=0.0)
            left = waiting_in.get(name, {"waiting": 0, "wait_max_s": 0.0})
            q["unfinished_waiting"], q["unfinished_wait_max_s"] = (
                left["waiting"],
                left["wait_max_s"],
            )
            queues[name] = q
        alarms = {
            scope: {
                "level1_s": self._alarm[scope].total,
                "level2_s": self._alarm2[scope].total,
                "periods": [
                    {"start": p[0], "end": p[1] if p[1] is not None else end, "level": p[2]}
                    for p in self._alarm_periods.get(scope, [])
                ],
            }
            for scope in sorted(self._alarm)
        }
        return {
            "definitions": cfg.describe(),
            "origin": self.origin,
            "end": end,
            "overall": overall,
            "queues": queues,
            "occupancy": occupancy,
            "alarms": alarms,
            "intervals": self._interval_rows(groups),
        }

    def _occupancy(self, group: str, k: int | None) -> float | None:
        return self._share([self._busy[group]], [self._staffed[group]], k)

    def _occupancy_all(self, k: int | None) -> float | None:
        return self._share(list(self._busy.values()), list(self._staffed.values()), k)

    @staticmethod
    def _share(busy: list[Signal], staffed: list[Signal], k: int | None) -> float | None:
        if k is None:
            b, s = sum(x.total for x in busy), sum(x.total for x in staffed)
        else:
            b = sum(x.integral.get(k, 0.0) for x in busy)
            s = sum(x.integral.get(k, 0.0) for x in staffed)
        return b / s if s else None

    def _interval_rows(self, groups: list[str]) -> list[dict[str, Any]]:
        cfg = self.config
        keys = set(self._intervals)
        for s in (self._open, *self._waiting.values()):
            keys.update(s.integral)
        rows: list[dict[str, Any]] = []
        waiting = self._waiting.get(CENTRE)
        for k in sorted(keys):
            per = self._intervals.get(k, {})
            centre = per.get(CENTRE) or Counters(histograms=False)
            row: dict[str, Any] = {"start": self.origin + k * self._width, "index": k}
            row.update(centre.kpis(cfg, centre=True))
            row["waiting_mean"] = waiting.mean_in(k) if waiting else 0.0
            row["waiting_max"] = waiting.maxima.get(k, 0.0) if waiting else 0.0
            row["open_seats_mean"] = self._open.mean_in(k)
            row["occupancy"] = self._occupancy_all(k)
            row["occupancy_by_group"] = {g: self._occupancy(g, k) for g in groups}
            row["alarm_level1_s"] = sum(s.integral.get(k, 0.0) for s in self._alarm.values())
            row["alarm_level2_s"] = sum(s.integral.get(k, 0.0) for s in self._alarm2.values())
            row["queues"] = {
                name: c.kpis(cfg) | {"waiting_mean": self._waiting[name].mean_in(k)}
                for name, c in sorted(per.items())
                if name != CENTRE
            }
            rows.append(row)
        return rows


_CHART_EDGES = (0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0)


def _histogram(h: WaitHistogram | None) -> dict[str, Any]:
    if h is None:
        return {}
    return {"edges_s": list(_CHART_EDGES), "counts": h.coarse(_CHART_EDGES)}
