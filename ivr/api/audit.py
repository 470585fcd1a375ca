"""The audit log: every change made through the API, with who and when.

One JSON object per line, appended to the configured file (and logged as
``api_change``), so the team leader's actions can be reviewed and a dispute
settled. Details are masked like logs are: no secret reaches the file.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from ivr.clock import Clock
from ivr.obs.logs import mask_value

log = structlog.get_logger("ivr.audit")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    at: float
    time: str
    who: str
    role: str
    action: str
    target: str
    outcome: str  # ok | refused | failed
    details: dict[str, Any] = field(default_factory=dict)


class AuditLog:
    def __init__(self, path: Path | None, *, clock: Clock, keep: int = 1000) -> None:
        self._path = path
        self._clock = clock
        self._recent: deque[AuditEntry] = deque(maxlen=keep)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def record(
        self,
        *,
        who: str,
        role: str,
        action: str,
        target: str,
        outcome: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        at = self._clock.now()
        stamp = datetime.fromtimestamp(at, tz=UTC).isoformat(timespec="milliseconds")
        entry = AuditEntry(
            at=at,
            time=stamp.replace("+00:00", "Z"),
            who=who,
            role=role,
            action=action,
            target=target,
            outcome=outcome,
            details=mask_value(details or {}),
        )
        self._recent.append(entry)
        if self._path is not None:
            with self._path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(asdict(entry), default=str) + "\n")
        log.info("api_change", **{k: v for k, v in asdict(entry).items() if k != "at"})
        return entry

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        return list(self._recent)[-limit:][::-1]
