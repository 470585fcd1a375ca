"""The screen pop a seat is shown: the routing core's context, never a secret.

It rides on the caller's channel as ``__IVR_POP`` (JSON), inherited by the seat's
channel when the seat context dials, and is published on the API's stream.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ivr.secret import Secret

SENSITIVE = ("password", "passwd", "pin", "secret", "token")


def sensitive(key: object, value: object) -> bool:
    """A field never to leave the engine: a Secret, or a name that says password, PIN, ..."""
    if isinstance(value, Secret):
        return True
    lowered = str(key).lower()
    return any(word in lowered for word in SENSITIVE)


def screen_pop(context: Mapping[str, Any]) -> dict[str, Any]:
    """What the seat's desktop is shown: the routing core's context, never a secret."""
    return {str(k): v for k, v in context.items() if not sensitive(k, v) and v is not None}


def screen_pop_variables(context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The screen pop as one channel variable per field: scalars as text, the rest as JSON."""
    out: list[tuple[str, str]] = []
    for key, value in screen_pop(context).items():
        name = "".join(ch if ch.isalnum() else "_" for ch in key).upper()
        text = str(value) if isinstance(value, str | int | float | bool) else as_json(value)
        out.append((name, text.replace("\r", " ").replace("\n", " ")))
    return out


def as_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
