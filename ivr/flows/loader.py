"""Reading a flows directory: every flow file, ``calendars.yaml`` and ``prompts.yaml``.

Structure problems come from the pydantic models with their file, line and
field; graph problems from :mod:`ivr.flows.checks`. Everything found is
raised at once as one :class:`ConfigInvalidError`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ivr.config.yamlsrc import Positions, parse_yaml, syntax_problem, validate
from ivr.errors import ConfigError, ConfigInvalidError, ConfigSyntaxError, Problem
from ivr.flows.model import NODE_TYPES, Calendar, Calendars, Flow, PromptManifest

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


def _drop_tags(loc: list[str]) -> list[str]:
    # pydantic puts the node type between the node id and the field: nodes.<id>.<type>.<field>
    if len(loc) >= 3 and loc[0] == "nodes" and loc[2] in _TAGS:
        return [*loc[:2], *loc[3:]]
    return loc


def parse_flow(text: str, file: str) -> FlowSource:
    """Validate one flow file's text. Raises ConfigSyntaxError or ConfigInvalidError."""
    data, positions = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise ConfigInvalidError([positions.problem((), "a flow file must be a mapping")])
    model = validate(Flow, data, positions, file, rewrite=_drop_tags)
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return FlowSource(flow=model, positions=positions, file=file, version=version)


def flow_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and p.name not in RESERVED
    )


def read_flow_set(directory: str | Path) -> tuple[FlowSet, list[Problem]]:
    """Every file of the directory, validated one by one; the problems of those that fail."""
    root = Path(directory)
    if not root.is_dir():
        msg = f"{root}: not a directory; give the flows directory (e.g. flows/)"
        raise ConfigError(msg, path=str(root))
    fs = FlowSet(directory=str(root))
    problems: list[Problem] = []
    for path in flow_files(root):
        try:
            source = parse_flow(path.read_text(encoding="utf-8"), str(path))
        except ConfigSyntaxError as exc:
            problems.append(syntax_problem(exc))
            continue
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
            continue
        name = source.flow.flow
        if name in fs.flows:
            problems.append(
                source.positions.problem(
                    ("flow",),
                    f"flow '{name}' is also defined in {fs.flows[name].file}; "
                    "give each flow its own name",
                )
            )
            continue
        fs.flows[name] = source
    cal_path = root / CALENDARS_FILE
    if cal_path.is_file():
        try:
            data, pos = parse_yaml(cal_path.read_text(encoding="utf-8"), str(cal_path))
            fs.calendars = dict(validate(Calendars, data or {}, pos, str(cal_path)).calendars)
            fs.calendars_positions = pos
        except ConfigSyntaxError as exc:
            problems.append(syntax_problem(exc))
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
    man_path = root / PROMPTS_FILE
    if man_path.is_file():
        try:
            data, pos = parse_yaml(man_path.read_text(encoding="utf-8"), str(man_path))
            fs.manifest = validate(PromptManifest, data or {}, pos, str(man_path))
            fs.manifest_positions = pos
        except ConfigSyntaxError as exc:
            problems.append(syntax_problem(exc))
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
    return fs, problems
