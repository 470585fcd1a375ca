"""AsyncAGI on the wire: the command lines the driver sends and how their answers read.

Pure functions, checked against the lab captures:

- ``AsyncAGIStart``'s ``Env`` is URL-encoded ``name: value`` lines
  (panoramisk leaves it encoded); ``AsyncAGIExec``'s ``Result`` is URL-encoded
  too (``200%20result%3D49%20endpos%3D17760%0A``).
- ``STREAM FILE`` (and ``SAY ...``) answer the ASCII code of the key that
  interrupted them (``result=49`` is ``1``) or ``0``; ``GET DATA`` answers
  the digits themselves (``result=12``, ``result= (timeout)``,
  ``result=12 (timeout)``); ``-1`` is a hang-up; ``510``/``520`` an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

ALL_KEYS = "0123456789*#"
_RESULT = re.compile(r"^(?P<code>\d{3})(?:\s+result=(?P<result>\S*))?\s*(?P<rest>.*)$", re.S)


@dataclass(frozen=True, slots=True, kw_only=True)
class AgiResult:
    code: int
    result: str  # the text after "result=", "" when absent
    rest: str  # what follows: "(timeout)", "endpos=17760", "(ANSWER)", an error text

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def hung_up(self) -> bool:
        return self.code == 200 and self.result == "-1"

    def key(self) -> str | None:
        """For STREAM FILE / SAY: the key that interrupted, from its ASCII code."""
        try:
            code = int(self.result)
        except ValueError:
            return None
        return chr(code) if code > 0 else None

    def digits(self) -> str:
        """For GET DATA: the digits entered (empty on a time-out with none)."""
        return self.result if self.result not in ("-1",) else ""


def parse_result(encoded: str) -> AgiResult:
    text = unquote(encoded).strip()
    match = _RESULT.match(text)
    if match is None:
        return AgiResult(code=0, result="", rest=text)
    return AgiResult(
        code=int(match["code"]), result=match["result"] or "", rest=(match["rest"] or "").strip()
    )


def parse_env(encoded: str) -> dict[str, str]:
    """``AsyncAGIStart``'s ``Env`` as a dict (``agi_extension`` -> ``10000``)."""
    env: dict[str, str] = {}
    for line in unquote(encoded).split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            env[name.strip()] = value.strip()
    return env


def quote_arg(value: str) -> str:
    """An AGI argument in double quotes (an empty one must still be passed)."""
    if '"' in value or "\n" in value or "\r" in value:
        msg = f"an AGI argument cannot hold quotes or line breaks: {value[:40]!r}"
        raise ValueError(msg)
    return f'"{value}"'


def stream_file(prompt: str, escape: str) -> str:
    return f"STREAM FILE {prompt} {quote_arg(escape)}"


def get_data(prompt: str, timeout_s: float, max_digits: int) -> str:
    return f"GET DATA {prompt} {int(timeout_s * 1000)} {max_digits}"


def say(kind: str, value: str, escape: str) -> str:
    verb = "SAY DIGITS" if kind == "digits" else "SAY NUMBER"
    if kind == "amount":
        value = value.split(".", 1)[0] or "0"
    if not value.isdigit():
        msg = f"cannot say {value!r} as {kind}: only digits"
        raise ValueError(msg)
    return f"{verb} {value} {quote_arg(escape)}"


def set_variable(name: str, value: str) -> str:
    if not re.fullmatch(r"_{0,2}[A-Za-z0-9_]+", name):
        msg = f"not a channel variable name: {name!r}"
        raise ValueError(msg)
    return f"SET VARIABLE {name} {quote_arg(value)}"


def set_music(on: bool, music_class: str = "default") -> str:
    return f"SET MUSIC {'on' if on else 'off'} {music_class}"


def record_file(path: str, max_s: float) -> str:
    return f'RECORD FILE {path} wav "#" {int(max_s * 1000)} BEEP'


def set_language(language: str) -> str:
    if not language.replace("_", "").isalnum():
        msg = f"not a language code: {language!r}"
        raise ValueError(msg)
    return f'EXEC Set "CHANNEL(language)={language}"'
