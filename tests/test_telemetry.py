"""Private by default: jixiao never lets Prefect's telemetry start (issue 16).

Prefect 3.8 shows "Prefect collects anonymous usage data..." (prefect/_internal/analytics/notice.py)
when `import prefect` runs in an interactive terminal on a fresh PREFECT_HOME, unless DO_NOT_TRACK
is set or a CI variable is, and then starts sending events. So the test runs in a pseudo-terminal,
with a fresh PREFECT_HOME and neither DO_NOT_TRACK nor any CI variable; Prefect alone, in the same
environment, shows the notice, so the check can fail.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from jixiao import prefect_env
from tests.shared import PROJECT_ROOT

BIN = Path(sys.executable).parent
NOTICE = "collects anonymous usage data"
# Every variable that turns Prefect's SDK telemetry off (prefect/_internal/analytics/ci_detection.py).
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "TRAVIS", "CIRCLECI", "BUILDKITE", "TF_BUILD",
                "CODEBUILD_BUILD_ID", "BITBUCKET_COMMIT", "TEAMCITY_VERSION", "DRONE", "SEMAPHORE", "APPVEYOR",
                "BUDDY", "CI_NAME")


def _tracked_environment(prefect_home: Path) -> dict[str, str]:
    """The environment of a user who never opted out, on a machine Prefect has never run on."""
    env = {key: value for key, value in os.environ.items()
           if key not in CI_VARIABLES and key not in prefect_env.NO_PHONE_HOME}
    env.update({"PREFECT_HOME": str(prefect_home), "TERM": "xterm"})
    return env


def _in_terminal(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 300) -> tuple[int, str]:
    """Run `args` with stdin, stdout and stderr on a pseudo-terminal; return its exit code and output."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(args, stdin=terminal, stdout=terminal, stderr=terminal, env=env, cwd=cwd,
                               start_new_session=True)
    os.close(terminal)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 1)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # EIO: the terminal's other end is closed, the process is gone
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        else:
            process.kill()
            raise AssertionError(f"{args[0]} did not finish in {timeout:.0f} s:\n{output.decode(errors='replace')}")
        return process.wait(timeout=30), output.decode(errors="replace")
    finally:
        os.close(controller)


def test_prefect_alone_shows_the_telemetry_notice(tmp_path: Path) -> None:
    """The control: in this very environment, Prefect would phone home."""
    home = tmp_path / "prefect"
    code, output = _in_terminal([sys.executable, "-c", "import prefect"], _tracked_environment(home), tmp_path)
    assert code == 0, output
    assert NOTICE in output


def test_jixiao_ingest_in_a_terminal_never_phones_home(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("01_youxian_fulian.txt", "04_weifang_weijianwei.txt"):
        shutil.copy(PROJECT_ROOT / "samples" / name, reports / name)
    home = tmp_path / "prefect"
    code, output = _in_terminal([str(BIN / "jixiao"), "ingest", str(reports), "--db", str(tmp_path / "w.duckdb")],
                                _tracked_environment(home), tmp_path)
    assert code == 0, output
    assert "loaded" in output  # it ran: a real ingest, its Prefect server included
    assert NOTICE not in output
    # Prefect 3.8 still writes $PREFECT_HOME/.sdk_telemetry (a device id, "first flow run" milestones)
    # with telemetry off; its AnalyticsService drops each event under DO_NOT_TRACK before queueing it
    # (prefect/_internal/analytics/service.py, enqueue), so nothing leaves the machine.
