"""A flows directory as read: each flow validated with its source positions, calendars, prompts.

Pure: :func:`parse_flow` takes a file's text; reading the files from disk is
:mod:`ivr.config.flow_files`. Structure problems come from the pydantic
models with their file, line and field; graph problems from
:mod:`ivr.flows.checks`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from ivr.errors import ConfigInvalidError
from ivr.model.flow import NODE_TYPES, Calendar, Flow, PromptManifest
from ivr.yamlsrc import Positions, parse_yaml, validate

CALENDARS_FILE = "calendars.yaml"
PROMPTS_FILE = "prompts.yaml"
RESERVED = frozenset({CALENDARS_FILE, PROMPTS_FILE})
_TAGS = frozenset(NODE_TYPES)


@dataclass(frozen=True, slots=True)
class FlowSource:
    """One validated flow file."""

    flow: Flow
    positions: Positions
    file: str
    version: str  # a digest of the file's text: equal text, equal version


@dataclass(slots=True)
class FlowSet:
    """A flows directory, each part validated on its own (graph checks come after)."""

    directory: str
    flows: dict[str, FlowSource] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)
    calendars_positions: Positions | None = None
    manifest: PromptManifest | None = None
    manifest_positions: Positions | None = None
    # the parts that could not be read, whose problems are already reported: the checks
    # take no notice of their absence, which would only repeat that problem elsewhere
    unreadable_flows: dict[str, str] = field(default_factory=dict)  # flow name -> file
    calendars_unreadable: bool = False
    manifest_unreadable: bool = False

    def forget_unreadable(self) -> None:
        """Check as if the unreadable parts were not there (a reload, which would go without them)."""
        self.unreadable_flows.clear()
        self.calendars_unreadable = self.manifest_unreadable = False


def _drop_tags(loc: list[str]) -> list[str]:
    # pydantic puts the node type between the node id and the field: nodes.<id>.<type>.<field>
    if len(loc) >= 3 and loc[0] == "nodes" and loc[2] in _TAGS:
        return [*loc[:2], *loc[3:]]
    return loc


def _kind(data: object) -> str:
    if isinstance(data, list):
        return "a list"
    return f"the single value {str(data)[:40]!r}"


def parse_flow(text: str, file: str) -> FlowSource:
    """Validate one flow file's text. Raises ConfigSyntaxError or ConfigInvalidError."""
    data, positions = parse_yaml(text, file)
    if data is None:
        # nothing but blanks and comments: "must be a mapping" would send the editor hunting
        message = (
            "the file is empty; write a flow (flow, start and nodes, see flows/README.md) "
            "or delete the file"
        )
        raise ConfigInvalidError([positions.problem((), message)])
    if not isinstance(data, dict):
        message = f"a flow file is a mapping of flow, start, nodes...; found {_kind(data)}"
        raise ConfigInvalidError([positions.problem((), message)])
    model = validate(Flow, data, positions, file, rewrite=_drop_tags)
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return FlowSource(flow=model, positions=positions, file=file, version=version)


_FLOW_LINE = re.compile(r"^flow:[ \t]*[\"']?([A-Za-z0-9_.-]+)", re.MULTILINE)


def name_of_unreadable(text: str, file: str) -> str:
    """The name a flow file that failed to validate means to have: its ``flow:`` line, or its stem.

    Read from the text, since the file may not even be valid YAML.
    """
    found = _FLOW_LINE.search(text)
    return found.group(1) if found else PurePath(file).stem
