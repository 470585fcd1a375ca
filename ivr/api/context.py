"""What every route handler shares: :class:`ApiContext`, built once per app.

Like a wazo-calld plugin's dependencies, it holds the services the handlers use
(the hub with the floor, metrics and stream; the way into the engine; the
tokens; the audit log) and the two rules every change obeys: the caller must
have the right, and the attempt is audited whatever its outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ivr.api.audit import AuditEntry, AuditLog
from ivr.api.auth import Principal, Right, TokenBook
from ivr.api.control import Control
from ivr.api.errors import ApiError
from ivr.api.hub import Hub
from ivr.clock import Clock
from ivr.errors import IvrError
from ivr.obs.floor import Floor
from ivr.obs.metrics import Metrics


def need(p: Principal, right: Right) -> None:
    """403 unless the principal's role has the right."""
    if not p.may(right):
        raise ApiError(
            403,
            "api-forbidden",
            f"a {p.role.value} token may not do this (needs '{right.value}'); ask a supervisor",
            role=p.role.value,
            right=right.value,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiContext:
    hub: Hub
    control: Control
    tokens: TokenBook
    audit: AuditLog

    @property
    def floor(self) -> Floor:
        return self.hub.floor

    @property
    def clock(self) -> Clock:
        return self.hub.clock

    @property
    def metrics(self) -> Metrics:
        return self.hub.metrics

    def who(self, presented: str | None) -> Principal:
        """The principal for a presented token; 401 for none or an unknown one."""
        principal = self.tokens.who(presented)
        if principal is None:
            what = "no bearer token" if not presented else "an unknown token"
            raise ApiError(
                401,
                "api-unauthorized",
                f"{what}; send 'Authorization: Bearer <token>' with a token from the configuration",
            )
        return principal

    def record(
        self, p: Principal, *, action: str, target: str, outcome: str, details: dict[str, Any]
    ) -> AuditEntry:
        return self.audit.record(
            who=p.name,
            role=p.role.value,
            action=action,
            target=target,
            outcome=outcome,
            details=details,
        )

    async def change(
        self,
        p: Principal,
        *,
        action: str,
        target: str,
        details: dict[str, Any],
        allowed: bool,
        right: Right,
        run: Callable[[], Awaitable[None]],
    ) -> AuditEntry:
        """Check, do and audit one change; refused and failed attempts are audited too.

        ``allowed`` is the handler's own check (a seat token acts only on its own seat);
        ``right`` is what the role needs, which decides whether a refusal says "not your
        seat" or "not your role".
        """
        if not allowed:
            self.record(p, action=action, target=target, outcome="refused", details=details)
            if p.may(right):
                raise ApiError(
                    403,
                    "api-forbidden",
                    f"a seat token may act only for its own seat ({p.seat_id})",
                    seat_id=target,
                )
            need(p, right)
        try:
            await run()
        except IvrError as exc:
            failed = {**details, "error_id": exc.error_id}
            self.record(p, action=action, target=target, outcome="failed", details=failed)
            raise ApiError.of(exc) from exc
        self.metrics.http_changes.labels(action).inc()
        return self.record(p, action=action, target=target, outcome="ok", details=details)
