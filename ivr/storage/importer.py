"""``ivr customers import customers.csv``: every row checked, valid rows imported together.

The file has a header line naming its columns (any order)::

    account,name,numbers,tier,segment,language,password

``account`` is required; ``numbers`` is one or more numbers separated by ``;``
or spaces; ``tier`` is ``normal`` (default), ``vip`` or ``green``;
``password`` is empty or exactly six digits. Each wrong field of each row is
reported (line number, field, reason); the valid rows are written in one
transaction, so an interrupted import writes nothing. A reason never repeats a
password.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ivr.clock import Clock
from ivr.model.skills import Tier
from ivr.secret import Secret
from ivr.storage.customers import Customer, CustomerStore, write_customers

COLUMNS = ("account", "name", "numbers", "tier", "segment", "language", "password")
_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_NUMBER = re.compile(r"\+?[0-9]{3,20}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?")
_PASSWORD = re.compile(r"[0-9]{6}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportProblem:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    imported: int
    problems: tuple[ImportProblem, ...]


def parse_customers(text: str) -> tuple[list[Customer], list[ImportProblem]]:
    """Check every row; return the valid customers and every problem found."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    problems = _header_problems(header)
    if "account" not in header:
        return [], problems
    valid: list[Customer] = []
    seen = _Seen()
    for row in reader:
        line = reader.line_num
        customer, reasons = _check_row(row, columns=len(header), seen=seen)
        if customer is None:
            problems.extend(ImportProblem(line=line, field=f, reason=r) for f, r in reasons)
            continue
        seen.accounts[customer.account] = line
        seen.numbers.update(dict.fromkeys(customer.numbers, line))
        valid.append(customer)
    return valid, problems


def _header_problems(header: Sequence[str]) -> list[ImportProblem]:
    problems = [
        ImportProblem(
            line=1, field=name, reason=f"unknown column; the columns are {', '.join(COLUMNS)}"
        )
        for name in header
        if name not in COLUMNS
    ]
    if "account" not in header:
        problems.append(
            ImportProblem(line=1, field="account", reason="the header has no account column")
        )
    return problems


@dataclass(slots=True)
class _Seen:
    """The line of each valid row's account and numbers, so a later row cannot take them."""

    accounts: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)


# (field, reason): one wrong field of a row; the caller adds the line
_Reasons = list[tuple[str, str]]


def _check_row(
    row: Mapping[str | None, object], *, columns: int, seen: _Seen
) -> tuple[Customer | None, _Reasons]:
    """The row's customer, or ``None`` and the reason for each wrong field (account first)."""
    reasons: _Reasons = []
    if None in row:  # csv.DictReader keys the fields past the header with None
        reasons.append(("", f"more fields than the header's {columns} columns"))
    get = {k: str(v or "").strip() for k, v in row.items() if isinstance(k, str)}
    account = get.get("account", "")
    reasons += _account_reasons(account, seen)
    name = get.get("name", "")
    if len(name) > 200:
        reasons.append(("name", "longer than 200 characters"))
    numbers = tuple(n for n in re.split(r"[;\s]+", get.get("numbers", "")) if n)
    reasons += _number_reasons(numbers, seen)
    tier_text = get.get("tier", "") or Tier.NORMAL.value
    tier = Tier.NORMAL
    try:
        tier = Tier(tier_text.lower())
    except ValueError:
        reasons.append(("tier", f"{tier_text!r} is not one of {', '.join(t.value for t in Tier)}"))
    language = get.get("language", "")
    if language and not _LANGUAGE.fullmatch(language):
        reasons.append(("language", f"{language!r} is not a language code such as 'en' or 'zh-CN'"))
    segment = get.get("segment", "")
    if len(segment) > 64:
        reasons.append(("segment", "longer than 64 characters"))
    password = get.get("password", "")
    if password and not _PASSWORD.fullmatch(password):
        reasons.append(("password", "must be exactly 6 digits (the value is not shown)"))
    if reasons:
        return None, reasons
    customer = Customer(
        account=account,
        name=name,
        numbers=numbers,
        tier=tier,
        segment=segment,
        language=language,
        password=Secret(password) if password else None,
    )
    return customer, reasons


def _account_reasons(account: str, seen: _Seen) -> _Reasons:
    if not account:
        return [("account", "required")]
    if not _ACCOUNT.fullmatch(account):
        return [("account", "letters, digits, '-' or '_', at most 32")]
    if account in seen.accounts:
        return [("account", f"already on line {seen.accounts[account]}")]
    return []


def _number_reasons(numbers: Sequence[str], seen: _Seen) -> _Reasons:
    reasons: _Reasons = []
    for number in numbers:
        if not _NUMBER.fullmatch(number):
            reasons.append(
                ("numbers", f"{number!r} is not a phone number (3 to 20 digits, optional +)")
            )
        elif number in seen.numbers:
            reasons.append(
                (
                    "numbers",
                    f"{number} already belongs to the customer on line {seen.numbers[number]}",
                )
            )
    return reasons


async def import_customers(store: CustomerStore, path: Path, *, clock: Clock) -> ImportReport:
    """Import the valid rows of ``path`` in one transaction; report every invalid one."""
    text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    customers, problems = parse_customers(text)
    if customers:
        hashes = await store.hash_all(customers)
        async with store.engine.begin() as conn:
            await write_customers(conn, customers, hashes, at=clock.now())
    return ImportReport(imported=len(customers), problems=tuple(problems))
