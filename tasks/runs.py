"""A run's row in `runs`, from start to finish, whatever ends it (plain functions, no Prefect).

`recorded_run` starts the row, and when the block ends closes it as completed, or as failed / cancelled
with the error, never letting a second error (recording the failure) hide the first.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import duckdb

from tasks.load import finish_run, start_run


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What `finish_run` writes of a run that ends: its counts and its summary."""

    files_seen: int
    loaded: int
    rejected: int
    unchanged: int
    summary: dict[str, Any]


@dataclass(slots=True)
class RecordedRun:
    run_id: str
    summary: dict[str, Any] = field(default_factory=dict)  # the completed run's summary, once the block is done


# (run_id, status, error or None) -> the record of the run ending so
Outcome = Callable[[str, str, str | None], RunRecord]


@contextmanager
def recorded_run(conn: duckdb.DuckDBPyConnection, *, flow: str, params: dict[str, Any], outcome: Outcome,
                 log_error: Callable[..., Any],
                 commit: Callable[[], AbstractContextManager[Any]] = nullcontext) -> Iterator[RecordedRun]:
    """A `runs` row for the block: 'running' in it, then what `outcome` says. `commit` wraps each write
    of the row (on a lake: the commit lock, so many writers' commits take turns)."""
    with commit():
        run = RecordedRun(start_run(conn, flow=flow, params=params))
    try:
        yield run
    except BaseException as exc:
        status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
        try:
            with commit():
                _finish(conn, run.run_id, status, outcome(run.run_id, status, f"{type(exc).__name__}: {exc}"))
        except Exception as finish_error:  # the original exception is what the user must see
            log_error("could not record the failed run %s: %s", run.run_id, finish_error)
        # A failed run's exception may be kept (Prefect keeps it in the run's state) with every frame
        # of its traceback: drop those frames' locals (batches of texts, connections) so they can be
        # freed. File names and line numbers stay for the traceback.
        traceback.clear_frames(exc.__traceback__)
        raise
    record = outcome(run.run_id, "completed", None)
    with commit():
        _finish(conn, run.run_id, "completed", record)
    run.summary = record.summary


def _finish(conn: duckdb.DuckDBPyConnection, run_id: str, status: str, record: RunRecord) -> None:
    finish_run(conn, run_id, files_seen=record.files_seen, loaded=record.loaded, rejected=record.rejected,
               unchanged=record.unchanged, status=status, summary=record.summary)
