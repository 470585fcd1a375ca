"""The floor now: every call, seat and queue as the engine's outputs tell it.

:class:`Floor` is a projection: :meth:`ivr.api.hub.Hub.observe` hands it each batch
of outputs that ``Engine.handle``/``Engine.fire`` returned (from the live driver in
``ivr serve``, or from :class:`ivr.api.control.LocalControl` in tests; the simulator
never feeds it), and it keeps what the supervisor's API, the wallboard and the metrics read:
where each call is (menu node, queue and position, seat), each seat's state
and since when, each queue's waiting callers, alarm level and today's and this
15-minute interval's counts. What it reads out (:class:`CallNow`, :class:`SeatNow`,
:class:`QueueNow`, :class:`CentreNow`, :class:`Counts`) is in :mod:`ivr.obs.floor_views`.

It reads only facts and commands (never the core's internals), so it works the
same beside any driver of the engine. Two things it cannot know from
outputs alone are asked of an optional :class:`FloorSource` (the routing core
behind a thin adapter) when one is given: the exact queue order (positions
move with priorities and head starts) and how many seats are open for a
queue. Without one it orders waiting calls by (priority, time queued) and
counts open seats from the configuration and the skills changed since.

Today's and this interval's counts and KPIs per queue (offered, answered,
answered within the answer-time limit, abandoned, diverted, service level,
connection rate) come from :class:`ivr.measures.Measures`, the same streaming
measures the simulator reports, fed the same facts: one definition, in one
place, for the report and the wallboard. A new ``Measures`` starts at each
local midnight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Protocol

from ivr.clock import Clock
from ivr.errors import RoutingError
from ivr.measures import CENTRE, Measures, MeasuresConfig
from ivr.measures.counters import Counters
from ivr.model.commands import OfferCall
from ivr.model.facts import (
    Abandoned,
    AlarmChanged,
    Answered,
    CallStarted,
    Completed,
    CutOff,
    Diverted,
    JourneyEnded,
    NodeEntered,
    Queued,
    RingNoAnswer,
    SeatChanged,
    SeatState,
    Transferred,
)
from ivr.model.skills import CentreConfig, Pool, QueueConfig, SeatConfig
from ivr.obs.floor_views import CallNow, CentreNow, Counts, QueueNow, SeatNow
from ivr.secret import mask_secrets

INTERVAL_S = 900.0  # staffing is planned in 15-minute intervals (REQUIREMENTS §4)
OPEN_STATES = frozenset(
    {SeatState.AVAILABLE, SeatState.RINGING, SeatState.ON_CALL, SeatState.WRAP_UP}
)


class FloorSource(Protocol):
    """What the routing core knows better than the outputs (optional; ``RoutingCore`` is one)."""

    def position(self, call_id: str) -> int:
        """1-based place of a waiting call in its queue, 0 if it is not waiting."""
        ...

    def seats_open(self, queue: str) -> int:
        """Logged-in, unpaused seats that may take ``queue``'s calls."""
        ...


@dataclass(slots=True)
class Changes:
    """What one batch of outputs changed: for the live stream and the metrics."""

    queues: set[str] = field(default_factory=set)
    seats: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)
    ended: set[str] = field(default_factory=set)
    offers: list[OfferCall] = field(default_factory=list)
    alarms: list[AlarmChanged] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.queues or self.seats or self.calls or self.ended or self.offers)


class Floor:
    def __init__(
        self,
        centre: CentreConfig,
        *,
        clock: Clock,
        tz: tzinfo | None = None,
        source: FloorSource | None = None,
        measures: MeasuresConfig | None = None,
    ) -> None:
        self._clock = clock
        self._tz = tz
        self._source = source
        self._context_of: Callable[[str], Mapping[str, Any] | None] | None = None
        self._seq = 0
        self.calls: dict[str, CallNow] = {}
        self.seats: dict[str, SeatNow] = {}
        self.alarms: dict[str, int] = {}
        self._measures_config = measures or MeasuresConfig()
        self._counts_memo: dict[tuple[int | bool, ...], Counts] = {}
        self._day_start = self._start_of_day(clock.now())
        self._interval_start = self._start_of_interval(clock.now())
        self.centre = centre
        self.measures = self._new_measures()
        self.reconfigure(centre)

    # --- configuration -------------------------------------------------------

    def use_source(
        self,
        source: FloorSource | None,
        context_of: Callable[[str], Mapping[str, Any] | None] | None = None,
    ) -> None:
        """Ask ``source`` (the engine's routing core) for positions and open seats from now on,
        and ``context_of`` for the context of a call not yet offered to a seat."""
        self._source = source
        self._context_of = context_of

    def context(self, call: CallNow) -> dict[str, Any]:
        """What the seat will see (the screen pop), with every secret masked."""
        if call.context or self._context_of is None:
            return mask_secrets(call.context)
        found = self._context_of(call.call_id)
        return mask_secrets(dict(found)) if found else {}

    def reconfigure(self, centre: CentreConfig) -> None:
        """A new centre configuration: new seats appear logged out, removed ones go."""
        self.centre = centre
        self._queues = {q.name: q for q in centre.queues}
        self._seat_config = {s.id: s for s in centre.seats}
        now = self._clock.now()
        for s in centre.seats:
            if s.id not in self.seats:
                self.seats[s.id] = SeatNow(s.id, s.name, SeatState.LOGGED_OUT, now)
        for sid in [sid for sid in self.seats if sid not in self._seat_config]:
            del self.seats[sid]
        self._eligibility()

    def set_seat_skills(
        self, seat_id: str, skills: Mapping[str, int], general: bool, level: int
    ) -> None:
        """Skills changed at run time (the API tells the floor, as it tells the core)."""
        old = self._seat_config.get(seat_id)
        if old is None:
            return
        self._seat_config[seat_id] = old.model_copy(
            update={"skills": dict(skills), "general": general, "level": level}
        )
        self._eligibility()

    def _eligibility(self) -> None:
        """Which seats may take each queue's calls, and the reverse, from the configuration."""
        self._seats_for = {
            name: [sid for sid, cfg in self._seat_config.items() if self._may_serve(cfg, q)]
            for name, q in self._queues.items()
        }
        self._queues_for: dict[str, set[str]] = {sid: set() for sid in self._seat_config}
        for name, sids in self._seats_for.items():
            for sid in sids:
                self._queues_for[sid].add(name)

    # --- time ------------------------------------------------------------------

    def _local(self, when: float) -> datetime:
        return datetime.fromtimestamp(when, tz=self._tz).astimezone(self._tz)

    def _start_of_day(self, when: float) -> float:
        local = self._local(when)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight.timestamp()

    def _start_of_interval(self, when: float) -> float:
        local = self._local(when)
        minute = local.minute - local.minute % 15
        return local.replace(minute=minute, second=0, microsecond=0).timestamp()

    def roll(self, now: float | None = None) -> bool:
        """Start a new day or interval when the clock has passed into one; True if it did."""
        now = self._clock.now() if now is None else now
        rolled = False
        if now >= self._day_start + 22 * 3600:  # days are 23 to 25 hours around DST
            day = self._start_of_day(now)
            if day != self._day_start:
                self._day_start = day
                self.measures = self._new_measures()
                for seat in self.seats.values():
                    seat.calls_today = 0
                rolled = True
        if now >= self._interval_start + INTERVAL_S:
            self._interval_start = self._start_of_interval(now)
            rolled = True
        return rolled

    # --- outputs -----------------------------------------------------------------

    def observe(self, outputs: Iterable[object]) -> Changes:
        """Take one batch of the engine's outputs; say what changed."""
        changes = Changes()
        for out in outputs:
            at = getattr(out, "at", None)
            self.roll(at if isinstance(at, float | int) else None)
            self.measures.observe(out)
            self._apply(out, changes)
        return changes

    def _call(self, call_id: str, at: float) -> CallNow:
        call = self.calls.get(call_id)
        if call is None:
            self._seq += 1
            call = CallNow(call_id=call_id, state="menu", since=at, seq=self._seq)
            self.calls[call_id] = call
        return call

    def _new_measures(self) -> Measures:
        return Measures(centre=self.centre, config=self._measures_config, origin=self._day_start)

    def counts(self, queue: str) -> tuple[Counts, Counts]:
        """Today's and this 15-minute interval's counts for ``queue``."""
        m = self.measures
        today = m.counters(queue)
        interval = m.interval_counters(self._interval_start, queue)
        return self._counts_of(today), self._counts_of(interval)

    def _counts_of(self, counters: Counters | None, *, centre: bool = False) -> Counts:
        """Counts.of, kept until a count it depends on moves: kpis() also computes wait
        percentiles, and a wallboard asks far more often than the counts change."""
        if counters is None:
            return Counts()
        key = (
            counters.calls,
            counters.offered,
            counters.answered,
            counters.answered_within_limit,
            counters.abandoned,
            counters.short_abandoned,
            counters.diverted,
            counters.callbacks,
            centre,
        )
        found = self._counts_memo.get(key)
        if found is None:
            if len(self._counts_memo) > 10_000:
                self._counts_memo.clear()
            found = self._counts_memo[key] = Counts.of(
                counters, self._measures_config, centre=centre
            )
        return found

    def _leave_queue(self, call: CallNow, changes: Changes) -> None:
        if call.queue:
            changes.queues.add(call.queue)
        call.queue = None
        call.queued_at = None

    def _apply(self, out: object, changes: Changes) -> None:
        match out:
            case CallStarted(call_id=cid, caller=caller, dnis=dnis, flow=flow, at=at):
                call = self._call(cid, at)
                call.caller, call.dnis, call.flow = caller, dnis, flow
                changes.calls.add(cid)
            case NodeEntered(call_id=cid, flow=flow, node=node, at=at):
                call = self._call(cid, at)
                if call.state != "menu":
                    call.state, call.since = "menu", at
                call.flow, call.node = flow, node
                changes.calls.add(cid)
            case Queued(call_id=cid, queue=queue, priority=priority, at=at):
                call = self._call(cid, at)
                if call.queue and call.queue != queue:
                    changes.queues.add(call.queue)
                self._seq += 1
                call.state, call.since, call.queue, call.queued_at = "waiting", at, queue, at
                call.priority, call.seq, call.seat_id, call.node = priority, self._seq, None, None
                changes.calls.add(cid)
                changes.queues.add(queue)
            case OfferCall(call_id=cid, seat_id=seat_id, queue=queue, context=context):
                call = self._call(cid, self._clock.now())
                call.state, call.seat_id = "ringing", seat_id
                call.context = mask_secrets(dict(context))
                changes.offers.append(out)
                changes.calls.add(cid)
                changes.queues.add(queue)
            case RingNoAnswer(call_id=cid, queue=queue, at=at):
                if (known := self.calls.get(cid)) is not None and known.state == "ringing":
                    known.state, known.seat_id = "waiting", None
                changes.calls.add(cid)
                changes.queues.add(queue)
            case Answered(call_id=cid, seat_id=seat_id, queue=queue, at=at):
                call = self._call(cid, at)
                self._leave_queue(call, changes)
                call.state, call.since, call.seat_id = "talking", at, seat_id
                if (seat := self.seats.get(seat_id)) is not None:
                    seat.calls_today += 1
                    changes.seats.add(seat_id)
                changes.calls.add(cid)
                changes.queues.add(queue)
            case Abandoned(call_id=cid, queue=queue) | CutOff(call_id=cid, queue=queue):
                self._end(cid, changes)
                changes.queues.add(queue)
            case Diverted(call_id=cid, queue=queue, at=at):
                if (known := self.calls.get(cid)) is not None:
                    self._leave_queue(known, changes)
                    known.state, known.since, known.seat_id = "menu", at, None
                    changes.calls.add(cid)
                changes.queues.add(queue)
            case Transferred(call_id=cid, at=at):
                if (known := self.calls.get(cid)) is not None:
                    known.state, known.since, known.seat_id = "waiting", at, None
                    changes.calls.add(cid)
            case Completed(call_id=cid, queue=queue):
                self._end(cid, changes)
                changes.queues.add(queue)
            case JourneyEnded(call_id=cid):
                self._end(cid, changes)
            case SeatChanged(seat_id=sid, state=state, reason=reason, call_id=cid, at=at):
                seat = self.seats.get(sid)
                if seat is None:
                    seat = SeatNow(sid, sid, state, at)
                    self.seats[sid] = seat
                seat.state, seat.since, seat.reason, seat.call_id = state, at, reason, cid
                changes.seats.add(sid)
                changes.queues.update(self._queues_of(sid))
            case AlarmChanged(scope=scope, level=level):
                self.alarms[scope] = level
                changes.alarms.append(out)
                if scope in self._queues:
                    changes.queues.add(scope)
                else:
                    changes.queues.update(self._queues)
            case _:
                pass

    def _end(self, call_id: str, changes: Changes) -> None:
        call = self.calls.pop(call_id, None)
        if call is not None:
            if call.queue:
                changes.queues.add(call.queue)
            changes.ended.add(call_id)

    # --- eligibility ----------------------------------------------------------------

    def _may_serve(self, seat: SeatConfig, queue: QueueConfig) -> bool:
        for step in queue.effective_steps():
            if step.pool is Pool.ALL:
                return True
            if step.pool is Pool.GENERAL and seat.general:
                return True
            if (
                step.pool is Pool.SKILL
                and queue.skill is not None
                and seat.skills.get(queue.skill, 0) >= step.min_level
            ):
                return True
        return False

    def seats_for(self, queue: str) -> list[str]:
        return self._seats_for.get(queue, [])

    def _queues_of(self, seat_id: str) -> set[str]:
        return self._queues_for.get(seat_id, set())

    # --- reading --------------------------------------------------------------------

    def waiting_in(self, queue: str) -> list[CallNow]:
        """The calls waiting (or being offered) in ``queue``, first served first."""
        calls = [c for c in self.calls.values() if c.queue == queue]
        return sorted(calls, key=lambda c: (-c.priority, c.queued_at or 0.0, c.seq))

    def position(self, call: CallNow) -> int | None:
        """1-based place in its queue; None when it is not waiting (in a menu, ringing, talking)."""
        if call.queue is None or call.state != "waiting":
            return None
        if self._source is not None:
            try:
                place = self._source.position(call.call_id)
            except RoutingError:
                place = 0
            if place:
                return place
        waiting = [c for c in self.waiting_in(call.queue) if c.state == "waiting"]
        for i, c in enumerate(waiting, start=1):
            if c.call_id == call.call_id:
                return i
        return None

    def queue(self, name: str) -> QueueNow:
        self.roll()
        q = self._queues[name]
        now = self._clock.now()
        waiting = self.waiting_in(name)
        oldest = min((c.queued_at for c in waiting if c.queued_at is not None), default=None)
        by_state: dict[str, int] = {}
        for sid in self.seats_for(name):
            seat = self.seats.get(sid)
            if seat is not None:
                by_state[seat.state.value] = by_state.get(seat.state.value, 0) + 1
        open_seats = sum(n for state, n in by_state.items() if SeatState(state) in OPEN_STATES)
        if self._source is not None:
            open_seats = self._source.seats_open(name)
        today, interval = self.counts(name)
        return QueueNow(
            name=name,
            skill=q.skill,
            answer_time_limit_s=q.answer_time_limit_s,
            waiting=len(waiting),
            longest_wait_s=max(0.0, now - oldest) if oldest is not None else 0.0,
            oldest_queued_at=oldest,
            seats_open=open_seats,
            seats_by_state=by_state,
            alarm_level=self.alarms.get(name, 0),  # the centre-wide level is scope "*"
            today=today,
            interval=interval,
            interval_start=self._interval_start,
        )

    def centre_now(self) -> CentreNow:
        """The whole centre: journeys are counted once, whatever their legs (ivr.measures)."""
        self.roll()
        m = self.measures
        today = m.counters(CENTRE)
        interval = m.interval_counters(self._interval_start, CENTRE)
        return CentreNow(
            waiting=sum(1 for c in self.calls.values() if c.queue is not None),
            calls_active=len(self.calls),
            calls_in_menus=self.calls_in_menus(),
            seats_by_state={k: n for k, n in self.seats_by_state().items() if n},
            alarm_level=self.alarms.get(CENTRE, 0),
            today=self._counts_of(today, centre=True),
            interval=self._counts_of(interval, centre=True),
            interval_start=self._interval_start,
        )

    def queues(self) -> list[QueueNow]:
        return [self.queue(name) for name in self._queues]

    def queue_names(self) -> list[str]:
        return list(self._queues)

    def has_queue(self, name: str) -> bool:
        return name in self._queues

    def seats_by_state(self) -> dict[str, int]:
        out = {state.value: 0 for state in SeatState}
        for seat in self.seats.values():
            out[seat.state.value] += 1
        return out

    def calls_in_menus(self) -> int:
        return sum(1 for c in self.calls.values() if c.state == "menu")
