"""The flows in service: DNIS → flow, with versions, replaced whole on reload.

The catalog holds one :class:`FlowBundle` at a time. Replacing it (hot reload,
:mod:`ivr.flows.reload`) changes what new calls get; a call already running
keeps the bundle it started with, so it finishes on its version.
"""

from __future__ import annotations

from pathlib import Path

from ivr.errors import ConfigInvalidError
from ivr.flows.compiler import CFlow, FlowBundle, compile_set
from ivr.routing.config import CentreConfig

EMPTY = FlowBundle(flows={}, by_dnis={}, version="empty")


class FlowCatalog:
    def __init__(
        self,
        bundle: FlowBundle = EMPTY,
        *,
        safe_queue: str = "general",
        default_flow: str | None = None,
    ) -> None:
        self.bundle = bundle
        self.safe_queue = safe_queue  # where a caller goes when a flow fails: never dropped
        self.default_flow_name = default_flow  # for a DNIS no flow claims

    @classmethod
    def from_directory(
        cls,
        directory: str | Path,
        centre: CentreConfig | None = None,
        *,
        default_flow: str | None = None,
    ) -> FlowCatalog:
        """Load, check and compile a flows directory; ConfigInvalidError lists every problem."""
        bundle = load_bundle(directory, centre)
        safe = centre.general_queue if centre is not None else "general"
        return cls(bundle, safe_queue=safe, default_flow=default_flow)

    def replace(self, bundle: FlowBundle) -> None:
        self.bundle = bundle

    def for_dnis(self, dnis: str) -> CFlow | None:
        return self.bundle.by_dnis.get(dnis)

    def get(self, name: str) -> CFlow | None:
        return self.bundle.flows.get(name)

    def default_flow(self) -> CFlow | None:
        if self.default_flow_name is None:
            return None
        return self.bundle.flows.get(self.default_flow_name)

    @property
    def version(self) -> str:
        return self.bundle.version


def load_bundle(directory: str | Path, centre: CentreConfig | None = None) -> FlowBundle:
    from ivr.flows.checks import check_flow_set
    from ivr.flows.loader import read_flow_set

    fs, problems = read_flow_set(directory)
    problems += check_flow_set(fs, centre)
    if problems:
        raise ConfigInvalidError(problems)
    return compile_set(fs)
