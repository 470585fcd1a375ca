"""The ``skills/`` directory: every ``*.yaml`` in it, merged into one :class:`CentreConfig`.

Each file may hold any of the top-level keys of
:class:`ivr.model.skills.CentreConfig`: the lists ``skills``, ``queues`` and
``seats`` are joined across files (in file-name order); a centre setting such
as ``general_queue`` or ``alarm`` may be written in one file only. Problems
name the file, line and field where they are, all of them at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ivr.errors import ConfigError, ConfigInvalidError, ConfigSyntaxError, Problem
from ivr.model.skills import CentreConfig
from ivr.yamlsrc import Positions, close_match, load_yaml, syntax_problem, validate

LIST_KEYS = ("skills", "queues", "seats")


def yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_centre(directory: str | Path) -> CentreConfig:
    """Load and validate every YAML file in ``directory``; raise ConfigError with every problem."""
    root = Path(directory)
    if not root.is_dir():
        msg = f"{root}: not a directory; give the skills directory (e.g. skills/)"
        raise ConfigError(msg, path=str(root))
    files = yaml_files(root)
    if not files:
        msg = f"{root}: no *.yaml files; write the skills, queues and seats there"
        raise ConfigError(msg, path=str(root))
    return load_centre_files(files)


def load_centre_files(files: list[Path]) -> CentreConfig:
    merged: dict[str, Any] = {key: [] for key in LIST_KEYS}
    positions = Positions(str(files[0]) if files else "skills")
    setting_from: dict[str, str] = {}
    problems: list[Problem] = []
    valid_keys = [f.alias or n for n, f in CentreConfig.model_fields.items()]
    for file in files:
        try:
            data, pos = load_yaml(file)
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
            continue
        except ConfigSyntaxError as exc:
            problems.append(syntax_problem(exc))
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(pos.problem((), "the file must be a mapping of skills, queues, seats"))
            continue
        for key, value in data.items():
            if key in LIST_KEYS:
                if not isinstance(value, list):
                    problems.append(pos.problem((key,), f"'{key}' must be a list"))
                    continue
                offset = len(merged[key])
                merged[key].extend(value)
                # the list's own mark only: copying everything under it would put this
                # file's marks on the items of the files before it (same indexes)
                for own, marks in ((positions, pos), (positions.key_marks, pos.key_marks)):
                    if (key,) in marks:
                        own.setdefault((key,), marks[(key,)])
                for i in range(len(value)):
                    pos.merged_into(positions, (key, str(i)), (key, str(offset + i)))
            elif key in valid_keys:
                if key in setting_from:
                    problems.append(
                        pos.problem(
                            (key,),
                            f"'{key}' is already set in {setting_from[key]}; set it in one file",
                            key=True,
                        )
                    )
                    continue
                setting_from[key] = str(file)
                merged[key] = value
                pos.merged_into(positions, (key,), (key,))
            else:
                problems.append(
                    pos.problem(
                        (key,),
                        f"unknown top-level key '{key}'; valid: {', '.join(valid_keys)}",
                        hint=close_match(key, valid_keys),
                        key=True,
                    )
                )
    # list items keep the marks of their own file; the lists' own marks point at the first file
    try:
        centre = validate(CentreConfig, merged, positions)
    except ConfigInvalidError as exc:
        problems.extend(_locate_cross_checks(exc.problems, merged, positions))
        raise ConfigInvalidError(problems) from None
    if problems:
        raise ConfigInvalidError(problems)
    return centre


def _locate_cross_checks(
    problems: list[Problem], merged: dict[str, Any], positions: Positions
) -> list[Problem]:
    """CentreConfig's whole-model checks come back as one message; point each at its item."""
    out: list[Problem] = []
    for p in problems:
        if p.field != "" or ("; " not in p.message and "'" not in p.message):
            out.append(p)
            continue
        for part in p.message.split("; "):
            copies = _copies(part, merged, positions)
            out.extend(copies or [_locate(part, merged, positions)])
    return out


_WHAT_NAMES = {"queue": ("queues", "name"), "seat": ("seats", "id"), "skill": ("skills", "name")}


def _copies(message: str, merged: dict[str, Any], positions: Positions) -> list[Problem]:
    """ "seat 'x' is defined more than once": a problem at each copy, naming the first.

    The editor has to remove or rename a copy, so the copy is where to point; the first
    occurrence is the one that stays.
    """
    noun, _, rest = message.partition(" '")
    ident, _, tail = rest.rpartition("'")
    if tail != " is defined more than once" or noun not in _WHAT_NAMES:
        return []
    key, id_field = _WHAT_NAMES[noun]
    found = [
        (key, str(i), id_field)
        for i, item in enumerate(merged.get(key) or [])
        if isinstance(item, dict) and str(item.get(id_field)) == ident
    ]
    first = positions.locate(found[0]) if found else None
    where = f"{first.file}:{first.line}" if first else "above"
    return [
        positions.problem(
            path,
            f"{noun} '{ident}' is defined again here (first at {where}); "
            f"give each {noun} its own {id_field}, or remove this copy",
        )
        for path in found[1:]
    ]


def _locate(message: str, merged: dict[str, Any], positions: Positions) -> Problem:
    for key, id_field in (("queues", "name"), ("seats", "id"), ("skills", "name")):
        noun = key[:-1]
        for i, item in enumerate(merged.get(key) or []):
            if not isinstance(item, dict):
                continue
            ident = item.get(id_field)
            if ident is not None and f"{noun} '{ident}'" in message:
                field_path: tuple[str, ...] = (key, str(i))
                hint = None
                if "skill '" in message and noun != "skill":
                    skill = message.split("skill '")[1].split("'")[0]
                    names = [
                        s.get("name") for s in merged.get("skills") or [] if isinstance(s, dict)
                    ]
                    hint = close_match(skill, [n for n in names if isinstance(n, str)])
                    sub = "skills" if noun == "seat" else "skill"
                    field_path = (*field_path, sub)
                    if noun == "seat":
                        field_path = (*field_path, skill)
                if "exits to queue" in message:
                    field_path = (*field_path, "exit", "target")
                    target = message.split("exits to queue '")[1].split("'")[0]
                    hint = close_match(target, _names(merged, "queues", "name"))
                return positions.problem(field_path, message, hint=hint)
    if message.startswith("general_queue"):
        target = message.split("'")[1]
        return positions.problem(
            ("general_queue",), message, hint=close_match(target, _names(merged, "queues", "name"))
        )
    return positions.problem((), message)


def _names(merged: dict[str, Any], key: str, field: str) -> list[str]:
    return [
        str(item[field])
        for item in merged.get(key) or []
        if isinstance(item, dict) and field in item
    ]
