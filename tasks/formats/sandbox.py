"""Run a binary-format parser in a child process, under a time limit and an address-space limit.

A looping or exploding parser (a hostile PDF, a decompression bomb that slipped past the checks)
is killed and the file rejected with a reason; the caller's process is never at risk. One worker
process is kept per calling process and reused (starting Python and importing pdfplumber for every
document would cost more than parsing it); it is replaced after a timeout, a crash, or
`_RECYCLE_AFTER` documents.
"""

from __future__ import annotations

import atexit
import os
import pickle
import selectors
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tasks.formats.blocks import FormatError, Parsed
from tasks.formats.limits import ReadLimits
from tasks.formats.worker import HEADER

_PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
_RECYCLE_AFTER = 500  # documents per worker: bounds what a leaky parser can accumulate
_START_TIMEOUT_S = 30.0


class _Worker:
    def __init__(self, memory_bytes: int) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), env.get("PYTHONPATH")]))
        self.memory_bytes = memory_bytes
        self.owner_pid = os.getpid()
        self.served = 0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tasks.formats.worker", str(memory_bytes)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            cwd=str(_PROJECT_ROOT),
        )
        try:
            ready = self._read_exactly(HEADER.size, time.monotonic() + _START_TIMEOUT_S)
            self._read_exactly(HEADER.unpack(ready)[0], time.monotonic() + _START_TIMEOUT_S)
        except (TimeoutError, EOFError) as exc:
            self.stop()
            raise FormatError(f"the parser process did not start ({type(exc).__name__})") from None

    def call(self, request: tuple[str, Any, ReadLimits], timeout_s: float) -> tuple[str, Any]:
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(HEADER.pack(len(payload)) + payload)
        self.process.stdin.flush()
        self.served += 1
        deadline = time.monotonic() + timeout_s
        header = self._read_exactly(HEADER.size, deadline)
        (length,) = HEADER.unpack(header)
        return pickle.loads(self._read_exactly(length, deadline))

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        chunks: list[bytes] = []
        missing = size
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while missing:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise TimeoutError
                chunk = os.read(fd, min(missing, 1 << 20))
                if not chunk:
                    raise EOFError
                chunks.append(chunk)
                missing -= len(chunk)
        return b"".join(chunks)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


_lock = threading.Lock()
_worker: _Worker | None = None


def run_parser(kind: str, payload: Any, limits: ReadLimits) -> Parsed:
    """Parse `payload` as `kind` ("pdf", "docx", "html", "doc") in the worker; FormatError on failure."""
    global _worker
    with _lock:
        worker = _worker
        if worker is None or worker.owner_pid != os.getpid() or worker.memory_bytes != limits.parser_memory_bytes \
                or worker.process.poll() is not None or worker.served >= _RECYCLE_AFTER:
            if worker is not None and worker.owner_pid == os.getpid():
                worker.stop()
            worker = _worker = _Worker(limits.parser_memory_bytes)
        started = time.monotonic()
        try:
            status, result = worker.call((kind, payload, limits), limits.parser_timeout_s)
        except TimeoutError:
            worker.stop()
            _worker = None
            raise FormatError(f"parser timed out after {limits.parser_timeout_s:g} s "
                              f"(JIXIAO_PARSER_TIMEOUT_S); {kind} file rejected") from None
        except (EOFError, BrokenPipeError, OSError, pickle.UnpicklingError) as exc:
            code = worker.process.poll()
            worker.stop()
            _worker = None
            code = worker.process.returncode if code is None else code
            raise FormatError(f"parser crashed on this {kind} file (exit code {code}, after "
                              f"{time.monotonic() - started:.1f} s): {type(exc).__name__}") from None
        if worker.process.poll() is not None:  # it answered, then quit (out of memory): start afresh next time
            _worker = None
    if status != "ok":
        raise FormatError(result)
    return result


@atexit.register
def _stop_worker() -> None:
    if _worker is not None and _worker.owner_pid == os.getpid():
        _worker.stop()
