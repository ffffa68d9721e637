"""The ``aftersales`` command: a thin layer over the library, one module per subcommand.

Exit codes: 0 success, 1 the case or policy is at fault (one line per problem,
never a traceback), 2 usage.
"""

from __future__ import annotations

from .app import main, cli

__all__ = ["cli", "main"]
