"""YAML with source positions, and validation errors a person can act on.

Every YAML file of the project (flows, ``skills/``, the simulator's traffic,
the engine's config) goes through this module::

    data, positions = load_yaml(path)            # ConfigSyntaxError on bad YAML
    model = validate(MyModel, data, positions)   # ConfigInvalidError with every Problem

``positions`` maps a path of keys and list indexes, e.g. ``("nodes",
"main_menu", "choices", "3")``, to the :class:`Mark` (file, line, column,
1-based) where that value starts in the file. A duplicated key in a mapping
is a problem too (PyYAML would silently keep the last one). Every document is
held to the limits of :mod:`ivr.yamlguard` (size, depth, aliases, values)
before it is walked or built.

Pydantic's error ``loc`` paths are turned into :class:`ivr.errors.Problem`
objects located with ``positions``; a misspelt field or tag gets a close-match
hint from :mod:`difflib`.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ivr.errors import ConfigInvalidError, ConfigSyntaxError, Problem
from ivr.secret import mask_data
from ivr.yamlguard import (
    LIMITS,
    LimitedLoader,
    YamlLimits,
    read_yaml_text,
    too_big,
    unacceptable_character,
)

PathKey = tuple[str, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Mark:
    file: str
    line: int
    column: int


class Positions(dict[PathKey, Mark]):
    """Where each value of a loaded document starts: ``{path: Mark}``.

    ``keys_at`` holds the marks of mapping keys themselves (for "unknown field"
    problems, which point at the key).
    """

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file
        self.key_marks: dict[PathKey, Mark] = {}

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Mark | None:
        """The mark of ``path``, or of its nearest ancestor that has one."""
        p = tuple(str(x) for x in path)
        if key and p in self.key_marks:
            return self.key_marks[p]
        while True:
            if p in self:
                return self[p]
            if not p:
                return None
            p = p[:-1]

    def problem(
        self, path: Sequence[str | int], message: str, *, hint: str | None = None, key: bool = False
    ) -> Problem:
        """A Problem at ``path`` in this file."""
        mark = self.locate(path, key=key)
        return Problem(
            file=mark.file if mark else self.file,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            field=".".join(str(x) for x in path),
            message=message,
            hint=hint,
        )

    def merged_into(self, other: Positions, prefix: PathKey = (), remap: PathKey = ()) -> None:
        """Copy marks under ``prefix`` into ``other``, with ``prefix`` replaced by ``remap``."""
        n = len(prefix)
        for src, dst in ((self, other), (self.key_marks, other.key_marks)):
            for path, mark in src.items():
                if path[:n] == prefix:
                    dst[remap + path[n:]] = mark


def close_match(word: object, choices: Iterable[str]) -> str | None:
    """``"did you mean 'x'?"`` for a misspelt id or field, or None."""
    if not isinstance(word, str):
        return None
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{found[0]}'?" if found else None


class _Loader(LimitedLoader):
    """A safe loader that records where each value starts and refuses duplicate keys.

    Dates stay text (``2026-10-01``): each model parses what it needs.
    """

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML reads this class attribute)
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str, file: str, limits: YamlLimits) -> None:
        super().__init__(stream, file, limits)
        self.positions = Positions(file)
        self.duplicates: list[Problem] = []

    def _mark(self, node: yaml.Node) -> Mark:
        return Mark(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def walk(self, node: yaml.Node, path: PathKey) -> None:
        self.positions[path] = self._mark(node)
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    self.duplicates.append(
                        Problem(
                            file=self.file,
                            line=key_node.start_mark.line + 1,
                            column=key_node.start_mark.column + 1,
                            field=".".join((*path, key)),
                            message=f"'{key}' appears twice in this mapping "
                            f"(first on line {seen[key]}); keep one",
                        )
                    )
                else:
                    seen[key] = key_node.start_mark.line + 1
                self.positions.key_marks[(*path, key)] = self._mark(key_node)
                self.walk(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, (*path, str(i)))


def _stringify_keys(value: Any) -> Any:
    """YAML reads ``1:`` as an int key; every key in our files is a name or a digit string."""
    if isinstance(value, dict):
        return {str(k): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    return value


def parse_yaml(text: str, file: str, limits: YamlLimits = LIMITS) -> tuple[Any, Positions]:
    """Parse ``text`` (named ``file`` in messages). Raises ConfigSyntaxError / ConfigInvalidError.

    A document past ``limits`` is a ConfigTooLargeError, raised before it is walked or built.
    """
    if len(text) * 4 > limits.max_bytes and len(text.encode("utf-8")) > limits.max_bytes:
        raise too_big(file, len(text.encode("utf-8")), limits)
    try:
        loader = _Loader(text, file, limits)
    except yaml.reader.ReaderError as exc:
        raise unacceptable_character(exc, text, file) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, loader.positions
        loader.check_expansion(node)
        loader.walk(node, ())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file) from exc
    except yaml.reader.ReaderError as exc:
        raise unacceptable_character(exc, text, file) from None
    except yaml.YAMLError as exc:
        msg = f"{file}: not valid YAML ({exc}); fix the syntax"
        raise ConfigSyntaxError(msg, file=file, line=None, column=None) from exc
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ConfigInvalidError(loader.duplicates)
    return _stringify_keys(data), loader.positions


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> ConfigSyntaxError:
    """PyYAML's complaint, located where the mistake is rather than where PyYAML gave up."""
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or "not valid YAML"
    fix = "fix the YAML syntax there (indentation, quotes, a missing ':')"
    quote = _unclosed_quote(exc, text)
    if quote is not None:
        # the scanner reads on to the end of the file or to the next quote, lines later
        mark, what = quote
        fix = f"close the quote on line {mark.line + 1}"
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    where = f"{file}:{line}:{column}" if line else file
    return ConfigSyntaxError(f"{where}: {what}; {fix}", file=file, line=line, column=column)


# a quoted value that swallowed the next line's key: a newline, an indent, a key and a colon
_SWALLOWED_KEY = re.compile(r"\n[ \t]*-?[ \t]*[A-Za-z0-9_\"'-]+:(\s|$)")


def _unclosed_quote(exc: yaml.MarkedYAMLError, text: str) -> tuple[Any, str] | None:
    """The mark of a quote left open and what became of it, or None."""
    if (
        exc.context == "while scanning a quoted scalar"
        and exc.context_mark is not None
        and str(exc.problem).startswith("found unexpected")  # the end of the file, or '---'
    ):
        return exc.context_mark, "the quote opened here is never closed"
    if exc.problem_mark is None:
        return None
    found = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= exc.problem_mark.index:
                break
            start, end = token.start_mark, token.end_mark
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ("'", '"')
                and end.line > start.line
                and _SWALLOWED_KEY.search(text, start.index, end.index)
            ):
                found = (
                    start,
                    (
                        "the quote opened here is not closed on its line, so every line up "
                        f"to line {end.line + 1} was read as one quoted value"
                    ),
                )
    except yaml.YAMLError:
        pass  # the tokens up to the scanner's own error are the ones that count
    return found


def load_yaml(path: str | Path) -> tuple[Any, Positions]:
    """Read and parse a YAML file, keeping the position of every key and value."""
    return parse_yaml(read_yaml_text(path), str(path))


def syntax_problem(exc: ConfigSyntaxError) -> Problem:
    """A syntax error as one Problem, for reports that list every file's problems together."""
    return Problem(
        file=str(exc.details.get("file", "")),
        line=exc.details.get("line"),
        column=exc.details.get("column"),
        field="",
        message=exc.message.split(": ", 1)[-1],
    )


def _show(value: Any) -> str:
    # a URL's password or a value under a key like `secret` never reaches a message
    text = repr(mask_data(value))
    return text if len(text) <= 60 else text[:57] + "..."


def _field_names(model_cls: type[BaseModel], raw_loc: Sequence[str | int]) -> list[str]:
    """The field names (aliases first) valid where the last part of ``raw_loc`` was found."""
    model = _resolve(model_cls, list(raw_loc[:-1]))
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _resolve(ann: Any, parts: list[str | int]) -> type[BaseModel] | None:
    """Follow a pydantic loc through fields, containers and tagged unions to a model."""
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        return _resolve(args[0], parts)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        if not parts:
            return ann
        name = str(parts[0])
        field = ann.model_fields.get(name) or next(
            (f for f in ann.model_fields.values() if f.alias == name), None
        )
        return None if field is None else _resolve(field.annotation, parts[1:])
    if origin in (list, tuple, set, frozenset, dict):
        if not parts:
            return None
        inner = args[-1] if origin is dict else args[0] if args else None
        return _resolve(inner, parts[1:])
    if origin in (typing.Union, types.UnionType):
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if parts:
            for m in models:
                tag = m.model_fields.get("type")
                if tag is not None and str(parts[0]) in typing.get_args(tag.annotation):
                    return _resolve(m, parts[1:])
        for a in args:
            found = _resolve(a, parts)
            if found is not None:
                return found
    return None


def problems_from(
    exc: ValidationError,
    positions: Positions,
    *,
    model_cls: type[BaseModel] | None = None,
    rewrite: Callable[[list[str]], list[str]] | None = None,
    prefix: PathKey = (),
) -> list[Problem]:
    """Turn pydantic's errors into located Problems.

    ``rewrite`` removes loc parts that are not keys of the file (the tags of a
    discriminated union, e.g. a node's ``type``, which pydantic inserts).
    """
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = [str(x) for x in err["loc"] if not str(x).startswith("function-")]
        loc = [x for x in loc if x != "[key]"]
        if rewrite is not None:
            loc = rewrite(loc)
        path = [*prefix, *loc]
        kind = err["type"]
        found = err.get("input")
        hint: str | None = None
        if kind == "extra_forbidden":
            names = _field_names(model_cls, err["loc"]) if model_cls else []
            message = f"unknown field '{loc[-1]}'"
            if names:
                message += f"; valid fields here: {', '.join(sorted(names))}"
            hint = close_match(loc[-1], names)
            problems.append(positions.problem(path, message, hint=hint, key=True))
            continue
        if kind == "missing":
            message = f"'{loc[-1]}' is required here and missing; add it"
        elif kind == "union_tag_invalid":
            ctx = err.get("ctx", {})
            expected = str(ctx.get("expected_tags", ""))
            tags = [t.strip().strip("'") for t in expected.split(",")]
            message = f"found {ctx.get('tag')!r}; valid: {expected}"
            hint = close_match(ctx.get("tag"), tags)
            path = [*path, str(ctx.get("discriminator", "type")).strip("'")]
        elif kind == "union_tag_not_found":
            ctx = err.get("ctx", {})
            message = f"needs a '{str(ctx.get('discriminator', 'type')).strip(chr(39))}' field"
        elif kind in ("literal_error", "enum"):
            expected = str(err.get("ctx", {}).get("expected", ""))
            choices = [t.strip().strip("'") for t in expected.replace(" or ", ",").split(",")]
            message = f"found {_show(found)}; valid: {expected}"
            hint = close_match(found, choices)
        else:
            text = err["msg"]
            if text.startswith("Value error, "):
                text = text[len("Value error, ") :]
            message = text if kind == "value_error" else f"{text}; found {_show(found)}"
        problems.append(positions.problem(path, message, hint=hint))
    return problems


def validate(
    model_cls: type[M],
    data: Any,
    positions: Positions,
    file: str | None = None,
    *,
    rewrite: Callable[[list[str]], list[str]] | None = None,
) -> M:
    """Validate ``data`` into ``model_cls``, or raise ConfigInvalidError with every problem."""
    if file is not None and not positions:
        positions.file = file
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise ConfigInvalidError(
            problems_from(exc, positions, model_cls=model_cls, rewrite=rewrite)
        ) from None
