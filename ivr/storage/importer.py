"""``ivr customers import customers.csv``: every row checked, valid rows imported together.

The file has a header line naming its columns (any order)::

    account,name,numbers,tier,segment,language,password

``account`` is required; ``numbers`` is one or more numbers separated by ``;``
or spaces; ``tier`` is ``normal`` (default), ``vip`` or ``green``;
``password`` is empty or exactly six digits. Each wrong field of each row is
reported (line number, field, reason); a reason never repeats a password.

The file is read as UTF-8 unless another encoding is named (``--encoding
gbk``); bytes that are not in it, or a binary file, stop the import with the
file and line. A quote left open, which makes the rows after it part of one
field, is reported on the line where it opens; control characters (a NUL) are
refused.

A customer already stored is compared with its row (:mod:`ivr.storage.import_plan`):
every change is reported, field by field (a password only as "changed"), and
applied only with ``update=True``; without it, each change is a problem and the
row is not written. ``dry_run=True`` reports the same and writes nothing. The rows
written go in one transaction, so an interrupted import writes nothing.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ivr.clock import Clock
from ivr.model.skills import Tier
from ivr.secret import Secret
from ivr.storage.customers import Customer, CustomerStore, write_customers
from ivr.storage.import_file import read_customers_text
from ivr.storage.import_plan import Change, ImportRow, plan_import

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
    new: int
    changed: int
    unchanged: int
    changes: tuple[Change, ...]  # with update: applied, or in a dry run, to be applied
    problems: tuple[ImportProblem, ...]
    written: bool  # False in a dry run, or when no row was new or changed


_LIMIT = csv.field_size_limit()


def _rows(text: str) -> Iterator[tuple[int, int, list[str] | None]]:
    """``(first line, last line, fields)`` of each row; a quoted field may span lines.

    ``None`` for fields: a field ran past the csv module's size limit (the lenient
    dialect's one error), which only a quote left open does; reading stops there.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    end = 0
    while True:
        start = end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield start, reader.line_num, None
            return
        end = reader.line_num
        if fields:
            yield start, end, fields


def parse_customers(text: str) -> tuple[list[ImportRow], list[ImportProblem]]:
    """Check every row; return the valid ones and every problem found."""
    rows = _rows(text)
    header = next(rows, (1, 1, []))[2] or []
    problems = _header_problems(header)
    if "account" not in header:
        return [], problems
    valid: list[ImportRow] = []
    seen = _Seen()
    for line, end, fields in rows:
        if fields is None:
            reason = (
                f"a field runs on past {_LIMIT:,} characters from this line: a quote opened "
                "here is never closed; close it (nothing after it was read)"
            )
            problems.append(ImportProblem(line=line, field="", reason=reason))
            break
        unreadable = _unreadable(header, line, end, fields)
        if unreadable:
            problems.extend(unreadable)
            continue
        row: dict[str | None, object] = dict(zip(header, fields, strict=False))
        if len(fields) > len(header):
            row[None] = fields[len(header) :]  # as csv.DictReader keys them
        customer, reasons = _check_row(row, columns=len(header), seen=seen)
        if customer is None:
            problems.extend(ImportProblem(line=line, field=f, reason=r) for f, r in reasons)
            continue
        seen.accounts[customer.account] = line
        seen.numbers.update(dict.fromkeys(customer.numbers, line))
        columns = frozenset(header[: len(fields)]) & frozenset(COLUMNS)
        valid.append(ImportRow(line=line, customer=customer, columns=columns))
    return valid, problems


def _unreadable(
    header: Sequence[str], start: int, end: int, fields: Sequence[str]
) -> list[ImportProblem]:
    """What makes a row unreadable as a whole: a quote left open, control characters."""
    for name, value in zip([*header, ""], fields, strict=False):
        if "\n" in value or "\r" in value:
            # a field holding a line break is a quote left open: the lines after it were read
            # into it, so the row's own first line is where the mistake is
            rest = f" (lines {start} to {end} were read as one row)" if end > start else ""
            reason = f"a quote opened on this line is not closed on it{rest}; close the quote"
            return [ImportProblem(line=start, field=name, reason=reason)]
    out: list[ImportProblem] = []
    for name, value in zip([*header, ""], fields, strict=False):
        bad = next((ch for ch in value if unicodedata.category(ch) == "Cc"), None)
        if bad is not None:
            reason = (
                f"holds the invisible control character U+{ord(bad):04X}; "
                "remove it (it comes from a binary file or a bad export)"
            )
            out.append(ImportProblem(line=start, field=name, reason=reason))
    return out


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


async def import_customers(
    store: CustomerStore,
    path: Path,
    *,
    clock: Clock,
    encoding: str = "utf-8",
    update: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Import the valid rows of ``path`` in one transaction; report every invalid one.

    Raises :class:`~ivr.storage.import_file.CustomersFileError` for a file that cannot be
    read as text in ``encoding``.
    """
    text = await asyncio.to_thread(read_customers_text, path, encoding)
    rows, problems = parse_customers(text)
    async with store.engine.connect() as conn:
        plan = await plan_import(conn, rows, matches=store.password_matches)
    if not update:
        for change in plan.changes:
            problems.append(
                ImportProblem(
                    line=change.line,
                    field=change.field,
                    reason=f"stored {change.account} would change ({change.what}); "
                    "give --update to apply it",
                )
            )
    write = plan.new + (plan.changed if update else [])
    write.sort(key=lambda c: c.line)
    if write and not dry_run:
        customers = [row.customer for row in write]
        hashes = await store.hash_all(customers)
        async with store.engine.begin() as conn:
            await write_customers(conn, customers, hashes, at=clock.now())
    problems.sort(key=lambda p: p.line)
    return ImportReport(
        new=len(plan.new),
        changed=len(plan.changed) if update else 0,
        unchanged=len(plan.unchanged),
        changes=tuple(plan.changes) if update else (),
        problems=tuple(problems),
        written=bool(write) and not dry_run,
    )
