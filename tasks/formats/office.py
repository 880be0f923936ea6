"""Legacy Word (.doc) and WPS files: converted to .docx by LibreOffice headless, then read as .docx."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tasks.formats.blocks import FormatError

NEEDS_LIBREOFFICE = "legacy Word/WPS file: needs LibreOffice (apt-get install libreoffice-writer-nogui)"


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(data: bytes, timeout_s: float) -> bytes:
    """The .docx bytes LibreOffice makes of a .doc/.wps file; FormatError when it cannot."""
    soffice = soffice_path()
    if soffice is None:
        raise FormatError(NEEDS_LIBREOFFICE)
    with tempfile.TemporaryDirectory(prefix="jixiao-soffice-") as work:
        folder = Path(work)
        source = folder / "input.doc"
        source.write_bytes(data)
        # A private profile per conversion: concurrent soffice runs sharing one profile block each other.
        command = [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                   "--norestore", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"),
                   str(source)]
        # Own process group: on a timeout the whole group (oosplash and soffice.bin) is killed.
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise FormatError(f"parser timed out after {timeout_s:g} s (LibreOffice conversion)") from exc
        converted = folder / "out" / "input.docx"
        if not converted.is_file():
            raise FormatError("LibreOffice could not convert this legacy Word/WPS file")
        return converted.read_bytes()
