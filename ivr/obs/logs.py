"""Logs: structlog, one JSON event per line in production, coloured columns in a terminal.

Every log line goes through the same processors, in this order:

1. ``merge_contextvars``: what :func:`bind_call` bound (``call_id``, ``channel``);
2. ``add_log_level``;
3. :class:`ClockStamper`: the time, from the injected clock (never ``datetime.now()``);
4. :class:`MaskSecrets`: a :class:`~ivr.secret.Secret`, a pydantic ``SecretStr``, any
   value under a key that names a password, a secret or a token, and the password in a
   ``scheme://user:password@host`` URL are replaced by the mask, however deeply nested;
5. exception formatting, then the renderer (JSON or console).

The masking runs after everything that adds fields and before anything that renders,
so no renderer ever sees a secret. Event names are snake_case with fields:
``log.info("call_queued", queue="billing")``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

import structlog
from pydantic import SecretBytes, SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

from ivr.clock import Clock, WallClock
from ivr.secret import MASK, Secret, is_sensitive_key, mask_text


def mask_value(value: Any, *, _depth: int = 0) -> Any:
    """A copy of ``value`` with every secret masked (dicts, lists, tuples, sets, strings)."""
    if _depth > 20:
        return value
    if isinstance(value, Secret | SecretStr | SecretBytes):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {
            k: (MASK if is_sensitive_key(k) and v is not None else mask_value(v, _depth=_depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(mask_value(v, _depth=_depth + 1) for v in value)
    return value


class MaskSecrets:
    """Processor: no secret reaches a renderer (see :func:`mask_value`)."""

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        masked = mask_value(event_dict)
        assert isinstance(masked, dict)
        return masked


class ClockStamper:
    """Processor: ``timestamp`` in ISO 8601 UTC, from the injected clock."""

    __slots__ = ("_clock", "_key")

    def __init__(self, clock: Clock, key: str = "timestamp") -> None:
        self._clock = clock
        self._key = key

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        when = datetime.fromtimestamp(self._clock.now(), tz=UTC)
        event_dict[self._key] = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return event_dict


def processors(clock: Clock, *, json: bool) -> list[Processor]:
    """The processor chain for one output style; the renderer is last."""
    chain: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        ClockStamper(clock),
        MaskSecrets(),
    ]
    if json:
        chain += [
            structlog.processors.format_exc_info,
            MaskSecrets(),  # a traceback may quote a URL with its password
            structlog.processors.JSONRenderer(sort_keys=False, default=_json_default),
        ]
    else:
        chain.append(structlog.dev.ConsoleRenderer(colors=True))
    return chain


def _json_default(value: object) -> str:
    # Whatever JSON cannot hold is written as its repr, which for a Secret is the mask.
    return mask_text(repr(value))


def configure_logging(
    *,
    level: str = "info",
    json: bool | None = None,
    clock: Clock | None = None,
    stream: TextIO | None = None,
) -> None:
    """Set up structlog for the process. ``json=None``: JSON unless ``stream`` is a terminal."""
    out = stream if stream is not None else sys.stderr
    if json is None:
        json = not (hasattr(out, "isatty") and out.isatty())
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        msg = f"unknown log level {level!r}; use debug, info, warning or error"
        raise ValueError(msg)
    structlog.configure(
        processors=processors(clock or WallClock(), json=json),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )


@contextmanager
def bind_call(call_id: str, channel: str = "", **more: Any) -> Iterator[None]:
    """Every log line inside carries ``call_id`` (and ``channel`` when known)."""
    fields: dict[str, Any] = {"call_id": call_id, **more}
    if channel:
        fields["channel"] = channel
    with structlog.contextvars.bound_contextvars(**fields):
        yield
