"""Secret digits (a 6-digit password, a PIN): a value that will not print.

A ``collect`` node with ``secret: true`` stores a :class:`Secret`. Its ``repr``
and ``str`` are a mask, it refuses to be formatted, pickled into JSON by
accident or compared by ordering, so a log line, an exception message, a record
or an API answer that meets one shows ``******``. Only the code that verifies a
password calls :meth:`Secret.reveal`.
"""

from __future__ import annotations

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
