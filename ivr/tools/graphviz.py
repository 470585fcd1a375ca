"""Drawing a flow with Graphviz's ``dot``: the one place ``ivr graph`` runs an outside program."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ivr.errors import ConfigError
from ivr.flows.graph import to_dot
from ivr.model.flow import Flow


def render_dot(flow: Flow, target: str | Path) -> Path:
    """Write ``target`` (.svg or .png) with Graphviz's ``dot``."""
    dot = shutil.which("dot")
    if dot is None:
        msg = "Graphviz's `dot` is not installed; install it (`apt-get install graphviz`) or use Mermaid"
        raise ConfigError(msg)
    path = Path(target)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in ("svg", "png"):
        msg = f"{path}: write .svg or .png"
        raise ConfigError(msg)
    subprocess.run(
        [dot, f"-T{fmt}", "-o", str(path)],
        input=to_dot(flow).encode(),
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path
