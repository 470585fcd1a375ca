"""Reading the flows directory from disk, and reloading it into a running catalog.

The edge of :mod:`ivr.flows`: everything here touches files. What is read is
validated by the pure parts (:func:`ivr.flows.source.parse_flow`,
:mod:`ivr.flows.checks`) and compiled (:mod:`ivr.flows.compiler`).

A reload validates the changed file with the rest of the directory; if it is
good, the new bundle serves new calls (calls already running finish on the
bundle they started with). A broken file keeps its previous version, and the
log says why, problem by problem; if the set still does not hold together, the
whole previous bundle stays. ``ivr serve`` reloads on SIGHUP and on the API's
``POST /api/flows/reload``, both through one :class:`FlowReloader`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from ivr.errors import ConfigError, ConfigInvalidError, ConfigSyntaxError, Problem
from ivr.flows.catalog import FlowCatalog
from ivr.flows.checks.validator import check_flow_set
from ivr.flows.compiler import FlowBundle, compile_set
from ivr.flows.source import (
    CALENDARS_FILE,
    PROMPTS_FILE,
    RESERVED,
    FlowSet,
    name_of_unreadable,
    parse_flow,
)
from ivr.model.flow import Calendars, PromptManifest
from ivr.model.skills import CentreConfig
from ivr.yamlguard import read_yaml_text
from ivr.yamlsrc import parse_yaml, syntax_problem, validate

log = structlog.get_logger("ivr.config.flow_files")


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
        text = ""
        try:
            text = read_yaml_text(path)
            source = parse_flow(text, str(path))
        except ConfigSyntaxError as exc:
            problems.append(syntax_problem(exc))
            fs.unreadable_flows[name_of_unreadable(text, str(path))] = str(path)
            continue
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
            fs.unreadable_flows[name_of_unreadable(text, str(path))] = str(path)
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
            data, pos = parse_yaml(read_yaml_text(cal_path), str(cal_path))
            fs.calendars = dict(validate(Calendars, data or {}, pos, str(cal_path)).calendars)
            fs.calendars_positions = pos
        except ConfigSyntaxError as exc:
            problems.append(syntax_problem(exc))
            fs.calendars_unreadable = True
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
            fs.calendars_unreadable = True
    man_path = root / PROMPTS_FILE
    if man_path.is_file():
        try:
            data, pos = parse_yaml(read_yaml_text(man_path), str(man_path))
            fs.manifest = validate(PromptManifest, data or {}, pos, str(man_path))
            fs.manifest_positions = pos
        except ConfigSyntaxError as exc:
            problems.append(syntax_problem(exc))
            fs.manifest_unreadable = True
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
            fs.manifest_unreadable = True
    for name in fs.flows:
        fs.unreadable_flows.pop(name, None)  # another file defines it: references to it hold
    return fs, problems


def load_bundle(directory: str | Path, centre: CentreConfig | None = None) -> FlowBundle:
    """Read, check and compile a flows directory; ConfigInvalidError lists every problem."""
    fs, problems = read_flow_set(directory)
    problems += check_flow_set(fs, centre)
    if problems:
        raise ConfigInvalidError(problems)
    return compile_set(fs)


def load_catalog(
    directory: str | Path,
    centre: CentreConfig | None = None,
    *,
    default_flow: str | None = None,
) -> FlowCatalog:
    """The catalog of a flows directory, its safe queue the centre's general queue."""
    bundle = load_bundle(directory, centre)
    safe = centre.general_queue if centre is not None else "general"
    return FlowCatalog(bundle, safe_queue=safe, default_flow=default_flow)


@dataclass(slots=True)
class ReloadResult:
    changed: bool  # a new bundle is in service
    version: str
    kept: list[str] = field(default_factory=list)  # files whose previous version was kept
    problems: list[Problem] = field(default_factory=list)


def reload_catalog(
    catalog: FlowCatalog, directory: str | Path, centre: CentreConfig | None = None
) -> ReloadResult:
    """Re-read ``directory``; put a new bundle in service if it holds together."""
    old = catalog.bundle
    try:
        fs, problems = read_flow_set(directory)
    except ConfigError as exc:
        log.error("flows_reload_failed", directory=str(directory), reason=exc.message)
        return ReloadResult(False, old.version, problems=[])
    kept: list[str] = []
    found = list(problems)
    # a file that stays unreadable would be left out of the new bundle, so what refers to it
    # must count as broken here, unlike in `ivr validate`, where its own problem is enough
    fs.forget_unreadable()
    for p in problems:
        log.error("flow_file_invalid", problem=str(p), file=p.file, line=p.line)
    for _ in range(len(old.sources) + 2):  # each round puts back at least one file, or stops
        # every file with a problem goes back to its previous version, if it had one
        broken = {p.file for p in problems}
        for name, source in old.sources.items():
            current = fs.flows.get(name)
            if (
                source.file in broken
                and current is not source
                and (current is None or current.file == source.file)
            ):
                fs.flows[name] = source
                kept.append(source.file)
        problems = check_flow_set(fs, centre)
        if not problems:
            break
        for p in problems:
            log.error("flow_file_invalid", problem=str(p), file=p.file, line=p.line)
        found += problems
        if not {p.file for p in problems} & {s.file for s in old.sources.values()} - set(kept):
            break  # nothing left to put back
    for file in kept:
        log.warning("flow_file_kept_previous_version", file=file)
    if problems:
        log.error("flows_reload_rejected", directory=str(directory), problems=len(found))
        return ReloadResult(False, old.version, kept, found)
    bundle = compile_set(fs)
    if bundle.version == old.version:
        return ReloadResult(False, old.version, kept, found)
    catalog.replace(bundle)
    log.info(
        "flows_reloaded",
        version=bundle.version,
        previous=old.version,
        flows={name: cf.version for name, cf in bundle.flows.items()},
    )
    return ReloadResult(True, bundle.version, kept, found)


class FlowReloader:
    """The one way the flows in service are reloaded, whoever asks (the API, SIGHUP).

    Reading, validating and compiling a directory of YAML takes milliseconds per
    flow, which is too long to hold the event loop while calls wait on it: the
    work runs in a worker thread. The new bundle goes into service by one
    attribute assignment (:meth:`FlowCatalog.replace`), which a call starting on
    the loop sees whole or not at all. One reload at a time, so two requests
    never compile against the same old bundle and overwrite each other.
    """

    def __init__(
        self, catalog: FlowCatalog, directory: str | Path, centre: CentreConfig | None = None
    ) -> None:
        self.catalog = catalog
        self.directory = Path(directory)
        self.centre = centre
        self._one_at_a_time = asyncio.Lock()

    async def reload(self) -> ReloadResult:
        async with self._one_at_a_time:
            return await asyncio.to_thread(
                reload_catalog, self.catalog, self.directory, self.centre
            )
