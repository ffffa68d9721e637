"""The ``aftersales`` command: a thin layer over the library, one module per subcommand.

app.py defines the group and adds each subcommand to it; errors.py is the error
handling they share. A subcommand's module never imports the group.

Exit codes: 0 success, 1 the case or policy is at fault (one line per problem,
never a traceback), 2 usage.
"""

from __future__ import annotations

from .app import cli, main

__all__ = ["cli", "main"]
