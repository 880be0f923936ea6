"""Worker processes end with the process they work for, even when it is killed (kill -9).

A killed flow process cannot shut its pool down, and the pool's workers (children of the fork
server, which holds their pipes open) would wait for work forever. Each worker watches the flow's
process from a daemon thread and exits when it is gone.
"""

from __future__ import annotations

import os
import threading
import time

POLL_S = 1.0


def exit_with(pid: int) -> None:
    """Pool initializer: start the watch on `pid` (the process that created the pool)."""
    threading.Thread(target=_watch, args=(pid,), name="lifeline", daemon=True).start()


def _watch(pid: int) -> None:
    while _alive(pid):
        time.sleep(POLL_S)
    os._exit(1)  # nothing to clean up: the work was for the dead process


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
