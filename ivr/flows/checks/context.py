"""What every check is given: the flow set, the centre, and the list its problems go on."""

from __future__ import annotations

from ivr.errors import Problem
from ivr.flows.source import FlowSet
from ivr.model.skills import CentreConfig
from ivr.yamlsrc import Positions


class Findings:
    """The problems found so far, in the order the checks found them."""

    def __init__(self, fs: FlowSet, centre: CentreConfig | None) -> None:
        self.fs = fs
        self.centre = centre
        self.problems: list[Problem] = []

    def add(
        self,
        pos: Positions,
        path: tuple[str, ...],
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
    ) -> None:
        """Note a problem at ``path`` (its key, with ``key``) in the file ``pos`` came from."""
        self.problems.append(pos.problem(path, message, hint=hint, key=key))
