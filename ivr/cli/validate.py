"""``ivr validate`` (flows, skills and campaigns, every problem at once) and ``ivr schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from ivr.cli.output import Output
from ivr.config.campaigns import read_campaign_set
from ivr.config.flow_files import read_flow_set
from ivr.config.skills import load_centre
from ivr.errors import ConfigError, ConfigInvalidError, ConfigSyntaxError, Problem
from ivr.flows.checks.validator import check_flow_set
from ivr.flows.source import RESERVED, FlowSet
from ivr.model.campaign import Campaign
from ivr.model.contact_policy import ContactPolicy
from ivr.model.flow import Flow
from ivr.model.skills import CentreConfig
from ivr.outbound.checks import check_campaign_set
from ivr.outbound.source import POLICY_FILE
from ivr.tools.prompt_sounds import check_sounds
from ivr.yamlguard import read_yaml_text
from ivr.yamlsrc import parse_yaml

POLICY_KEYS = frozenset(ContactPolicy.model_fields)


def kind_of(directory: Path) -> str:
    """``flows``, ``skills`` or ``campaigns``: what a directory holds, by its files' keys."""
    for path in sorted(directory.glob("*.y*ml")):
        if path.name in RESERVED:
            return "flows"
        try:
            data, _ = parse_yaml(read_yaml_text(path), str(path))
        except ConfigError:
            continue
        if isinstance(data, dict):
            if "campaign" in data or (path.name == POLICY_FILE and data.keys() <= POLICY_KEYS):
                return "campaigns"
            if "nodes" in data or "flow" in data:
                return "flows"
            if data.keys() & {"skills", "queues", "seats", "general_queue"}:
                return "skills"
    for kind in ("flows", "campaigns"):
        if directory.name.startswith(kind[:-1]):
            return kind
    return "skills"


def _whole_dir_problem(d: Path, exc: ConfigError) -> Problem:
    return Problem(file=str(d), line=None, column=None, field="", message=exc.message)


class _Run:
    """One ``ivr validate``: what each directory read, for the checks across them."""

    def __init__(self, sounds: Path | None) -> None:
        self.sounds = sounds
        self.problems: list[Problem] = []
        self.summary: list[str] = []
        self.centre: CentreConfig | None = None
        self.flows: FlowSet | None = None

    def skills(self, d: Path) -> None:
        try:
            self.centre = load_centre(d)
        except ConfigInvalidError as exc:
            self.problems.extend(exc.problems)
            return
        except ConfigError as exc:
            self.problems.append(_whole_dir_problem(d, exc))
            return
        c = self.centre
        self.summary.append(
            f"{d}: {len(c.skills)} skills, {len(c.queues)} queues, {len(c.seats)} seats"
        )

    def flows_dir(self, d: Path) -> None:
        try:
            fs, found = read_flow_set(d)
        except ConfigError as exc:
            self.problems.append(_whole_dir_problem(d, exc))
            return
        self.flows = fs
        found += check_flow_set(fs, self.centre)
        if self.centre is None:
            self.summary.append(
                f"{d}: queue names not checked (give a valid skills/ directory to check them)"
            )
        if self.sounds is not None:
            found += check_sounds(fs, self.sounds, self.centre)
        self.problems.extend(found)
        nodes = sum(len(s.flow.nodes) for s in fs.flows.values())
        dnis = sorted(n for s in fs.flows.values() for n in s.flow.dnis)
        self.summary.append(
            f"{d}: {len(fs.flows)} flows, {nodes} nodes, DNIS {', '.join(dnis) or 'none'}"
        )

    def campaigns(self, d: Path) -> None:
        try:
            cs, found = read_campaign_set(d)
        except ConfigError as exc:
            self.problems.append(_whole_dir_problem(d, exc))
            return
        found += check_campaign_set(cs, self.flows, self.centre)
        self.problems.extend(found)
        if self.flows is None:
            self.summary.append(
                f"{d}: flow names not checked (give the flows/ directory to check them)"
            )
        modes = sorted(f"{n} ({s.campaign.mode.value})" for n, s in cs.campaigns.items())
        noun = "campaign" if len(modes) == 1 else "campaigns"
        self.summary.append(f"{d}: {len(modes)} {noun}: {', '.join(modes) or 'none'}")


def run_validate(paths: list[Path], sounds: Path | None) -> tuple[list[Problem], list[str]]:
    """Every problem in the given directories, and a summary line per directory.

    Skills are read first, then flows (checked against the queues), then
    campaigns (checked against the flows and the queues).
    """
    run = _Run(sounds)
    dirs = [p for p in paths if p.is_dir()]
    for p in paths:
        if not p.is_dir():
            run.problems.append(
                Problem(
                    file=str(p),
                    line=None,
                    column=None,
                    field="",
                    message="not a directory; give the flows/, skills/ and campaigns/ directories",
                )
            )
    kinds = {d: kind_of(d) for d in dirs}
    for kind, read in (
        ("skills", run.skills),
        ("flows", run.flows_dir),
        ("campaigns", run.campaigns),
    ):
        for d in dirs:
            if kinds[d] == kind:
                read(d)
    return run.problems, run.summary


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Directories: flows/, skills/ and campaigns/ (default: those that exist)."
        ),
    ] = None,
    sounds: Annotated[
        Path | None,
        typer.Option(help="Check every prompt exists here as <language>/<prompt>.<format>."),
    ] = None,
) -> None:
    """Check flows, skills and campaigns; list every problem and exit 1, or exit 0 when all is well."""
    chosen = paths or [p for p in (Path("flows"), Path("skills"), Path("campaigns")) if p.exists()]
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


SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "flows": (Flow, "ivr flow"),
    "skills": (CentreConfig, "ivr skills"),
    "campaigns": (Campaign, "ivr campaign"),
    "policy": (ContactPolicy, "ivr contact policy"),
}


def schema_of(which: str) -> dict[str, Any]:
    model, title = SCHEMAS[which]
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return schema


def schema(
    which: Annotated[str, typer.Argument(help="flows, skills, campaigns or policy")] = "flows",
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Write the JSON Schema of flow files (or skills, campaign, policy files), for editors."""
    if which not in SCHEMAS:
        typer.echo(f"'{which}': choose {', '.join(SCHEMAS)}", err=True)
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
