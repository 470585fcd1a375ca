"""How to reach Asterisk's manager interface, and how hard to try.

The configuration file (``ivr.cli.settings``) composes :class:`AmiSettings`
under its ``ami`` key, and the environment overrides it there like any other
section (``IVR_AMI__HOST``, ``IVR_AMI__SECRET``, ``IVR_AMI__BACKOFF_MAX_S``).
The secret is a ``SecretStr``: its repr is a mask, and only the login reads
its value.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from ivr.backoff import Backoff


class AmiSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(5038, ge=1, le=65535)
    username: str = "ivr"
    secret: SecretStr = SecretStr("")
    connect_timeout_s: float = Field(5.0, gt=0)
    action_timeout_s: float = Field(10.0, gt=0)
    ping_every_s: float = Field(
        20.0, gt=0
    )  # a half-dead TCP link is found by a Ping going unanswered
    backoff_initial_s: float = Field(0.5, gt=0)
    backoff_max_s: float = Field(30.0, gt=0)
    backoff_factor: float = Field(2.0, ge=1)
    backoff_jitter: float = Field(0.2, ge=0, le=1)  # ± this fraction of each delay
    restart_uptime_s: float = Field(
        60.0, ge=0
    )  # FullyBooted with Uptime below this after a login: Asterisk restarted

    @model_validator(mode="after")
    def _backoff_ordered(self) -> AmiSettings:
        if self.backoff_max_s < self.backoff_initial_s:
            msg = f"backoff_max_s ({self.backoff_max_s}) must be at least backoff_initial_s ({self.backoff_initial_s})"
            raise ValueError(msg)
        return self

    def backoff(self, rng: random.Random) -> Iterator[float]:
        """Delays before each reconnection attempt: exponential, capped, with jitter from ``rng``."""
        return Backoff(
            initial_s=self.backoff_initial_s,
            max_s=self.backoff_max_s,
            factor=self.backoff_factor,
            jitter=self.backoff_jitter,
        ).delays(rng)
