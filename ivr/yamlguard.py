"""The limits a YAML file must keep, checked before anything walks or builds it.

YAML aliases let a few hundred bytes stand for billions of values
(``a: &a [x, x]``, ``b: &b [*a, *a]``, ...): PyYAML shares the aliased node, but
everything that walks the document afterwards (the position recorder, the key
normaliser, pydantic) visits it once per path. And a document nested a few
hundred levels deep overflows the recursive composer. So every YAML file of
``ivr`` is held to:

=================  =========  =================================================
limit              value      checked
=================  =========  =================================================
size               1 MiB      before the file is read whole
nesting depth      64         while composing, before the next level recurses
aliases (``*x``)   100        while composing
values             200,000    after composing, counted with every alias expanded
=================  =========  =================================================

The bundled files are a few kilobytes, at most six levels deep, with no alias; a
centre of thousands of seats is a few hundred kilobytes. Going past a limit is
a :class:`~ivr.errors.ConfigTooLargeError` that names the file, the line, the
limit and what to do. An alias that refers to the value holding it (``&a [*a]``)
is refused too: it would expand forever.

Reading a file's text is here as well (:func:`read_yaml_text`): bytes that are
not UTF-8 are a located :class:`~ivr.errors.ConfigSyntaxError` ("save the file
as UTF-8"), never a ``UnicodeDecodeError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ivr.errors import ConfigSyntaxError, ConfigTooLargeError


@dataclass(frozen=True, slots=True)
class YamlLimits:
    max_bytes: int = 1024 * 1024
    max_depth: int = 64
    max_aliases: int = 100
    max_values: int = 200_000


LIMITS = YamlLimits()


def _where(file: str, line: int | None, column: int | None) -> str:
    if line is None:
        return file
    return f"{file}:{line}:{column}" if column is not None else f"{file}:{line}"


def _refuse(
    file: str, line: int | None, column: int | None, what: str, limit: str, fix: str
) -> ConfigTooLargeError:
    msg = f"{_where(file, line, column)}: {what} (the limit is {limit}); {fix}"
    return ConfigTooLargeError(msg, file=file, line=line, column=column, limit=limit)


def too_big(file: str, size: int, limits: YamlLimits = LIMITS) -> ConfigTooLargeError:
    return _refuse(
        file,
        None,
        None,
        f"the file is {size:,} bytes",
        f"{limits.max_bytes:,} bytes",
        "no flow, skills or configuration file needs so much: split it into several files "
        "(sub-flows, one skills file per team)",
    )


def _line_and_column(data: bytes | str, offset: int) -> tuple[int, int]:
    newline: Any = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(newline, 0, offset) + 1
    return line, offset - (data.rfind(newline, 0, offset) + 1) + 1


def decode_utf8(data: bytes, file: str) -> str:
    """The text of a file's bytes, or a ConfigSyntaxError at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_and_column(data, exc.start)
        where = _where(file, line, column)
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            what = "the file is UTF-16 text"
        else:
            what = (
                f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8 "
                "(the file was saved in another encoding, e.g. Latin-1, Windows-1252 or GBK)"
            )
        msg = f"{where}: {what}; save the file as UTF-8"
        raise ConfigSyntaxError(
            msg, file=file, line=line, column=column, offset=exc.start
        ) from None


def read_yaml_text(path: str | Path, limits: YamlLimits = LIMITS) -> str:
    """A YAML file's text: refused before reading if too big, located if not UTF-8."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(limits.max_bytes + 1)
    except OSError as exc:
        msg = f"{p}: cannot read the file ({exc.strerror}); check the path"
        raise ConfigSyntaxError(msg, file=str(p), line=None, column=None) from exc
    if len(data) > limits.max_bytes:
        raise too_big(str(p), max(len(data), p.stat().st_size), limits)
    return decode_utf8(data, str(p))


def unacceptable_character(exc: yaml.reader.ReaderError, text: str, file: str) -> ConfigSyntaxError:
    """PyYAML's complaint about a control character (a NUL, an escape), located."""
    line, column = _line_and_column(text, exc.position)
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    msg = (
        f"{_where(file, line, column)}: the control character U+{code:04X} is not allowed "
        "in YAML; delete it (it often comes from pasting, or from a binary file saved "
        "with a .yaml name)"
    )
    return ConfigSyntaxError(msg, file=file, line=line, column=column)


class LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a document past ``limits`` before it is built."""

    def __init__(self, stream: str, file: str, limits: YamlLimits = LIMITS) -> None:
        super().__init__(stream)
        self.file = file
        self.limits = limits
        self.depth = 0
        self.open_anchors: list[str] = []  # anchors of the collections being composed
        self.aliases: list[tuple[Any, str, yaml.Node]] = []  # (mark, anchor, node)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            alias: Any = self.peek_event()
            self._check_alias(alias)
            node = super().compose_node(parent, index)
            assert node is not None  # an alias always names a node
            self.aliases.append((alias.start_mark, alias.anchor, node))
            return node
        event: Any = self.peek_event()
        if isinstance(event, yaml.CollectionStartEvent):
            if self.depth >= self.limits.max_depth:
                raise self._refused_at(
                    event.start_mark,
                    f"values are nested more than {self.limits.max_depth} levels deep here",
                    f"{self.limits.max_depth} levels",
                    "no file of ivr needs more than a few: look for brackets that are "
                    "never closed or indentation that runs away",
                )
            self.depth += 1
            self.open_anchors.append(event.anchor or "")
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
                self.open_anchors.pop()
        return super().compose_node(parent, index)

    def _check_alias(self, event: Any) -> None:
        if len(self.aliases) >= self.limits.max_aliases:
            raise self._refused_at(
                event.start_mark,
                f"more than {self.limits.max_aliases} aliases (*name) in one file",
                f"{self.limits.max_aliases} aliases",
                "write the values out instead of repeating them with & and *",
            )
        if event.anchor in self.open_anchors:
            line, column = event.start_mark.line + 1, event.start_mark.column + 1
            msg = (
                f"{_where(self.file, line, column)}: the alias "
                f"*{event.anchor} is inside the value &{event.anchor} it refers to, "
                "so it would repeat forever; refer to it from outside that value"
            )
            raise ConfigSyntaxError(msg, file=self.file, line=line, column=column)

    def _refused_at(self, mark: Any, what: str, limit: str, fix: str) -> ConfigTooLargeError:
        return _refuse(self.file, mark.line + 1, mark.column + 1, what, limit, fix)

    def check_expansion(self, root: yaml.Node) -> None:
        """Refuse a document that holds more than ``max_values`` values with its aliases expanded."""
        sizes = expanded_sizes(root, self.limits.max_values)
        if sizes[id(root)] <= self.limits.max_values:
            return
        limit = f"{self.limits.max_values:,} values"
        if not self.aliases:
            raise _refuse(
                self.file,
                None,
                None,
                f"the file holds more than {self.limits.max_values:,} values",
                limit,
                "split it into several files",
            )
        mark, anchor, _ = max(self.aliases, key=lambda a: sizes[id(a[2])])
        raise self._refused_at(
            mark,
            f"the aliases of this file (*{anchor} here, and the aliases it repeats) "
            f"stand for more than {self.limits.max_values:,} values",
            limit,
            "write the repeated values out where they are needed, without & and *",
        )


def expanded_sizes(root: yaml.Node, cap: int) -> dict[int, int]:
    """``{id(node): values under it, itself included}``, each aliased node counted per use.

    Iterative and memoised, so a node shared a million times costs one visit;
    sizes stop growing at ``cap + 1``. The composer has already refused cycles.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            total = 1 + sum(sizes[id(c)] for c in children)
            sizes[id(node)] = min(total, cap + 1)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
