"""Where a call goes instead of waiting: diverted at a peak alarm, past its maximum wait, or from a full queue.

The routing core does not carry the call there itself: it records a
``Diverted`` fact and hands the engine a ``Divert`` command with the queue's
exit (another queue, a flow, voicemail, a callback, a busy signal).
"""

from __future__ import annotations

from ivr.model.commands import Divert
from ivr.model.facts import Diverted
from ivr.model.outputs import Output
from ivr.model.skills import AlarmConfig, Exit, ExitAction
from ivr.routing.state import QueueState


def peak_diversion(
    q: QueueState, centre_level: int, centre_alarm: AlarmConfig
) -> tuple[str, Exit] | None:
    """At an alarm, normal diversion becomes forced diversion (REQUIREMENTS §4)."""
    for level, config in ((q.alarm_level, q.config.alarm), (centre_level, centre_alarm)):
        forced = config.on_level2 or config.on_level1 if level >= 2 else None
        if forced is not None:
            return "alarm2", forced
        if level >= 1 and config.on_level1 is not None:
            return "alarm1", config.on_level1
    return None


def exit_of(q: QueueState, general: str, queues: dict[str, QueueState]) -> Exit:
    """The queue's own exit; else the general queue (R2); the general queue itself: busy."""
    if q.config.exit is not None:
        return q.config.exit
    if q.name != general and general in queues:
        return Exit(action=ExitAction.QUEUE, target=general)
    return Exit(action=ExitAction.BUSY)


def divert(
    call_id: str,
    q: QueueState,
    reason: str,
    exit_: Exit,
    waited: float,
    at: float,
    out: list[Output],
) -> None:
    out.append(
        Diverted(
            call_id=call_id,
            queue=q.name,
            reason=reason,
            action=exit_.action.value,
            target=exit_.target,
            waited_s=waited,
            at=at,
        )
    )
    out.append(Divert(call_id=call_id, queue=q.name, reason=reason, exit=exit_, waited_s=waited))
