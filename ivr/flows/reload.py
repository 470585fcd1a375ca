"""Hot reload, at the edge: notice changed flow files, validate, swap the catalog's bundle.

A changed file is validated with the rest of the directory; if it is good, the
new bundle serves new calls (calls already running finish on the bundle they
started with). A broken file keeps its previous version, and the log says
why, problem by problem; if the set still does not hold together, the whole
previous bundle stays.

Change detection polls modification times and sizes (no inotify dependency):
``FlowWatcher.poll()`` is cheap enough to call every second or two.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from ivr.errors import ConfigError, Problem
from ivr.flows.catalog import FlowCatalog
from ivr.flows.checks import check_flow_set
from ivr.flows.compiler import compile_set
from ivr.flows.loader import RESERVED, read_flow_set
from ivr.routing.config import CentreConfig

log = structlog.get_logger("ivr.flows.reload")


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


class FlowWatcher:
    """Polls a flows directory and reloads the catalog when a file changes."""

    def __init__(
        self, catalog: FlowCatalog, directory: str | Path, centre: CentreConfig | None = None
    ) -> None:
        self.catalog = catalog
        self.directory = Path(directory)
        self.centre = centre
        self._seen = self._snapshot()

    def _snapshot(self) -> dict[str, tuple[int, int]]:
        snap: dict[str, tuple[int, int]] = {}
        if not self.directory.is_dir():
            return snap
        for path in self.directory.iterdir():
            if path.suffix in (".yaml", ".yml") or path.name in RESERVED:
                try:
                    st = path.stat()
                except OSError:
                    continue
                snap[path.name] = (st.st_mtime_ns, st.st_size)
        return snap

    def poll(self) -> ReloadResult | None:
        """Reload if any file changed since the last poll; None when nothing changed."""
        now = self._snapshot()
        if now == self._seen:
            return None
        self._seen = now
        return reload_catalog(self.catalog, self.directory, self.centre)

    async def run(self, interval_s: float = 2.0) -> None:
        """Poll forever (own this task in the caller's TaskGroup)."""
        while True:
            await asyncio.sleep(interval_s)
            self.poll()
