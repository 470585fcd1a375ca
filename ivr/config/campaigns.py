"""Reading a campaigns directory from disk: the campaign files, ``policy.yaml``, lists, DNC.

The edge of :mod:`ivr.outbound`: everything here touches files; what is read
is validated by the pure parts (:mod:`ivr.outbound.source`,
:mod:`ivr.outbound.checks`). Every problem is reported at once, each with its
file, line and field:

- each ``*.yaml`` but ``policy.yaml`` is one campaign; names are unique;
- ``policy.yaml`` (optional) is the contact policy of every campaign;
- a campaign's ``list.csv`` is a file with a ``number`` column (and optional
  ``account`` and ``timezone``), found from the campaign file's directory;
- the policy's ``do_not_call`` is a file of numbers, one a line (``#`` starts
  a comment), found from the policy file's directory.
"""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

from ivr.errors import ConfigError, ConfigInvalidError, ConfigSyntaxError, Problem
from ivr.model.campaign import NUMBER
from ivr.model.contact_policy import Contact
from ivr.outbound.source import POLICY_FILE, CampaignSet, parse_campaign, parse_policy
from ivr.yamlguard import decode_utf8, read_yaml_text
from ivr.yamlsrc import Positions, syntax_problem

# A broken list of a million rows is told in a few lines, not a million.
MAX_ROW_PROBLEMS = 20
_NUMBER_CHARS = frozenset("+0123456789 -().")


def campaign_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and p.name != POLICY_FILE
    )


def _problem(file: Path, message: str, line: int | None = None, field: str = "") -> Problem:
    return Problem(file=str(file), line=line, column=None, field=field, message=message)


def read_campaign_set(directory: str | Path) -> tuple[CampaignSet, list[Problem]]:
    """Every file of the directory, validated one by one; the problems of those that fail."""
    root = Path(directory)
    if not root.is_dir():
        msg = f"{root}: not a directory; give the campaigns directory (e.g. campaigns/)"
        raise ConfigError(msg, path=str(root))
    cs = CampaignSet(directory=str(root))
    problems: list[Problem] = []
    for path in campaign_files(root):
        try:
            source = parse_campaign(read_yaml_text(path), str(path))
        except ConfigSyntaxError as exc:
            problems.append(syntax_problem(exc))
            continue
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
            continue
        name = source.campaign.campaign
        if name in cs.campaigns:
            problems.append(
                source.positions.problem(
                    ("campaign",),
                    f"campaign '{name}' is also defined in {cs.campaigns[name].file}; "
                    "give each campaign its own name",
                )
            )
            continue
        cs.campaigns[name] = source
        csv_name = source.campaign.list.csv
        if csv_name is not None:
            problems.extend(_list_problems(path.parent / csv_name, source.positions))
    policy_path = root / POLICY_FILE
    if policy_path.is_file():
        try:
            cs.policy, cs.policy_positions = parse_policy(
                read_yaml_text(policy_path), str(policy_path)
            )
        except ConfigSyntaxError as exc:
            problems.append(syntax_problem(exc))
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
        if cs.policy.do_not_call is not None:
            dnc, found = read_do_not_call(policy_path.parent / cs.policy.do_not_call)
            cs.do_not_call = dnc
            problems.extend(found)
    if not cs.campaigns and not problems and not policy_path.is_file():
        msg = f"{root}: no campaign files; write one *.yaml per campaign there"
        raise ConfigError(msg, path=str(root))
    return cs, problems


def load_campaign_set(directory: str | Path) -> CampaignSet:
    """Read a campaigns directory; ConfigInvalidError lists every problem (the cross
    checks against flows and queues are :func:`ivr.outbound.checks.check_campaign_set`)."""
    cs, problems = read_campaign_set(directory)
    if problems:
        raise ConfigInvalidError(problems)
    return cs


def _read_text(path: Path) -> str:
    return decode_utf8(path.read_bytes(), str(path))


def _list_problems(path: Path, positions: Positions) -> list[Problem]:
    if not path.is_file():
        msg = f"{path}: no such file; write the list there or fix the path"
        return [positions.problem(("list", "csv"), msg)]
    try:
        _, problems = read_list_csv(path)
    except ConfigSyntaxError as exc:
        return [syntax_problem(exc)]
    return problems


def read_list_csv(path: Path) -> tuple[list[Contact], list[Problem]]:
    """A campaign list: the contacts of its good rows, and the problems of the others."""
    text = _read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "number" not in columns:
        found = ", ".join(columns) or "nothing"
        msg = f"the first line must name the columns, with 'number' (found {found})"
        return [], [_problem(path, msg, line=1)]
    contacts: list[Contact] = []
    problems: list[Problem] = []
    for line, row in _rows(reader):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        number = row.get("number", "")
        zone = row.get("timezone") or None
        if not _is_number(number):
            problems.append(
                _problem(path, f"'{number}' is not a phone number", line=line, field="number")
            )
            continue
        if zone is not None and not _is_zone(zone):
            problems.append(
                _problem(
                    path,
                    f"'{zone}' is not a known time zone; use an IANA name such as Asia/Shanghai",
                    line=line,
                    field="timezone",
                )
            )
            continue
        account = row.get("account") or number
        contacts.append(Contact(account=account, number=number, timezone=zone))
    return contacts, _capped(path, problems)


def read_do_not_call(path: Path) -> tuple[frozenset[str], list[Problem]]:
    """The do-not-call numbers of a file, one a line; the problems of the lines that are not."""
    if not path.is_file():
        msg = f"{path}: no such file; write the do-not-call numbers there, one a line"
        return frozenset(), [_problem(path, msg)]
    numbers: set[str] = set()
    problems: list[Problem] = []
    for i, raw in enumerate(_read_text(path).splitlines(), start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if _is_number(entry):
            numbers.add(entry)
        else:
            problems.append(_problem(path, f"'{entry}' is not a phone number", line=i))
    return frozenset(numbers), _capped(path, problems)


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    for row in reader:
        yield reader.line_num, row


def _is_number(text: str) -> bool:
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    return bool(text) and set(text) <= _NUMBER_CHARS and re.fullmatch(NUMBER, digits) is not None


def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _capped(path: Path, problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_ROW_PROBLEMS:
        return problems
    rest = len(problems) - MAX_ROW_PROBLEMS
    return [*problems[:MAX_ROW_PROBLEMS], _problem(path, f"and {rest} more lines like these")]
