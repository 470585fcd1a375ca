"""Files a command writes: its line about each says when one was already there.

``--json FILE``, ``--report FILE``, ``--out FILE`` and the like replace a file without
asking, as a shell redirection does; a user who reused a name then lost a run's results
without a word. Take the :class:`Output` before writing (it looks whether the file exists),
write, then print ``output.said("report written to ...")``::

    report written to ivr-report.html (overwrote the file that was there)
"""

from __future__ import annotations

from pathlib import Path


class Output:
    """A file about to be written; remembers whether one was there before."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.existed = path.is_file()

    def said(self, line: str) -> str:
        """The command's line about the file, saying so when it replaced one."""
        return f"{line} (overwrote the file that was there)" if self.existed else line
