"""What a campaigns directory names elsewhere: the flows, the centre's queues, a calendar.

Pure, like :mod:`ivr.flows.checks`: given what was read, every problem at once,
each at the field that names the missing thing, with a close match when one is.
"""

from __future__ import annotations

from ivr.errors import Problem
from ivr.flows.source import FlowSet
from ivr.model.flow import CUSTOM_PREFIX
from ivr.model.skills import CentreConfig
from ivr.outbound.source import CampaignSet
from ivr.yamlsrc import Positions, close_match


def check_campaign_set(
    cs: CampaignSet, flows: FlowSet | None = None, centre: CentreConfig | None = None
) -> list[Problem]:
    """Campaign names are unique by construction; here: flows, prompts, queues, the calendar."""
    problems: list[Problem] = []
    for src in cs.campaigns.values():
        c, pos = src.campaign, src.positions
        if flows is not None:
            found = flows.flows.get(c.flow)
            if found is None:
                outbound = sorted(
                    n for n, s in flows.flows.items() if s.flow.direction == "outbound"
                )
                problems.append(
                    pos.problem(
                        ("flow",),
                        f"flow '{c.flow}' is not in {flows.directory}; outbound flows there: "
                        f"{', '.join(outbound) or 'none'}",
                        hint=close_match(c.flow, list(flows.flows)),
                    )
                )
            elif found.flow.direction != "outbound":
                problems.append(
                    pos.problem(
                        ("flow",),
                        f"flow '{c.flow}' is an inbound flow; a campaign runs an outbound one "
                        f"(add 'direction: outbound' to {found.file})",
                    )
                )
        if flows is not None and flows.manifest is not None:
            known = flows.manifest.prompts
            for i, prompt in enumerate(c.machine.prompts):
                if prompt.startswith(CUSTOM_PREFIX) and prompt not in known:
                    problems.append(
                        pos.problem(
                            ("machine", "prompts", str(i)),
                            f"custom prompt '{prompt}' is not in the flows' prompts.yaml; "
                            "add its text per language",
                            hint=close_match(prompt, list(known)),
                        )
                    )
        if centre is not None and centre.queues and c.queue is not None:
            names = [q.name for q in centre.queues]
            if c.queue not in names:
                problems.append(
                    pos.problem(
                        ("queue",),
                        f"queue '{c.queue}' is not a queue of the centre; queues are: "
                        f"{', '.join(sorted(names))}",
                        hint=close_match(c.queue, names),
                    )
                )
    name = cs.policy.holiday_calendar
    if flows is not None and name is not None and name not in flows.calendars:
        where = cs.policy_positions or Positions(cs.directory)
        problems.append(
            where.problem(
                ("holiday_calendar",),
                f"calendar '{name}' is not in the flows' calendars.yaml; calendars there: "
                f"{', '.join(sorted(flows.calendars)) or 'none'}",
                hint=close_match(name, list(flows.calendars)),
            )
        )
    return problems
