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
from dataclasses import dataclass
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
    unknown = [name for name in header if name not in COLUMNS]
    problems: list[ImportProblem] = [
        ImportProblem(
            line=1, field=name, reason=f"unknown column; the columns are {', '.join(COLUMNS)}"
        )
        for name in unknown
    ]
    if "account" not in header:
        problems.append(
            ImportProblem(line=1, field="account", reason="the header has no account column")
        )
        return [], problems
    valid: list[Customer] = []
    seen_accounts: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        row_problems: list[ImportProblem] = []

        def bad(
            field: str, reason: str, line: int = line, out: list[ImportProblem] = row_problems
        ) -> None:
            out.append(ImportProblem(line=line, field=field, reason=reason))

        if None in row:
            bad("", f"more fields than the header's {len(header)} columns")
        get = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        account = get.get("account", "")
        if not account:
            bad("account", "required")
        elif not _ACCOUNT.fullmatch(account):
            bad("account", "letters, digits, '-' or '_', at most 32")
        elif account in seen_accounts:
            bad("account", f"already on line {seen_accounts[account]}")
        name = get.get("name", "")
        if len(name) > 200:
            bad("name", "longer than 200 characters")
        numbers = tuple(n for n in re.split(r"[;\s]+", get.get("numbers", "")) if n)
        for number in numbers:
            if not _NUMBER.fullmatch(number):
                bad("numbers", f"{number!r} is not a phone number (3 to 20 digits, optional +)")
            elif number in seen_numbers:
                bad(
                    "numbers",
                    f"{number} already belongs to the customer on line {seen_numbers[number]}",
                )
        tier_text = get.get("tier", "") or Tier.NORMAL.value
        tier = Tier.NORMAL
        try:
            tier = Tier(tier_text.lower())
        except ValueError:
            bad("tier", f"{tier_text!r} is not one of {', '.join(t.value for t in Tier)}")
        language = get.get("language", "")
        if language and not _LANGUAGE.fullmatch(language):
            bad("language", f"{language!r} is not a language code such as 'en' or 'zh-CN'")
        segment = get.get("segment", "")
        if len(segment) > 64:
            bad("segment", "longer than 64 characters")
        password = get.get("password", "")
        if password and not _PASSWORD.fullmatch(password):
            bad("password", "must be exactly 6 digits (the value is not shown)")
        if row_problems:
            problems.extend(row_problems)
            continue
        seen_accounts[account] = line
        seen_numbers.update(dict.fromkeys(numbers, line))
        valid.append(
            Customer(
                account=account,
                name=name,
                numbers=numbers,
                tier=tier,
                segment=segment,
                language=language,
                password=Secret(password) if password else None,
            )
        )
    return valid, problems


async def import_customers(store: CustomerStore, path: Path, *, clock: Clock) -> ImportReport:
    """Import the valid rows of ``path`` in one transaction; report every invalid one."""
    text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    customers, problems = parse_customers(text)
    if customers:
        hashes = await store.hash_all(customers)
        async with store.engine.begin() as conn:
            await write_customers(conn, customers, hashes, at=clock.now())
    return ImportReport(imported=len(customers), problems=tuple(problems))
