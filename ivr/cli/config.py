"""``ivr config check``: validate the engine's configuration file before starting it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ivr.cli.options import ConfigOption
from ivr.cli.settings import Settings, load_settings
from ivr.cli.validate import run_validate
from ivr.errors import ConfigError, ConfigInvalidError
from ivr.obs.logs import mask_text

DEFAULT_CONFIG = Path("ivr.yaml")

config_app = typer.Typer(
    name="config", help="The engine's configuration file (ivr.yaml).", no_args_is_help=True
)


def summary(settings: Settings) -> list[str]:
    """What the engine will use, without a secret."""
    db = settings.database
    roles: dict[str, int] = {}
    for t in settings.tokens:
        roles[t.role.value] = roles.get(t.role.value, 0) + 1
    tokens = ", ".join(f"{n} {r}" for r, n in sorted(roles.items())) or "none (the API refuses all)"
    return [
        f"flows:    {settings.flows}",
        f"skills:   {settings.skills}",
        f"ami:      {settings.ami.username}@{settings.ami.host}:{settings.ami.port}",
        f"database: {mask_text(db.database_url) if db.database_url else f'SQLite in {db.data_dir}'}",
        f"http:     http://{settings.http.host}:{settings.http.port}/",
        f"tokens:   {tokens}",
        f"audit:    {settings.audit_log or 'log only'}",
    ]


@config_app.command("check")
def check(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The configuration file (or --config); default $IVR_CONFIG, else ivr.yaml.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Validate the file with the environment's IVR_* overrides, and the flows and skills it
    names with their own validators; exit 1 with every problem."""
    path = file or config or DEFAULT_CONFIG  # a file named on the command line wins
    try:
        settings = load_settings(path)
    except ConfigInvalidError as exc:
        typer.echo(f"{path}: {exc.message}", err=True)
        raise typer.Exit(1) from None
    except ConfigError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    missing = [p for p in (settings.skills, settings.flows) if not p.is_dir()]
    for p in missing:
        typer.echo(f"{path}: {p} is not a directory; check 'flows' and 'skills'", err=True)
    problems, checked = (
        run_validate([settings.skills, settings.flows], None) if not missing else ([], [])
    )
    if problems or missing:
        for problem in problems:
            typer.echo(f"  {problem}", err=True)
        count = len(problems) + len(missing)
        typer.echo(
            f"{count} problem{'s' if count != 1 else ''}; fix them and check again", err=True
        )
        raise typer.Exit(1)
    typer.echo(f"{path}: ok")
    for line in summary(settings) + checked:
        typer.echo(f"  {line}")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app)
