"""A campaigns directory as read: each campaign validated with its source positions, the policy.

Pure: :func:`parse_campaign` and :func:`parse_policy` take a file's text;
reading the directory, the CSV lists and the do-not-call file from disk is
:mod:`ivr.config.campaigns`. Problems come with file, line and field, through
the same YAML loader as the flows and the skills (:mod:`ivr.yamlsrc`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from ivr.errors import ConfigInvalidError
from ivr.model.campaign import DEFER_CHECKS, Campaign, mode_problems
from ivr.model.contact_policy import ContactPolicy
from ivr.yamlsrc import Positions, parse_yaml, problems_from, validate

POLICY_FILE = "policy.yaml"


@dataclass(frozen=True, slots=True)
class CampaignSource:
    """One validated campaign file."""

    campaign: Campaign
    positions: Positions
    file: str


@dataclass(slots=True)
class CampaignSet:
    """A campaigns directory: its campaigns by name and the contact policy they share."""

    directory: str
    campaigns: dict[str, CampaignSource] = field(default_factory=dict)
    policy: ContactPolicy = field(default_factory=ContactPolicy)
    policy_positions: Positions | None = None
    do_not_call: frozenset[str] = frozenset()


def parse_campaign(text: str, file: str) -> CampaignSource:
    """Validate one campaign file's text. Raises ConfigSyntaxError or ConfigInvalidError.

    The checks across fields (a mode's own settings, the dates in order) are
    made after the fields, so that each problem points at its own field.
    """
    data, positions = parse_yaml(text, file)
    if not isinstance(data, dict):
        msg = "a campaign file must be a mapping (campaign: NAME, flow: ..., mode: ...)"
        raise ConfigInvalidError([positions.problem((), msg)])
    if not positions:
        positions.file = file
    try:
        model = Campaign.model_validate(data, context={DEFER_CHECKS: True})
    except ValidationError as exc:
        raise ConfigInvalidError(problems_from(exc, positions, model_cls=Campaign)) from None
    problems = [positions.problem(path, message) for path, message in mode_problems(model)]
    if problems:
        raise ConfigInvalidError(problems)
    return CampaignSource(campaign=model, positions=positions, file=file)


def parse_policy(text: str, file: str) -> tuple[ContactPolicy, Positions]:
    """Validate ``policy.yaml``'s text; an empty file is the default policy."""
    data, positions = parse_yaml(text, file)
    if data is not None and not isinstance(data, dict):
        msg = "policy.yaml must be a mapping (limits, calling_hours, ...)"
        raise ConfigInvalidError([positions.problem((), msg)])
    return validate(ContactPolicy, data or {}, positions, file), positions
