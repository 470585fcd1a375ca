"""The ``--config`` option, taken the same way by every command that needs the configuration.

``ivr serve``, ``ivr config check``, ``ivr db …``, ``ivr customers import``, ``ivr export
queue-log`` and ``ivr tickets overdue`` all read one ``ivr.yaml`` (``--config`` or
``$IVR_CONFIG``), with the same ``IVR_SECTION__FIELD`` overrides. Without a file they use the
defaults and those variables, so a try-out needs no file at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ivr.cli.settings import Settings, load_settings, settings_from_environment

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="IVR_CONFIG",
        help="ivr.yaml (default $IVR_CONFIG); without one, the defaults and IVR_* variables",
        show_default=False,
    ),
]


def settings_for(config: Path | None) -> Settings:
    """The engine's settings from ``config``, else from the environment alone.

    Raises ConfigError (syntax, or every invalid field located) for the caller to print.
    """
    return load_settings(config) if config is not None else settings_from_environment()
