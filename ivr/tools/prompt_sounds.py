"""Prompts: which sounds a flow can play, whether they exist, and stand-in audio.

Sound names follow Asterisk: ``<sounds dir>/<language>/<name>.<format>``, e.g.
``sounds/en/vm-goodbye.gsm`` (asterisk-core-sounds) or
``sounds/zh/custom/welcome.wav`` (ours, listed with its text in
``prompts.yaml``). :func:`render` makes 8 kHz mono WAV stand-ins with
espeak-ng and sox, so a lab works before the studio delivers.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ivr.errors import ConfigError, Problem
from ivr.flows.node_parts import prompts_of
from ivr.flows.source import FlowSet
from ivr.model.flow import CUSTOM_PREFIX
from ivr.model.skills import CentreConfig

SOUND_FORMATS = ("wav", "gsm", "ulaw", "alaw", "sln", "sln16", "g722", "g729", "wav16")
# espeak-ng voices for the languages our flows offer
VOICES = {"zh": "cmn", "en": "en-us", "yue": "yue"}


@dataclass(frozen=True, slots=True)
class PromptUse:
    prompt: str
    flow: str
    node: str
    field: str
    languages: tuple[str, ...]


def prompt_uses(fs: FlowSet) -> Iterator[PromptUse]:
    for name, src in fs.flows.items():
        for nid, node in src.flow.nodes.items():
            for prompt, path in prompts_of(node):
                yield PromptUse(
                    prompt, name, nid, ".".join(("nodes", nid, *path)), tuple(src.flow.languages)
                )


def centre_prompts(centre: CentreConfig) -> Iterator[str]:
    exits = [centre.alarm.on_level1, centre.alarm.on_level2]
    for q in centre.queues:
        exits += [q.exit, q.alarm.on_level1, q.alarm.on_level2]
    for ex in exits:
        if ex is not None and ex.prompt:
            yield ex.prompt


def sound_exists(sounds: Path, language: str, prompt: str) -> bool:
    base = sounds / language / prompt
    return any(base.with_name(f"{base.name}.{fmt}").is_file() for fmt in SOUND_FORMATS)


def check_sounds(
    fs: FlowSet, sounds: str | Path, centre: CentreConfig | None = None
) -> list[Problem]:
    """Every prompt a flow can play, in every language the flow offers, is in ``sounds``."""
    root = Path(sounds)
    problems: list[Problem] = []
    if not root.is_dir():
        return [
            Problem(
                file=str(root),
                line=None,
                column=None,
                field="",
                message="the sound directory does not exist; give the directory that holds "
                "<language>/<prompt>.<format> files",
            )
        ]
    seen: set[tuple[str, str]] = set()
    for use in prompt_uses(fs):
        for lang in use.languages:
            if (lang, use.prompt) in seen or sound_exists(root, lang, use.prompt):
                continue
            seen.add((lang, use.prompt))
            src = fs.flows[use.flow]
            problems.append(
                src.positions.problem(
                    use.field.split("."),
                    f"prompt '{use.prompt}' has no sound file for language '{lang}' in "
                    f"{root / lang} (looked for {use.prompt}.wav, .gsm, .ulaw, ...)",
                    hint="run `ivr prompts render` for a stand-in"
                    if use.prompt.startswith(CUSTOM_PREFIX)
                    else "install asterisk-core-sounds for that language",
                )
            )
    if centre is not None:
        languages = sorted({lang for src in fs.flows.values() for lang in src.flow.languages})
        for prompt in sorted(set(centre_prompts(centre))):
            for lang in languages:
                if (lang, prompt) not in seen and not sound_exists(root, lang, prompt):
                    seen.add((lang, prompt))
                    problems.append(
                        Problem(
                            file="skills/",
                            line=None,
                            column=None,
                            field="exit.prompt",
                            message=f"prompt '{prompt}' of a queue exit has no sound file for "
                            f"language '{lang}' in {root / lang}",
                        )
                    )
    return problems


class ToolMissingError(ConfigError):
    error_id = "prompts-tool-missing"


def tools() -> dict[str, str | None]:
    return {name: shutil.which(name) for name in ("espeak-ng", "sox")}


def render(
    fs: FlowSet,
    out_dir: str | Path,
    *,
    languages: tuple[str, ...] | None = None,
    force: bool = False,
) -> list[Path]:
    """Speak every custom prompt of ``prompts.yaml`` into ``out_dir/<lang>/<name>.wav`` (8 kHz).

    Raises ToolMissingError naming the Debian packages when espeak-ng or sox is not installed.
    """
    found = tools()
    missing = [name for name, path in found.items() if path is None]
    if missing:
        msg = (
            f"{' and '.join(missing)} not found on PATH; install them with "
            "`apt-get install espeak-ng sox` (Debian/Ubuntu) and run this again"
        )
        raise ToolMissingError(msg, missing=missing)
    if fs.manifest is None:
        msg = f"no prompts.yaml in {fs.directory}; write each custom prompt's text there first"
        raise ConfigError(msg, directory=fs.directory)
    espeak, sox = found["espeak-ng"], found["sox"]
    assert espeak is not None and sox is not None
    root = Path(out_dir)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        for prompt, texts in sorted(fs.manifest.prompts.items()):
            for lang, text in sorted(texts.items()):
                if languages and lang not in languages:
                    continue
                target = root / lang / f"{prompt}.wav"
                if target.exists() and not force:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                voice = VOICES.get(lang, lang)
                _run([espeak, "-v", voice, "-w", str(raw), text])
                _run([sox, str(raw), "-r", "8000", "-c", "1", "-b", "16", str(target)])
                written.append(target)
    return written


def _run(argv: list[str]) -> None:
    try:
        subprocess.run(argv, check=True, capture_output=True, timeout=60)
    except subprocess.CalledProcessError as exc:
        err = exc.stderr.decode(errors="replace").strip()
        msg = f"{Path(argv[0]).name} failed: {err or exc}; check the voice and text"
        raise ConfigError(msg, command=Path(argv[0]).name) from exc
