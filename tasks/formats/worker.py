"""The parser process: reads requests on stdin, parses, answers on stdout (see `tasks.formats.sandbox`).

Run as `python -m tasks.formats.worker MEMORY_BYTES`. Each frame is an 8-byte big-endian length and
a pickle. Requests: (kind, payload, limits); answers: ("ok", Parsed) or ("error", reason).
"""

from __future__ import annotations

import pickle
import resource
import struct
import sys
from typing import Any, BinaryIO

from tasks.formats.blocks import FormatError, Parsed
from tasks.formats.limits import ReadLimits

HEADER = struct.Struct(">Q")


def parse(kind: str, payload: Any, limits: ReadLimits) -> Parsed:
    if kind == "pdf":
        from tasks.formats.pdf import parse_pdf

        return parse_pdf(payload, limits)
    if kind == "docx":
        from tasks.formats.docx import parse_docx

        return parse_docx(payload, limits)
    if kind == "html":
        from tasks.formats.html import parse_html

        return parse_html(payload, limits)
    if kind == "doc":
        from tasks.formats.docx import parse_docx
        from tasks.formats.office import convert_to_docx

        return parse_docx(convert_to_docx(payload, limits.parser_timeout_s * 0.9), limits)
    raise FormatError(f"no reader for {kind}")


def read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (length,) = HEADER.unpack(header)
    return stream.read(length)


def write_frame(stream: BinaryIO, message: object) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def main(argv: list[str]) -> int:
    memory_bytes = int(argv[1]) if len(argv) > 1 else 0
    if memory_bytes > 0:  # an exploding document hits MemoryError here instead of the machine's limit
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    sys.setrecursionlimit(5_000)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library that prints must not corrupt the answer stream
    # Import the parsers before saying ready, so no document's time limit pays for the imports.
    import docx  # noqa: F401
    import lxml.html  # noqa: F401
    import pdfplumber  # noqa: F401

    write_frame(answers, ("ready", None))
    while (frame := read_frame(requests)) is not None:
        try:
            kind, payload, limits = pickle.loads(frame)
            answer: tuple[str, object] = ("ok", parse(kind, payload, limits))
        except FormatError as exc:
            answer = ("error", str(exc))
        except MemoryError:
            write_frame(answers, ("error", f"parser ran out of memory (limit {memory_bytes:,} bytes, "
                                           "JIXIAO_PARSER_MEMORY_BYTES)"))
            return 3  # the heap may be in pieces: start afresh
        except RecursionError:
            answer = ("error", "document nests too deeply for the parser (recursion limit)")
        except Exception as exc:  # noqa: BLE001 - any parser failure is this one document's rejection
            answer = ("error", f"parser failed: {type(exc).__name__}: {exc}")
        write_frame(answers, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
