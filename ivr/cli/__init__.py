"""The ``ivr`` command: one Typer app, each domain adding its commands from its own module.

A module in ``COMMAND_MODULES`` defines ``register(app: typer.Typer) -> None``.
Keeping the list here (not discovery) makes a missing module a loud error.
"""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES: tuple[str, ...] = (
    "ivr.cli.config",
    "ivr.cli.validate",
    "ivr.cli.flowtools",
    "ivr.cli.simulate",
    "ivr.cli.serve",
    "ivr.cli.records",
)

app = typer.Typer(
    name="ivr",
    help="IVR and call-centre routing engine beside Asterisk, with a simulator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """IVR and call-centre routing engine beside Asterisk, with a simulator."""


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_all()


def main() -> None:
    app()
