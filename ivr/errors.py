"""The one error tree of ``ivr``.

Every error the package raises on purpose is an :class:`IvrError`. Each class
has a stable ``error_id`` (for logs, the API and the tests) and each instance
carries ``details``, a dict of plain values that never holds a secret. The
message says what went wrong and what to do about it.

::

    IvrError
    ├── ConfigError                 a YAML file (flow, seats, traffic, config) is wrong
    │   ├── ConfigSyntaxError       not YAML at all: file, line, column
    │   │   └── ConfigTooLargeError past a limit of size, depth, aliases or values
    │   └── ConfigInvalidError      YAML, but not valid: a list of Problems
    ├── RoutingError                the routing core was asked something impossible
    │   ├── UnknownCallError        an event names a call the core does not hold
    │   ├── UnknownSeatError        an event names a seat that is not configured
    │   ├── UnknownQueueError       a queue that is not configured
    │   └── IllegalTransitionError  an event that the call's or seat's state forbids
    ├── FlowError                   a flow failed at run time (the call takes the failure exit)
    ├── AmiError                    talking to Asterisk
    │   ├── AmiAuthenticationError  wrong user or secret: stop, do not retry
    │   ├── AmiConnectionError      the connection is lost (retried with backoff)
    │   └── AmiActionError          Asterisk answered an action with an error
    ├── StorageError                the records: database URL or driver, schema, a ticket's state
    ├── SimulationError             a scenario or a trace cannot be simulated
    └── PortInUseError              a port to listen on is taken by another program

Third-party errors are converted at the boundary that meets them:
``raise AmiConnectionError(...) from exc``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


class IvrError(Exception):
    """Base of every error raised on purpose by ``ivr``."""

    error_id: ClassVar[str] = "ivr-error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def to_dict(self) -> dict[str, Any]:
        return {"error_id": self.error_id, "message": self.message, "details": self.details}


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong in a configuration file, located for a person to fix."""

    file: str
    line: int | None
    column: int | None
    field: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(IvrError):
    error_id = "config-error"


class ConfigSyntaxError(ConfigError):
    error_id = "config-syntax"


class ConfigTooLargeError(ConfigSyntaxError):
    """A YAML file refused before it is built: ``details["limit"]`` says which limit."""

    error_id = "config-too-large"


class ConfigInvalidError(ConfigError):
    """Carries every problem found, not only the first."""

    error_id = "config-invalid"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"{count} {noun} found; fix them and validate again:\n{lines}",
            problems=[str(p) for p in self.problems],
        )


class RoutingError(IvrError):
    error_id = "routing-error"


class UnknownCallError(RoutingError):
    error_id = "routing-unknown-call"


class UnknownSeatError(RoutingError):
    error_id = "routing-unknown-seat"


class UnknownQueueError(RoutingError):
    error_id = "routing-unknown-queue"


class IllegalTransitionError(RoutingError):
    error_id = "routing-illegal-transition"


class FlowError(IvrError):
    error_id = "flow-error"


class AmiError(IvrError):
    error_id = "ami-error"


class AmiAuthenticationError(AmiError):
    error_id = "ami-authentication"


class AmiConnectionError(AmiError):
    error_id = "ami-connection"


class AmiActionError(AmiError):
    error_id = "ami-action"


class StorageError(IvrError):
    error_id = "storage-error"


class SimulationError(IvrError):
    error_id = "simulation-error"


class PortInUseError(IvrError):
    """Another program listens on the port: ``details`` hold ``host`` and ``port``."""

    error_id = "port-in-use"

    @classmethod
    def at(cls, host: str, port: int, *, change: str) -> PortInUseError:
        """The error for ``host:port``; ``change`` says how to pick another (the option)."""
        return cls(
            f"cannot listen on {host}:{port}: the port is taken by another program "
            f"(a copy of this one still running?); {change}",
            host=host,
            port=port,
        )
