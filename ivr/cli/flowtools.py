"""``ivr graph FLOW`` and ``ivr prompts render``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ivr.cli.output import Output
from ivr.config.flow_files import read_flow_set
from ivr.errors import ConfigError, ConfigInvalidError
from ivr.flows.graph import to_mermaid
from ivr.tools.graphviz import render_dot
from ivr.tools.prompt_sounds import render

prompts_app = typer.Typer(
    name="prompts", help="Custom prompts: stand-in audio.", no_args_is_help=True
)


def graph(
    flow: Annotated[str, typer.Argument(help="The flow's name (or its file).")],
    flows: Annotated[Path, typer.Option(help="The flows directory.")] = Path("flows"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="flow.svg or flow.png (Graphviz), flow.mmd; default: stdout Mermaid.",
        ),
    ] = None,
) -> None:
    """Draw a flow: Mermaid text, or SVG/PNG when Graphviz's dot is installed."""
    name = flow
    if flow.endswith((".yaml", ".yml")):
        flows = Path(flow).parent
        name = Path(flow).stem
    try:
        fs, problems = read_flow_set(flows)
    except ConfigError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    src = fs.flows.get(name) or next(
        (s for s in fs.flows.values() if Path(s.file).stem == name), None
    )
    if src is None:
        for p in problems:
            typer.echo(str(p), err=True)
        typer.echo(f"no flow '{name}' in {flows}; flows: {', '.join(sorted(fs.flows))}", err=True)
        raise typer.Exit(1)
    if out is None:
        typer.echo(to_mermaid(src.flow), nl=False)
        return
    written = Output(out)
    try:
        if out.suffix in (".svg", ".png"):
            render_dot(src.flow, out)
        else:
            out.write_text(to_mermaid(src.flow), encoding="utf-8")
    except ConfigError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(written.said(f"wrote {out}"))


@prompts_app.command("render")
def render_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="The sound directory to fill.")] = Path(
        "sounds"
    ),
    flows: Annotated[Path, typer.Option(help="The flows directory (with prompts.yaml).")] = Path(
        "flows"
    ),
    lang: Annotated[list[str] | None, typer.Option(help="Only these languages.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Make 8 kHz WAV stand-ins of every custom prompt with espeak-ng and sox."""
    try:
        fs, problems = read_flow_set(flows)
        if fs.manifest is None and problems:
            raise ConfigInvalidError(problems)
        written = render(fs, out, languages=tuple(lang) if lang else None, force=force)
    except ConfigInvalidError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    except ConfigError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {len(written)} files under {out} (existing ones kept; --force to redo)")


def register(app: typer.Typer) -> None:
    app.command("graph")(graph)
    app.add_typer(prompts_app)
