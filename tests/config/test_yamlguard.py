"""Every YAML file is held to limits of size, depth, aliases and values, and read as UTF-8.

A refusal names the file, the line, the limit and what to do; it never expands
the document first, and never ends in a RecursionError or UnicodeDecodeError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ivr.cli.settings import load_settings
from ivr.config.flow_files import read_flow_set
from ivr.config.skills import load_centre
from ivr.errors import ConfigError, ConfigSyntaxError, ConfigTooLargeError
from ivr.yamlguard import YamlLimits, read_yaml_text
from ivr.yamlsrc import load_yaml, parse_yaml
from sim.traffic import load_traffic


def laughs(levels: int, width: int = 9) -> str:
    """The billion laughs: each level an anchored list of ``width`` aliases of the level below."""
    lines = [f"x0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_the_billion_laughs_is_refused_at_an_alias_not_expanded() -> None:
    text = laughs(9)  # about 500 bytes for 387 million values
    assert len(text) < 600
    with pytest.raises(ConfigTooLargeError) as caught:
        parse_yaml(text, "x.yaml")
    err = caught.value
    assert err.error_id == "config-too-large"
    assert err.details["line"] == 7  # x6 repeats *a5, 531,441 values, nine times
    assert "*a5" in err.message
    assert "200,000 values" in err.message
    assert "without & and *" in err.message


def test_a_few_aliases_within_the_limits_still_load() -> None:
    data, positions = parse_yaml(laughs(3), "x.yaml")
    assert data["x2"][8] == [["lol"] * 9] * 9
    assert positions[("x2", "8", "8")].line == 1  # an aliased value is located at its anchor


def test_more_aliases_than_the_limit_are_refused() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    with pytest.raises(ConfigTooLargeError, match=r"x.yaml:2:\d+: more than 100 aliases"):
        parse_yaml(text, "x.yaml")


def test_an_alias_inside_the_value_it_names_is_refused() -> None:
    with pytest.raises(ConfigSyntaxError, match=r"x.yaml:2:6: the alias \*n is inside"):
        parse_yaml("top: &n\n  a: *n\n", "x.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 500 + "]" * 500 + "\n",
        "".join("  " * i + f"k{i}:\n" for i in range(500)) + "  " * 500 + "v\n",
    ],
    ids=["flow-style", "block-style"],
)
def test_yaml_nested_500_deep_is_refused_without_recursion_error(text: str) -> None:
    with pytest.raises(ConfigTooLargeError, match=r"nested more than 64 levels deep") as caught:
        parse_yaml(text, "x.yaml")
    assert caught.value.details["line"] is not None


def test_nesting_up_to_the_limit_loads() -> None:
    data, _ = parse_yaml("[" * 64 + "]" * 64, "x.yaml")
    assert isinstance(data, list)


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 100)
    with pytest.raises(ConfigTooLargeError, match=r"big.yaml: the file is 500 bytes"):
        read_yaml_text(big, YamlLimits(max_bytes=100))
    with pytest.raises(ConfigTooLargeError, match=r"1,048,576 bytes"):
        parse_yaml("#" * (1024 * 1024 + 1), "x.yaml")


def test_a_document_past_the_value_limit_without_aliases_is_refused() -> None:
    with pytest.raises(ConfigTooLargeError, match=r"more than 10 values"):
        parse_yaml("[" + ", ".join(["1"] * 20) + "]", "x.yaml", YamlLimits(max_values=10))


@pytest.mark.parametrize(
    ("raw", "where", "words"),
    [
        ("a: caf\u00e9\n".encode("latin-1"), "x.yaml:1:7", "byte 0xe9 at offset 6 is not UTF-8"),
        ("a: 1\nb: \u6d4b\u8bd5\n".encode("gbk"), "x.yaml:2:4", "byte 0xb2 at offset 8"),
        ("a: 1\n".encode("utf-16"), "x.yaml:1:1", "the file is UTF-16 text"),
    ],
    ids=["latin-1", "gbk", "utf-16"],
)
def test_a_file_not_in_utf8_names_the_byte_and_says_save_as_utf8(
    tmp_path: Path, raw: bytes, where: str, words: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(raw)
    with pytest.raises(ConfigSyntaxError) as caught:
        load_yaml(path)
    message = caught.value.message
    assert message.startswith(f"{tmp_path / where}: ")
    assert words in message
    assert message.endswith("save the file as UTF-8")


def test_a_control_character_is_located_not_a_reader_traceback() -> None:
    with pytest.raises(ConfigSyntaxError, match=r"x.yaml:2:7: the control character U\+0000"):
        parse_yaml("a: 1\nb: 'ab\x00c'\n", "x.yaml")


def _flows(d: Path) -> Any:
    fs, problems = read_flow_set(d)
    if problems:
        raise ConfigError(str(problems[0]))
    return fs


# every way the engine reads YAML: a flow, calendars.yaml, prompts.yaml, skills, traffic, ivr.yaml
READERS: list[tuple[str, Callable[[Path], Any]]] = [
    ("flow.yaml", _flows),
    ("calendars.yaml", _flows),
    ("prompts.yaml", _flows),
    ("seats.yaml", load_centre),
    ("traffic.yaml", lambda d: load_traffic(d / "traffic.yaml")),
    ("ivr.yaml", lambda d: load_settings(d / "ivr.yaml", environ={})),
]


@pytest.mark.parametrize(("name", "read"), READERS, ids=[r[0] for r in READERS])
@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (laughs(9).encode(), "stand for more than 200,000 values"),
        (("k: " + "[" * 500 + "]" * 500).encode(), "nested more than 64 levels"),
        ("k: t\u00e9l\u00e9phone\n".encode("latin-1"), "save the file as UTF-8"),
    ],
    ids=["aliases", "depth", "latin-1"],
)
def test_every_yaml_the_engine_reads_is_held_to_the_limits(
    tmp_path: Path, name: str, read: Callable[[Path], Any], raw: bytes, words: str
) -> None:
    (tmp_path / name).write_bytes(raw)
    with pytest.raises(ConfigError) as caught:
        read(tmp_path)
    text = str(caught.value)
    assert words in text
    assert re.search(re.escape(str(tmp_path / name)) + r":\d+:\d+: ", text), text
