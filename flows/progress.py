"""Progress of an ingest run, for the CLI's progress bar (or its plain lines).

A module-level hook rather than a flow parameter: flow parameters are sent to the Prefect API and must
be serializable; a callback is not. Under Prefect and without it alike, the flow's own process calls
the listeners (once after discovery, once after each loaded batch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tasks.accounting import IngestProgress

ProgressListener = Callable[[IngestProgress], None]
_progress_listeners: list[ProgressListener] = []


@contextmanager
def progress_reported_to(listener: ProgressListener) -> Iterator[None]:
    """Call `listener` once after discovery and once after each loaded batch while in the block."""
    _progress_listeners.append(listener)
    try:
        yield
    finally:
        _progress_listeners.remove(listener)


def notify_progress(progress: IngestProgress) -> None:
    for listener in list(_progress_listeners):
        listener(progress)
