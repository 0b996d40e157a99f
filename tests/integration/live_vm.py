"""A vireo VM that runs in the background while a test talks to it (connects to its
forwarded ports, serves it files): start it, wait for lines on its console, then collect the
finished Run like vireo_harness.run_vireo does."""

from __future__ import annotations

import pathlib
import subprocess
import tempfile
import time

from vireo_harness import Run, _kill_group, vireo_bin


class LiveVm:
    """`vireo ARGS --console file=...` in its own process group and temporary directory."""

    def __init__(self, args: list[str], timeout: float):
        self._tmp = tempfile.TemporaryDirectory(prefix="vireo-test-")
        self.workdir = pathlib.Path(self._tmp.name)
        self.console_path = self.workdir / "console.log"
        self.command = [str(vireo_bin()), *args, "--console", f"file={self.console_path}"]
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.process = subprocess.Popen(self.command, cwd=self.workdir,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, start_new_session=True)

    def console(self) -> str:
        if not self.console_path.exists():
            return ""
        return self.console_path.read_bytes().decode("utf-8", errors="replace")

    def wait_for(self, text: str) -> bool:
        """Waits until `text` is on the console; False if the VM ended or time ran out."""
        while time.monotonic() < self.deadline:
            if text in self.console():
                return True
            if self.process.poll() is not None:
                return text in self.console()
            time.sleep(0.05)
        return False

    def finish(self) -> Run:
        """Waits for the VM to end (killing it at the deadline) and returns what it did."""
        try:
            stdout, stderr = self.process.communicate(
                timeout=max(0.1, self.deadline - time.monotonic()))
            status: int | None = self.process.returncode
        except subprocess.TimeoutExpired:
            _kill_group(self.process)
            stdout, stderr = self.process.communicate()
            status = None
        cores = sorted(p.name for p in self.workdir.iterdir() if p.name.startswith("core"))
        return Run(self.command, status, stdout.decode("utf-8", errors="replace"),
                   stderr.decode("utf-8", errors="replace"), self.console(),
                   time.monotonic() - self.started, cores)

    def __enter__(self) -> LiveVm:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            _kill_group(self.process)
            self.process.communicate()
        self._tmp.cleanup()
