"""The command line: thin commands over the core, one error funnel."""

from __future__ import annotations

import os
import sys


def run(argv: list[str]) -> int:
    """Run the CLI with ARGV and return the exit code (never raises for expected errors)."""
    from pressctl.cli.app import app

    try:
        app(args=argv, prog_name="pressctl")
    except SystemExit as exc:  # every normal end: success, refusal or usage error
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0
