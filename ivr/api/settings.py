"""The API's part of ``ivr.yaml``: where it listens, and who may do what with which token."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HttpSettings(_Section):
    host: str = "127.0.0.1"  # the supervisor's API: not on every interface unless asked
    port: int = Field(8080, ge=0, le=65535)


class Role(StrEnum):
    """Who may do what through the API (REQUIREMENTS §2: the team leader dispatches)."""

    SUPERVISOR = "supervisor"  # everything: seats, transfers, flows, audit
    SEAT = "seat"  # its own seat's state and screen pops
    WALLBOARD = "wallboard"  # read-only: queues and the stream without customer data


class TokenSettings(_Section):
    name: str = Field(min_length=1)  # who, in the audit log
    role: Role
    token: SecretStr
    seat_id: str | None = None  # for a seat token: the seat it speaks for

    @model_validator(mode="after")
    def _seat_token_names_its_seat(self) -> TokenSettings:
        if self.role is Role.SEAT and not self.seat_id:
            msg = "a seat token needs 'seat_id': the seat it may act for"
            raise ValueError(msg)
        if len(self.token.get_secret_value()) < 16:
            msg = "a token must be at least 16 characters; generate one with `openssl rand -hex 24`"
            raise ValueError(msg)
        return self
