"""Customers: lookup by caller number or account, and the 6-digit password with its lockout.

What the live driver calls to answer the engine's commands:

- ``await store.answer_lookup(LookupCustomer) -> CustomerFound``
- ``await store.answer_verify(VerifyPassword) -> PasswordChecked``

A customer as the engine sees it is a plain dict (the screen pop): account,
name, tier, segment, language, numbers, ``has_password``. It never holds the
hash. Nothing here logs a customer's data: log lines carry the outcome only.

Lockout (REQUIREMENTS §1): after ``lockout_after`` wrong passwords in a row
(3 by default) the account is locked for ``lockout_s``; the attempt that
reaches the limit answers ``locked``. A right password resets the count.
The count is incremented in the database (``failed_attempts + 1``), so two
engines sharing a PostgreSQL count every attempt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ivr.clock import Clock
from ivr.model.commands import LookupCustomer, VerifyPassword
from ivr.model.events import CustomerFound, PasswordChecked
from ivr.model.skills import Tier
from ivr.secret import Secret
from ivr.storage import schema
from ivr.storage.passwords import hash_password, verify_password
from ivr.storage.settings import StorageSettings

log = structlog.get_logger(__name__)

PasswordOutcome = Literal["ok", "wrong", "locked", "no_password"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    """A customer to store. ``password`` is the clear 6 digits, as a Secret, or None."""

    account: str
    name: str = ""
    numbers: tuple[str, ...] = ()
    tier: Tier = Tier.NORMAL
    segment: str = ""
    language: str = ""
    password: Secret | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordCheck:
    outcome: PasswordOutcome
    failures: int


class CustomerStore:
    def __init__(self, engine: AsyncEngine, *, settings: StorageSettings, clock: Clock) -> None:
        self._engine = engine
        self._settings = settings
        self._clock = clock

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    # --- reading --------------------------------------------------------------

    async def lookup(
        self, *, by: Literal["caller", "account"], value: str
    ) -> dict[str, Any] | None:
        c = schema.customers
        async with self._engine.connect() as conn:
            if by == "caller":
                query = select(schema.customer_numbers.c.account).where(
                    schema.customer_numbers.c.number == value
                )
                account = (await conn.execute(query)).scalar_one_or_none()
                if account is None:
                    return None
            else:
                account = value
            row = (
                await conn.execute(
                    select(
                        c.c.account,
                        c.c.name,
                        c.c.tier,
                        c.c.segment,
                        c.c.language,
                        c.c.password_hash.is_not(None).label("has_password"),
                    ).where(c.c.account == account)
                )
            ).one_or_none()
            if row is None:
                return None
            numbers = (
                await conn.execute(
                    select(schema.customer_numbers.c.number)
                    .where(schema.customer_numbers.c.account == account)
                    .order_by(schema.customer_numbers.c.number)
                )
            ).scalars()
            found = dict(row._mapping)
            found["has_password"] = bool(found["has_password"])
            found["numbers"] = list(numbers)
            return found

    async def answer_lookup(self, command: LookupCustomer) -> CustomerFound:
        customer = await self.lookup(by=command.by, value=command.value)
        return CustomerFound(call_id=command.call_id, customer=customer)

    # --- the password ---------------------------------------------------------

    async def verify_password(self, account: str, password: Secret) -> PasswordCheck:
        c = schema.customers
        now = self._clock.now()
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(c.c.password_hash, c.c.failed_attempts, c.c.locked_until).where(
                        c.c.account == account
                    )
                )
            ).one_or_none()
        if row is None or row.password_hash is None:
            return PasswordCheck(outcome="no_password", failures=0)
        if row.locked_until is not None and row.locked_until > now:
            return PasswordCheck(outcome="locked", failures=row.failed_attempts)
        matches = await asyncio.to_thread(verify_password, password, row.password_hash)
        async with self._engine.begin() as conn:
            if matches:
                await conn.execute(
                    update(c)
                    .where(c.c.account == account)
                    .values(failed_attempts=0, locked_until=None)
                )
                return PasswordCheck(outcome="ok", failures=0)
            # A lockout that has run out starts the count again.
            expired = row.locked_until is not None
            base = 0 if expired else c.c.failed_attempts
            failures = (
                await conn.execute(
                    update(c)
                    .where(c.c.account == account)
                    .values(failed_attempts=base + 1, locked_until=None)
                    .returning(c.c.failed_attempts)
                )
            ).scalar_one()
            if failures >= self._settings.lockout_after:
                await conn.execute(
                    update(c)
                    .where(c.c.account == account)
                    .values(locked_until=now + self._settings.lockout_s)
                )
                log.warning("customer_password_locked", failures=failures)
                return PasswordCheck(outcome="locked", failures=failures)
        return PasswordCheck(outcome="wrong", failures=failures)

    async def answer_verify(self, command: VerifyPassword) -> PasswordChecked:
        check = await self.verify_password(command.account, command.password)
        return PasswordChecked(
            call_id=command.call_id, outcome=check.outcome, failures=check.failures
        )

    # --- writing --------------------------------------------------------------

    async def hash_all(self, customers: Sequence[Customer]) -> list[str | None]:
        """Hash every password, in threads (scrypt releases the GIL)."""
        n = self._settings.password_scrypt_n

        async def one(customer: Customer) -> str | None:
            if customer.password is None:
                return None
            return await asyncio.to_thread(hash_password, customer.password, n=n)

        return list(await asyncio.gather(*(one(cust) for cust in customers)))

    async def password_matches(self, password: Secret, stored: str) -> bool:
        """``password`` against a stored hash, in a thread (an import asks it per changed row)."""
        return await asyncio.to_thread(verify_password, password, stored)

    async def upsert(self, customers: Sequence[Customer]) -> None:
        """Insert or replace customers (and their numbers) in one transaction."""
        hashes = await self.hash_all(customers)
        async with self._engine.begin() as conn:
            await write_customers(conn, customers, hashes, at=self._clock.now())


async def write_customers(
    conn: AsyncConnection,
    customers: Iterable[Customer],
    hashes: Iterable[str | None],
    *,
    at: float,
) -> None:
    """Replace these customers (a customer's numbers are replaced with the ones given)."""
    c, nums = schema.customers, schema.customer_numbers
    for customer, hashed in zip(customers, hashes, strict=True):
        values = {
            "name": customer.name,
            "tier": str(customer.tier),
            "segment": customer.segment,
            "language": customer.language,
            "updated_at": at,
        }
        if hashed is not None:
            values |= {"password_hash": hashed, "failed_attempts": 0, "locked_until": None}
        updated = await conn.execute(
            update(c).where(c.c.account == customer.account).values(values)
        )
        if updated.rowcount == 0:
            await conn.execute(c.insert().values(account=customer.account, **values))
        await conn.execute(delete(nums).where(nums.c.account == customer.account))
        await conn.execute(delete(nums).where(nums.c.number.in_(customer.numbers)))
        if customer.numbers:
            await conn.execute(
                nums.insert(),
                [{"number": n, "account": customer.account} for n in customer.numbers],
            )
