"""What an import would do to the customers already stored: new, unchanged, or changed how.

A row names the columns of its file's header; a column the file does not have
keeps the stored value, and an empty password keeps the stored password (an
import never removes one). Every difference is a :class:`Change`, one per field:
a name, tier, segment or language changed, a password set or changed (never
shown), numbers added or removed, a number taken from another account. The
importer applies the changes only when asked (``--update``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ivr.model.skills import Tier
from ivr.secret import Secret
from ivr.storage import schema
from ivr.storage.customers import Customer

_CHUNK = 500  # values per IN (...): well under SQLite's limit on parameters
_TEXT = ("name", "tier", "segment", "language")

PasswordMatches = Callable[[Secret, str], Awaitable[bool]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportRow:
    """A valid row: its line, the customer it describes, the columns its file has."""

    line: int
    customer: Customer
    columns: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One field of a stored customer that a row changes."""

    line: int
    account: str
    field: str
    what: str  # "'Li Wei' -> 'Li Wei Jr'", "changed (not shown)", "03018633185 from A101"

    def __str__(self) -> str:
        return f"{self.account}: {self.what}"


@dataclass(slots=True)
class ImportPlan:
    new: list[ImportRow] = field(default_factory=list)
    changed: list[ImportRow] = field(default_factory=list)  # each row merged with what is stored
    unchanged: list[ImportRow] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


async def _stored(
    conn: AsyncConnection, accounts: Sequence[str], numbers: Sequence[str]
) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, str]]:
    """The stored customers of ``accounts``, their numbers, and the owners of ``numbers``."""
    c, nums = schema.customers, schema.customer_numbers
    customers: dict[str, Any] = {}
    their_numbers: dict[str, list[str]] = {}
    owners: dict[str, str] = {}
    for part in _chunks(accounts):
        for row in await conn.execute(select(c).where(c.c.account.in_(part))):
            customers[row.account] = row
        query = select(nums).where(nums.c.account.in_(part)).order_by(nums.c.number)
        for row in await conn.execute(query):
            their_numbers.setdefault(row.account, []).append(row.number)
    for part in _chunks(numbers):
        for row in await conn.execute(select(nums).where(nums.c.number.in_(part))):
            owners[row.number] = row.account
    return customers, their_numbers, owners


async def plan_import(
    conn: AsyncConnection, rows: Sequence[ImportRow], *, matches: PasswordMatches
) -> ImportPlan:
    """Compare each row with the database; ``matches`` checks a password against a hash."""
    accounts = [r.customer.account for r in rows]
    numbers = [n for r in rows if "numbers" in r.columns for n in r.customer.numbers]
    customers, their_numbers, owners = await _stored(conn, accounts, numbers)
    plan = ImportPlan()
    for row in rows:
        stored = customers.get(row.customer.account)
        if stored is None:
            changes = _moves(row, owners)
            (plan.changed if changes else plan.new).append(row)
            plan.changes += changes
            continue
        merged, changes = await _compare(
            row, stored, their_numbers.get(stored.account, []), owners, matches
        )
        if changes:
            plan.changed.append(replace(row, customer=merged))
            plan.changes += changes
        else:
            plan.unchanged.append(row)
    return plan


def _moves(row: ImportRow, owners: dict[str, str]) -> list[Change]:
    account = row.customer.account
    return [
        Change(
            line=row.line,
            account=account,
            field="numbers",
            what=f"number {n} moves here from account {owners[n]}",
        )
        for n in row.customer.numbers
        if n in owners and owners[n] != account
    ]


async def _compare(
    row: ImportRow,
    stored: Any,
    stored_numbers: list[str],
    owners: dict[str, str],
    matches: PasswordMatches,
) -> tuple[Customer, list[Change]]:
    """The row with the stored values of the columns it lacks, and what it changes."""
    new = row.customer
    kept = {name: getattr(stored, name) for name in _TEXT if name not in row.columns}
    if "tier" in kept:
        kept["tier"] = Tier(kept["tier"])
    if "numbers" not in row.columns:
        kept["numbers"] = tuple(stored_numbers)
    merged = replace(new, **kept)
    changes: list[Change] = []

    def change(name: str, what: str) -> None:
        changes.append(Change(line=row.line, account=new.account, field=name, what=what))

    for name in _TEXT:
        before, after = str(getattr(stored, name)), str(getattr(merged, name))
        if before != after:
            change(name, f"{name} {before!r} -> {after!r}")
    if new.password is not None:
        if stored.password_hash is None:
            change("password", "password set (not shown)")
        elif not await matches(new.password, stored.password_hash):
            change("password", "password changed (not shown)")
    gone = sorted(set(stored_numbers) - set(merged.numbers))
    if gone:
        change("numbers", f"numbers removed: {', '.join(gone)}")
    added = [n for n in merged.numbers if n not in stored_numbers and n not in owners]
    if added:
        change("numbers", f"numbers added: {', '.join(added)}")
    changes += _moves(replace(row, customer=merged), owners)
    return merged, changes
