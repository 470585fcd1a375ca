"""The flows in service: DNIS → flow, with versions, replaced whole on reload.

The catalog holds one :class:`FlowBundle` at a time. Replacing it (hot reload,
:mod:`ivr.config.flow_files`) changes what new calls get; a call already running
keeps the bundle it started with, so it finishes on its version.
"""

from __future__ import annotations

from ivr.flows.compiler import CFlow, FlowBundle

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

    def replace(self, bundle: FlowBundle) -> None:
        self.bundle = bundle

    def get(self, name: str) -> CFlow | None:
        return self.bundle.flows.get(name)

    def default_flow(self) -> CFlow | None:
        if self.default_flow_name is None:
            return None
        return self.bundle.flows.get(self.default_flow_name)

    @property
    def version(self) -> str:
        return self.bundle.version
