"""The engine's one configuration file (``ivr.yaml``), with every value overridable from the environment.

::

    flows: flows/                 # the flow files
    skills: skills/               # skills, queues and seats
    ami:      {host, port, username, secret, ...}      # ivr.ami.settings.AmiSettings
    live:     {entry_context, seat_context, ...}       # ivr.live.settings.LiveSettings
    database: {database_url, data_dir, ...}            # ivr.storage.settings.StorageSettings
    http:     {host: 127.0.0.1, port: 8080}
    tokens:   [{name, role: supervisor|seat|wallboard, token, seat_id}]
    log:      {level: info, json: null}
    audit_log: audit.jsonl
    shutdown: {drain_s: 60, flush_s: 10}

An environment variable ``IVR_<SECTION>__<FIELD>`` (``__`` between levels, any
case) replaces the value at that path before validation: ``IVR_AMI__HOST``,
``IVR_HTTP__PORT``, ``IVR_TOKENS__0__TOKEN``. A value that starts with ``[`` or
``{`` is read as JSON. A problem in an overridden value is reported against
the variable, not the file; a problem of a whole item (``tokens.0``) that the
file does not hold, against the variables that built it. No problem quotes a
secret: the value of a secret field is left out, and elsewhere a URL's password
and any value under a secret key are masked. This is the only spelling: ``__`` nests without
ambiguity where field names hold ``_`` themselves (``IVR_AMI__BACKOFF_MAX_S``).
A variable in the older one-underscore form (``IVR_AMI_HOST``,
``IVR_DATABASE_URL``) is refused with the right name, never silently ignored
beside its twin.

Relative paths in the file are taken from the file's folder, so a unit file
can start the engine from any working directory.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ivr.ami.settings import AmiSettings
from ivr.api.settings import HttpSettings, TokenSettings
from ivr.errors import ConfigInvalidError, Problem
from ivr.live.settings import LiveSettings
from ivr.secret import is_sensitive_key
from ivr.storage.settings import StorageSettings
from ivr.yamlsrc import Positions, load_yaml, problems_from

ENV_PREFIX = "IVR_"
ENV_SEPARATOR = "__"
RENAMED_VARIABLES = {
    # The records commands' and `ivr serve`'s options once read these; the settings' own
    # names say the same since the configuration file came.
    "IVR_DATABASE_URL": "IVR_DATABASE__DATABASE_URL",
    "IVR_DATA_DIR": "IVR_DATABASE__DATA_DIR",
}


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LogSettings(_Section):
    level: str = Field("info", pattern=r"^(?i:debug|info|warning|error)$")
    json_lines: bool | None = Field(None, alias="json")  # None: JSON unless in a terminal


class ShutdownSettings(_Section):
    drain_s: float = Field(60.0, ge=0)  # how long calls in menus may take to reach a queue
    flush_s: float = Field(10.0, ge=0)  # how long the records may take to be written


class Settings(_Section):
    flows: Path = Path("flows")
    skills: Path = Path("skills")
    ami: AmiSettings = AmiSettings()
    live: LiveSettings = LiveSettings()
    database: StorageSettings = StorageSettings()
    http: HttpSettings = HttpSettings()
    tokens: tuple[TokenSettings, ...] = ()
    log: LogSettings = LogSettings()
    audit_log: Path | None = Path("audit.jsonl")
    shutdown: ShutdownSettings = ShutdownSettings()
    timezone: str | None = (
        None  # where "today" and the 15-minute intervals are counted; None: local
    )

    @model_validator(mode="after")
    def _tokens_unique(self) -> Settings:
        seen: dict[str, str] = {}
        for t in self.tokens:
            value = t.token.get_secret_value()
            if value in seen:
                msg = (
                    f"tokens '{seen[value]}' and '{t.name}' have the same value; give each its own"
                )
                raise ValueError(msg)
            seen[value] = t.name
        return self

    def resolved(self, base: Path) -> Settings:
        """Relative paths made absolute from ``base`` (the config file's folder)."""

        def fix(p: Path) -> Path:
            return p if p.is_absolute() else (base / p)

        db = self.database
        database = db.model_copy(
            update={
                "data_dir": fix(db.data_dir),
                "spill_path": fix(db.spill_path) if db.spill_path else None,
            }
        )
        return self.model_copy(
            update={
                "flows": fix(self.flows),
                "skills": fix(self.skills),
                "audit_log": fix(self.audit_log) if self.audit_log else None,
                "database": database,
            }
        )


def env_overrides(environ: Mapping[str, str]) -> dict[tuple[str, ...], tuple[str, Any]]:
    """``{path: (variable, value)}`` for every ``IVR_A__B`` variable."""
    found: dict[tuple[str, ...], tuple[str, Any]] = {}
    for name, raw in environ.items():
        if not name.upper().startswith(ENV_PREFIX) or (
            ENV_SEPARATOR not in name and name.count("_") < 1
        ):
            continue
        rest = name[len(ENV_PREFIX) :]
        if not rest:
            continue
        path = tuple(part.lower() for part in rest.split(ENV_SEPARATOR))
        if any(not part for part in path) or path[0] not in Settings.model_fields:
            continue
        value: Any = raw
        if raw.lstrip().startswith(("[", "{")):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                value = raw
        found[path] = (name, value)
    return found


def misspelt_variables(environ: Mapping[str, str]) -> list[Problem]:
    """A problem for each ``IVR_SECTION_FIELD`` (one ``_``) that means a setting: name the right one."""
    problems: list[Problem] = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or ENV_SEPARATOR in upper:
            continue
        rest = upper[len(ENV_PREFIX) :]
        if rest.lower() in Settings.model_fields:
            continue  # a top-level value: IVR_FLOWS, IVR_AUDIT_LOG
        right = RENAMED_VARIABLES.get(upper)
        if right is None:
            section = next(
                (
                    f
                    for f in Settings.model_fields
                    if rest.lower().startswith(f + "_") and _model_of(Settings, f) is not None
                ),
                None,
            )
            if section is None:
                continue  # not a setting (IVR_CONFIG, IVR_TEST_PG_URL)
            model = _model_of(Settings, section)
            assert model is not None
            words = rest[len(section) + 1 :].lower().split("_")
            path = _field_path(model, words)
            right = (
                ENV_PREFIX + ENV_SEPARATOR.join([section, *path]).upper()
                if path is not None
                else None
            )
        problems.append(
            Problem(
                file=f"environment variable {name}",
                line=None,
                column=None,
                field="",
                message="ivr does not read this spelling: its variables are IVR_<SECTION>__<FIELD>, `__` between levels",
                hint=f"write {right}" if right else "see docs/ivr.example.yaml for the fields",
            )
        )
    return problems


def _model_of(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The settings model under ``model.name``: a section, or the items of a list of them."""
    annotation = model.model_fields[name].annotation
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _field_path(model: type[BaseModel], words: list[str]) -> list[str] | None:
    """``["backoff", "max", "s"]`` -> ``["backoff_max_s"]``: the words as nested keys, or None."""
    if words and words[0].isdigit():  # an item of a list section: tokens 0 token
        inner = _field_path(model, words[1:])
        return None if inner is None else [words[0], *inner]
    keys = {info.alias or name: name for name, info in model.model_fields.items()}
    for n in range(len(words), 0, -1):
        key = "_".join(words[:n])
        if key not in keys:
            continue
        if n == len(words):
            return [key]
        inner_model = _model_of(model, keys[key])
        inner = _field_path(inner_model, words[n:]) if inner_model is not None else None
        if inner is not None:
            return [key, *inner]
    return None


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node: Any = data
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, list) and part.isdigit():
            index = int(part)
            while len(node) <= index:
                node.append({})
            if last:
                node[index] = value
            else:
                if not isinstance(node[index], dict | list):
                    node[index] = {}
                node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict | list):
                    child = [] if path[i + 1].isdigit() else {}
                    node[part] = child
                node = child
        else:
            return


def _is_secret_path(path: tuple[str, ...]) -> bool:
    return any(is_sensitive_key(part) or part.endswith("url") for part in path)


def _variables_behind(
    path: tuple[str, ...],
    overrides: Mapping[tuple[str, ...], tuple[str, Any]],
    positions: Positions,
) -> tuple[list[str], bool]:
    """The variables that set ``path`` or values under it, and whether they alone wrote it.

    A problem of a whole item (``tokens.0``: a token too short, a seat token
    without its seat) is about the values under it: when the file does not hold
    the item, the variables that built it are where to look.
    """
    for opath, (var, _) in overrides.items():
        if path[: len(opath)] == opath:
            return [var], True
    beneath = sorted(var for opath, (var, _) in overrides.items() if opath[: len(path)] == path)
    return beneath, bool(beneath) and path not in positions


def _located(
    problems: list[Problem],
    overrides: Mapping[tuple[str, ...], tuple[str, Any]],
    positions: Positions,
) -> list[Problem]:
    """Point problems of overridden values at their variable; never quote a secret value."""
    out: list[Problem] = []
    for p in problems:
        path = tuple(p.field.split(".")) if p.field else ()
        message = p.message
        if _is_secret_path(path) and "; found " in message:
            message = message.split("; found ")[0]
        variables, only_from_environment = _variables_behind(path, overrides, positions)
        if only_from_environment:
            noun = "environment variable" if len(variables) == 1 else "environment variables"
            file, line, column = f"{noun} {', '.join(variables)}", None, None
        else:
            file, line, column = p.file, p.line, p.column
            if variables:
                message += f" (with {', '.join(variables)} from the environment)"
        out.append(
            Problem(
                file=file, line=line, column=column, field=p.field, message=message, hint=p.hint
            )
        )
    return out


def settings_from(
    data: Any,
    positions: Positions,
    environ: Mapping[str, str],
    base: Path,
) -> Settings:
    """Validate a parsed document with the environment's overrides applied."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigInvalidError(
            [positions.problem((), "the configuration must be a mapping of sections")]
        )
    misspelt = misspelt_variables(environ)
    if misspelt:
        raise ConfigInvalidError(misspelt)
    overrides = env_overrides(environ)
    for path, (_, value) in sorted(overrides.items()):
        _put(data, path, value)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(exc, positions, model_cls=Settings)
        raise ConfigInvalidError(_located(problems, overrides, positions)) from None
    return settings.resolved(base)


def load_settings(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``ivr.yaml``; raises ConfigSyntaxError or ConfigInvalidError with every problem."""
    import os

    p = Path(path)
    data, positions = load_yaml(p)
    env = os.environ if environ is None else environ
    return settings_from(data, positions, env, p.resolve().parent)


def settings_from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """The defaults with the ``IVR_*__*`` overrides, for a start without a configuration file."""
    import os

    env = os.environ if environ is None else environ
    return settings_from({}, Positions("(no configuration file)"), env, Path.cwd())
