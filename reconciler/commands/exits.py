"""The exit code of every command: how an error, a signal or a bug ends the ``reconciler`` process."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from reconciler.errors import ReconcilerError


def run_command(command: Callable[[], int]) -> int:
    """Run one command and return its exit code: ReconcilerError as its own code, SIGINT 130, SIGTERM 143, an
    unreadable file 1, anything unforeseen 1 with one line saying it is a bug (the traceback only with
    ``RECONCILER_DEBUG=1``); never a traceback with locals (they can hold API keys)."""
    from reconciler.commands.base import report_error, warn, without_secrets

    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        code = command()
    except ReconcilerError as error:
        code = report_error(error)
    except KeyboardInterrupt as interrupt:
        warn("interrupted")
        code = getattr(interrupt, "exit_code", 130)
    except OSError as error:  # a file or folder named on the command line that cannot be read or written
        warn(without_secrets(f"error: {error}"))
        code = 1
    except Exception as error:  # the last line of "no traceback, ever"; RECONCILER_DEBUG=1 shows where
        if os.environ.get("RECONCILER_DEBUG"):
            raise
        warn(without_secrets(f"error: unexpected {type(error).__name__}: {' '.join(str(error).split())[:300]}; "
                             "this is a bug in reconciler, please report it (RECONCILER_DEBUG=1 shows where)"))
        code = 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    return code


def _raise_interrupted(signum: int, frame: object) -> None:
    """SIGTERM (CI cancelling a job) stops a command as SIGINT does: every ``finally`` runs (the apply lock is
    released), and exit 143 says which signal it was."""
    from reconciler.errors import Interrupted

    raise Interrupted()
