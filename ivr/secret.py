"""Secret digits (a 6-digit password, a PIN): a value that will not print.

A ``collect`` node with ``secret: true`` stores a :class:`Secret`. Its ``repr``
and ``str`` are a mask, it refuses to be formatted, pickled into JSON by
accident or compared by ordering, so a log line, an exception message, a record
or an API answer that meets one shows ``******``. Only the code that verifies a
password calls :meth:`Secret.reveal`.

Secrets that are not digits (a database URL's password, the AMI secret, an API
token) are recognised by where they stand: :func:`is_sensitive_key` names the
keys that hold one, :func:`mask_text` masks a URL's password and a bearer token
in free text, and :func:`mask_data` does both over parsed YAML or JSON, for
every message that quotes a value a person wrote (the log masking builds on
the same three).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NoReturn

MASK = "******"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The clear value: only for checking it against a stored hash, never for output."""
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> NoReturn:
        msg = "a Secret cannot be pickled: it would leave the process in clear"
        raise TypeError(msg)

    def __getstate__(self) -> NoReturn:
        msg = "a Secret cannot be serialised"
        raise TypeError(msg)


def mask_secrets(value: Any) -> Any:
    """A copy of ``value`` (dicts, lists, tuples) in which every Secret is replaced by the mask."""
    if isinstance(value, Secret):
        return MASK
    if isinstance(value, dict):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_secrets(v) for v in value)
    return value


# A key names a secret when one of its words (split on _ - . and case) is one of these.
SENSITIVE_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "tokens",
        "pin",
        "authorization",
        "cookie",
        "apikey",
        "credentials",
    }
)
_WORD_SPLIT = re.compile(r"[_\-.\s]+|(?<=[a-z])(?=[A-Z])")
# The password runs to the last "@" of the word: one written with a raw "@" is masked whole.
_URL_PASSWORD = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>\S+)(?=@[^@\s]*)"
)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/\-]+=*")


def is_sensitive_key(key: object) -> bool:
    """``ami_secret``, ``dbPassword``, ``X-Auth-Token``: yes; ``mapping``, ``shipping``: no."""
    if not isinstance(key, str):
        return False
    words = {w.lower() for w in _WORD_SPLIT.split(key) if w}
    return bool(words & SENSITIVE_WORDS) or key.lower() in SENSITIVE_WORDS


def mask_text(text: str) -> str:
    """Mask the password of a URL with credentials and a bearer token in free text."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    return _BEARER.sub(lambda m: m.group(1) + MASK, text)


def mask_data(value: Any, *, _depth: int = 0) -> Any:
    """A copy of parsed data (mappings, lists, text) with every URL password and every value
    under a sensitive key masked: safe to quote in a message."""
    if _depth > 20:
        return MASK
    if isinstance(value, Secret):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {
            k: (MASK if is_sensitive_key(k) and v is not None else mask_data(v, _depth=_depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(mask_data(v, _depth=_depth + 1) for v in value)
    return value
