"""A campaign's retry rules over one customer's attempts in that campaign.

After each result (busy, no answer, machine, failed, dropped) the campaign
calls again at most ``count`` more times for that result, each time no sooner
than ``after_s`` after the last attempt. An answered call ends the customer's
turn in the campaign. Attempts the policy refused were never dialed and count
for nothing here.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence

from ivr.model.campaign import Campaign, Result
from ivr.model.contact_policy import Attempt, AttemptResult, Decision
from ivr.outbound.hours import when


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def retry_refusal(
    campaign: Campaign, attempts: Sequence[Attempt], t: float, tz: zoneinfo.ZoneInfo
) -> Decision | None:
    """Why the campaign's own rules forbid calling at ``t``, or None when they allow it.

    ``attempts``: the customer's attempts in this campaign, in any order.
    """
    dialed = sorted(
        (a for a in attempts if a.result is not AttemptResult.REFUSED_POLICY), key=lambda a: a.at
    )
    if not dialed:
        return None
    name = campaign.campaign
    reached = next((a for a in dialed if a.result is AttemptResult.ANSWERED), None)
    if reached is not None:
        return Decision(
            allowed=False,
            rule="reached",
            reason=f"reached at {when(reached.at, tz)}; campaign '{name}' calls a customer "
            "until they answer once",
        )
    last = dialed[-1]
    result = Result(last.result.value)
    rule = campaign.retries.rule(result)
    seen = sum(1 for a in dialed if a.result is last.result)
    label = result.value.replace("_", " ")
    if seen > rule.count:
        return Decision(
            allowed=False,
            rule="retries_used",
            reason=f"{label} {_times(seen)}; campaign '{name}' retries after {label} "
            f"{_times(rule.count) if rule.count else 'never'}, so this customer is done",
        )
    due = last.at + rule.after_s
    if t < due:
        return Decision(
            allowed=False,
            rule="retry_wait",
            reason=f"the last attempt was {label} at {when(last.at, tz)}; campaign '{name}' "
            f"retries {label} after {rule.after_s:g} s, from {when(due, tz)}",
            not_before=due,
        )
    return None
