"""Re-importing customers: every change reported, applied only with update; unreadable files located."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from ivr.cli import app
from ivr.clock import ManualClock
from ivr.secret import Secret
from ivr.storage import Storage
from ivr.storage.importer import import_customers, parse_customers

FIXTURES = Path(__file__).parent.parent / "fixtures" / "storage"
MIXED = FIXTURES / "customers_mixed.csv"
CHANGED = FIXTURES / "customers_changed.csv"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The commands send logs to the runner's stderr, closed after each run: undo that."""
    yield
    structlog.reset_defaults()


@pytest.fixture
async def imported(storage: Storage, clock: ManualClock) -> Storage:
    report = await import_customers(storage.customers, MIXED, clock=clock)
    assert report.new == 4
    return storage


CHANGES = [
    (3, "A101", "name", "name 'Zhang Min' -> 'Zhang Min Jr'"),
    (3, "A101", "password", "password set (not shown)"),
    (4, "A102", "numbers", "number 03017784311 moves here from account A109"),
]


async def test_a_reimport_reports_every_change_and_refuses_it_without_update(
    imported: Storage, clock: ManualClock
) -> None:
    report = await import_customers(imported.customers, CHANGED, clock=clock)
    assert [(p.line, p.field) for p in report.problems] == [(c[0], c[2]) for c in CHANGES]
    for problem, (_, account, _, what) in zip(report.problems, CHANGES, strict=True):
        assert (
            problem.reason == f"stored {account} would change ({what}); give --update to apply it"
        )
    assert "424242" not in " ".join(str(p) for p in report.problems)
    assert (report.new, report.changed, report.unchanged) == (1, 0, 1)
    # the refused rows are not written; the new one is
    a101 = await imported.customers.lookup(by="account", value="A101")
    assert a101 is not None and (a101["name"], a101["has_password"]) == ("Zhang Min", False)
    owner = await imported.customers.lookup(by="caller", value="03017784311")
    assert owner is not None and owner["account"] == "A109"
    assert await imported.customers.lookup(by="account", value="A110") is not None


async def test_update_applies_every_change_and_reports_it(
    imported: Storage, clock: ManualClock
) -> None:
    report = await import_customers(imported.customers, CHANGED, clock=clock, update=True)
    assert report.problems == ()
    assert [(c.line, c.account, c.field, c.what) for c in report.changes] == CHANGES
    assert (report.new, report.changed, report.unchanged) == (1, 2, 1)
    a101 = await imported.customers.lookup(by="account", value="A101")
    assert a101 is not None and a101["name"] == "Zhang Min Jr"
    assert (await imported.customers.verify_password("A101", Secret("424242"))).outcome == "ok"
    owner = await imported.customers.lookup(by="caller", value="03017784311")
    assert owner is not None and owner["account"] == "A102"


async def test_a_dry_run_shows_the_changes_and_writes_nothing(
    imported: Storage, clock: ManualClock
) -> None:
    report = await import_customers(
        imported.customers, CHANGED, clock=clock, update=True, dry_run=True
    )
    assert len(report.changes) == len(CHANGES) and not report.written
    assert await imported.customers.lookup(by="account", value="A110") is None
    a101 = await imported.customers.lookup(by="account", value="A101")
    assert a101 is not None and a101["name"] == "Zhang Min"


async def test_importing_the_same_file_again_changes_nothing(
    imported: Storage, clock: ManualClock
) -> None:
    # the passwords are compared with their hashes, so an unchanged one is no change
    report = await import_customers(imported.customers, MIXED, clock=clock)
    assert (report.new, report.changed, report.unchanged) == (0, 0, 4)
    assert len(report.problems) == 7  # the bad rows, as the first time; no change refused
    assert not report.written


async def test_a_column_the_file_lacks_keeps_the_stored_value(
    imported: Storage, clock: ManualClock, tmp_path: Path
) -> None:
    # no tier, no numbers, no password column: A100 stays a VIP with its numbers
    names_only = tmp_path / "names.csv"
    names_only.write_text("account,name\nA100,Li Wei\n")
    report = await import_customers(imported.customers, names_only, clock=clock)
    assert (report.unchanged, report.problems) == (1, ())
    a100 = await imported.customers.lookup(by="account", value="A100")
    assert a100 is not None and a100["tier"] == "vip" and len(a100["numbers"]) == 2


def test_an_unterminated_quote_is_reported_on_the_line_it_opens() -> None:
    # csv reads lines 3 to 5 as one row, ending on A403's line: the old report blamed A403
    rows, problems = parse_customers((FIXTURES / "customers_open_quote.csv").read_text())
    assert [r.customer.account for r in rows] == ["A400"]
    (p,) = problems
    assert (p.line, p.field) == (3, "name")
    assert p.reason == (
        "a quote opened on this line is not closed on it (lines 3 to 5 were read as one row); "
        "close the quote"
    )


def test_a_nul_byte_in_a_name_is_refused() -> None:
    rows, problems = parse_customers((FIXTURES / "customers_nul.csv").read_bytes().decode())
    assert [r.customer.account for r in rows] == ["A501"]
    (p,) = problems
    assert (p.line, p.field) == (2, "name")
    assert p.reason.startswith("holds the invisible control character U+0000; remove it")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_gbk_file_names_the_file_the_line_and_the_encoding_to_give(tmp_path: Path) -> None:
    gbk = FIXTURES / "customers_gbk.csv"
    data = ["--data-dir", str(tmp_path / "data")]
    code, _, err = run("customers", "import", str(gbk), *data)
    assert code == 2
    assert err.strip() == (
        f"{gbk}:line 3: byte 0xcd is not utf-8 text; the file reads as GBK (Chinese Windows): "
        "give --encoding gbk, or save it as UTF-8"
    )
    code, out, _ = run("customers", "import", str(gbk), "--encoding", "gbk", *data)
    assert code == 0 and "2 new" in out


def test_a_binary_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    binary = tmp_path / "customers.csv"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))  # an .xlsx's start
    code, _, err = run("customers", "import", str(binary), "--data-dir", str(tmp_path / "d"))
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"{binary}:line 1: the file holds NUL bytes, so it is not CSV text")


def test_the_command_lists_the_changes_and_refuses_them_without_update(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert run("customers", "import", str(FIXTURES / "customers_mixed.csv"), *data)[0] == 1
    code, out, err = run("customers", "import", str(CHANGED), *data)
    assert code == 1
    assert f"{CHANGED}:line 3: name: stored A101 would change (name 'Zhang Min' -> " in err
    assert out.strip() == "imported: 1 new, 0 changed, 1 unchanged; 3 problems"
    code, out, err = run("customers", "import", str(CHANGED), "--update", "--dry-run", *data)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{CHANGED}:line 3: would change A101: name 'Zhang Min' -> 'Zhang Min Jr'",
        f"{CHANGED}:line 3: would change A101: password set (not shown)",
        f"{CHANGED}:line 4: would change A102: number 03017784311 moves here from account A109",
        "dry run, nothing written: 0 new, 2 changed, 2 unchanged; 0 problems",  # A110 is in
    ]
