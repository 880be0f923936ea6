"""One batch of input files -> processed files, as plain functions (no Prefect, no database).

This is the work a batch task hands to a worker process: read each file (bounded by the size limit),
archive its raw bytes by content hash, then read + extract + validate the batch (`process_batch`).
`read_and_prepare_batch` also turns the result into Arrow tables (`tasks.load.prepare_batch`), so a
worker sends back compact columns and the single writer only inserts them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tasks.archive import archive_bytes, archive_file
from tasks.formats.limits import ReadLimits
from tasks.load import PreparedBatch, prepare_batch
from tasks.models import Processed
from tasks.pipeline import FactFrames, process_batch_with_frames, rejected, unread
from tasks.safe_text import storable

READ_RETRIES = 2
_HASH_CHUNK = 1 << 20
# Errors that a retry cannot cure: the file is gone, forbidden, or not a file. Any other OSError
# (EIO, a stale network mount, a timeout) is taken as transient and retried.
PERMANENT_IO_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def even_batches(items: list[str], size: int, workers: int) -> list[list[str]]:
    """Batches of at most `size` items, as many as a multiple of `workers` and of even size, so no
    worker idles while another finishes one more batch (a small run is spread over every core)."""
    if not items:
        return []
    count = -(-len(items) // size)
    count = min(len(items), -(-count // workers) * workers)
    base, extra = divmod(len(items), count)
    bounds = [0]
    for number in range(count):
        bounds.append(bounds[-1] + base + (number < extra))
    return [items[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]


def refused_batch(refused: list[tuple[Path, str]]) -> PreparedBatch:
    """Entries discovery refused to follow (links out of the input folder), never read: a batch of
    rejections with their reasons, so the run counts them."""
    return prepare_batch([unread(storable(str(path)), reason) for path, reason in refused])


def read_and_process_batch(paths: list[str], archive_dir: Path, max_file_bytes: int, *,
                           raise_transient_io: bool = False, limits: ReadLimits | None = None) -> list[Processed]:
    """Read, archive and process each file; one Processed per path, in order.

    A file that cannot be read or processed becomes a rejection with its reason, so one bad file
    never stops the others. Transient IO errors are raised when `raise_transient_io` (so the
    caller can retry the batch) and become rejections otherwise.
    """
    return _read_and_process(paths, archive_dir, max_file_bytes, raise_transient_io, limits)[0]


def read_and_prepare_batch(paths: list[str], archive_dir: Path, max_file_bytes: int, *,
                           raise_transient_io: bool = False, limits: ReadLimits | None = None) -> PreparedBatch:
    """`read_and_process_batch`, then its rows as Arrow tables ready for `tasks.load.load_prepared`
    (the fact frames validation built are reused, not built twice)."""
    processed, frames = _read_and_process(paths, archive_dir, max_file_bytes, raise_transient_io, limits)
    return prepare_batch(processed, frames=frames)


def _read_and_process(paths: list[str], archive_dir: Path, max_file_bytes: int, raise_transient_io: bool,
                      limits: ReadLimits | None) -> tuple[list[Processed], FactFrames | None]:
    slots: list[Processed | None] = []
    readable: list[tuple[int, str, bytes]] = []
    for path in paths:
        outcome = _read_one(path, archive_dir, max_file_bytes, raise_transient_io)
        if isinstance(outcome, Processed):
            slots.append(outcome)
        else:  # the bytes are read by the OS name; from here on the file is named by a storable one
            readable.append((len(slots), storable(path), outcome))
            slots.append(None)
    # The archive is made durable once per batch, before the batch's facts can be committed.
    os.sync()
    # One validation pass for the whole batch: per-report pandas overhead would dominate otherwise.
    processed, frames = process_batch_with_frames([(path, data) for _, path, data in readable], limits)
    for (index, _, _), item in zip(readable, processed, strict=True):
        slots[index] = item
    return [item for item in slots if item is not None], frames


def _read_one(path: str, archive_dir: Path, max_file_bytes: int, raise_transient_io: bool) -> Processed | bytes:
    """The file's bytes (archived), or a rejection when it cannot be read or is too large."""
    shown = storable(path)  # a name with non-UTF-8 bytes: stored with them as \xNN escapes
    try:
        data, sha256, size = _read_limited(Path(path), max_file_bytes)
    except PERMANENT_IO_ERRORS as exc:
        return unread(shown, f"cannot read the file: {exc.strerror or exc}")
    except OSError as exc:
        if raise_transient_io:
            raise
        return unread(shown, f"reading failed after {READ_RETRIES} retries: {exc}")
    if data is None:
        # Too large to process, but its bytes are kept like every input's: streamed into the archive.
        sha256, size, _ = archive_file(archive_dir, Path(path))
        return rejected(
            shown, b"", f"file is {size:,} bytes, over the limit of {max_file_bytes:,} (JIXIAO_MAX_FILE_BYTES)",
            sha256=sha256, size=size,
        )
    # before processing: the raw bytes are kept whatever happens (synced once per batch, see above)
    archive_bytes(archive_dir, sha256, data, durable=False)
    return data


def _read_limited(path: Path, limit: int) -> tuple[bytes | None, str, int]:
    """(bytes, sha256, size); bytes is None when the file is over `limit`: it is then only hashed,
    chunk by chunk, never held whole in memory."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
        if len(data) <= limit:
            return data, hashlib.sha256(data).hexdigest(), len(data)
        digest = hashlib.sha256(data)
        size = len(data)
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        return None, digest.hexdigest(), size
