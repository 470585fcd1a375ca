"""``ivr validate`` (flows and skills, every problem at once) and ``ivr schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ivr.cli.output import Output
from ivr.config.flow_files import read_flow_set
from ivr.config.skills import load_centre
from ivr.errors import ConfigError, ConfigInvalidError, ConfigSyntaxError, Problem
from ivr.flows.checks.validator import check_flow_set
from ivr.flows.source import RESERVED
from ivr.model.flow import Flow
from ivr.model.skills import CentreConfig
from ivr.tools.prompt_sounds import check_sounds
from ivr.yamlguard import read_yaml_text
from ivr.yamlsrc import parse_yaml


def kind_of(directory: Path) -> str:
    """``flows`` or ``skills``: what a directory holds, by its files' top-level keys."""
    for path in sorted(directory.glob("*.y*ml")):
        if path.name in RESERVED:
            return "flows"
        try:
            data, _ = parse_yaml(read_yaml_text(path), str(path))
        except ConfigError:
            continue
        if isinstance(data, dict):
            if "nodes" in data or "flow" in data:
                return "flows"
            if data.keys() & {"skills", "queues", "seats", "general_queue"}:
                return "skills"
    return "flows" if directory.name.startswith("flow") else "skills"


def run_validate(paths: list[Path], sounds: Path | None) -> tuple[list[Problem], list[str]]:
    """Every problem in the given directories, and a summary line per directory."""
    problems: list[Problem] = []
    summary: list[str] = []
    flows_dirs = [p for p in paths if p.is_dir() and kind_of(p) == "flows"]
    skills_dirs = [p for p in paths if p.is_dir() and kind_of(p) == "skills"]
    for p in paths:
        if not p.is_dir():
            problems.append(
                Problem(
                    file=str(p),
                    line=None,
                    column=None,
                    field="",
                    message="not a directory; give the flows/ and skills/ directories",
                )
            )
    centre: CentreConfig | None = None
    for d in skills_dirs:
        try:
            centre = load_centre(d)
            summary.append(
                f"{d}: {len(centre.skills)} skills, {len(centre.queues)} queues, "
                f"{len(centre.seats)} seats"
            )
        except ConfigInvalidError as exc:
            problems.extend(exc.problems)
        except ConfigError as exc:
            problems.append(
                Problem(file=str(d), line=None, column=None, field="", message=exc.message)
            )
    for d in flows_dirs:
        try:
            fs, found = read_flow_set(d)
        except ConfigError as exc:
            problems.append(
                Problem(file=str(d), line=None, column=None, field="", message=exc.message)
            )
            continue
        found += check_flow_set(fs, centre)
        if centre is None:
            summary.append(
                f"{d}: queue names not checked (give a valid skills/ directory to check them)"
            )
        if sounds is not None:
            found += check_sounds(fs, sounds, centre)
        problems.extend(found)
        nodes = sum(len(s.flow.nodes) for s in fs.flows.values())
        dnis = sorted(n for s in fs.flows.values() for n in s.flow.dnis)
        summary.append(
            f"{d}: {len(fs.flows)} flows, {nodes} nodes, DNIS {', '.join(dnis) or 'none'}"
        )
    return problems, summary


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Directories: flows/ and/or skills/ (default: both)."),
    ] = None,
    sounds: Annotated[
        Path | None,
        typer.Option(help="Check every prompt exists here as <language>/<prompt>.<format>."),
    ] = None,
) -> None:
    """Check flows and skills; list every problem and exit 1, or exit 0 when all is well."""
    chosen = paths or [p for p in (Path("flows"), Path("skills")) if p.exists()]
    if not chosen:
        typer.echo("nothing to validate: give the flows/ and skills/ directories", err=True)
        raise typer.Exit(2)
    try:
        problems, summary = run_validate(chosen, sounds)
    except ConfigSyntaxError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    for line in summary:
        typer.echo(line)
    if problems:
        for p in problems:
            typer.echo(str(p), err=True)
        noun = "problem" if len(problems) == 1 else "problems"
        typer.echo(f"{len(problems)} {noun} found; fix them and validate again", err=True)
        raise typer.Exit(1)
    typer.echo("ok")


def schema_of(which: str) -> dict[str, Any]:
    model = CentreConfig if which == "skills" else Flow
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ivr flow" if which == "flows" else "ivr skills"
    return schema


def schema(
    which: Annotated[str, typer.Argument(help="flows or skills")] = "flows",
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Write the JSON Schema of flow files (or skills files), for editors to check as you type."""
    if which not in ("flows", "skills"):
        typer.echo(f"'{which}': choose flows or skills", err=True)
        raise typer.Exit(2)
    text = json.dumps(schema_of(which), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        written = Output(out)
        out.write_text(text, encoding="utf-8")
        typer.echo(written.said(f"wrote {out}"))


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("schema")(schema)
