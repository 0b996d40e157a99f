"""Runs vireo (or, for the peer checks, QEMU) on a guest and collects what came out.

The paths come from the environment that tests/integration/CMakeLists.txt sets for CTest:
VIREO_BIN (the vireo binary), VIREO_TEST_GUESTS (the directory of the test guests' .elf
files) and VIREO_SOURCE_DIR (the source tree, for limits and the guest tools).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pathlib
import re
import selectors
import signal
import socket
import subprocess
import tempfile
import time

import pytest

# The guests' debug-exit values (tests/guests/runtime/runtime.h) as vireo reports them:
# a write of v to port 0xf4 ends vireo with status (v << 1) | 1.
GUEST_PASS = (0 << 1) | 1
GUEST_FAIL = (1 << 1) | 1
GUEST_CRASH = (0x7F << 1) | 1

# vireo's documented exit statuses (`vireo run --help`).
EXIT_POWEROFF = 0
EXIT_USAGE = 2
EXIT_TRIPLE_FAULT = 4
EXIT_INTERNAL_ERROR = 6

DEFAULT_TIMEOUT = 60


def debug_exit_status(value: int) -> int:
    return ((value << 1) | 1) & 0xFF


def _required_env(name: str) -> pathlib.Path:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through ctest (label 'guest')",
                    pytrace=False)
    return pathlib.Path(value)


def vireo_bin() -> pathlib.Path:
    path = _required_env("VIREO_BIN")
    if not os.access(path, os.X_OK):
        pytest.fail(f"vireo binary {path} does not exist: build the 'vireo' target", pytrace=False)
    return path


def guest(name: str) -> pathlib.Path:
    path = _required_env("VIREO_TEST_GUESTS") / f"{name}.elf"
    if not path.is_file():
        pytest.fail(f"test guest {path} is missing: build the 'guest_{name}' target", pytrace=False)
    return path


def guest_tool(name: str) -> pathlib.Path:
    """A static program built by tests/guest-tools, next to the test guests in the build."""
    path = _required_env("VIREO_TEST_GUESTS").parent / "guest-tools" / name
    if not path.is_file():
        pytest.fail(f"guest tool {path} is missing: build the '{name}' target", pytrace=False)
    return path


def source_dir() -> pathlib.Path:
    return _required_env("VIREO_SOURCE_DIR")


@dataclasses.dataclass(repr=False)
class Run:
    """One finished (or killed) run."""

    command: list[str]
    status: int | None  # exit status; negative: killed by that signal; None: timed out
    stdout: str
    stderr: str
    console: str
    seconds: float
    core_files: list[str]

    @property
    def timed_out(self) -> bool:
        return self.status is None

    def console_lines(self) -> list[str]:
        return [line.rstrip("\r") for line in self.console.splitlines()]

    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def __repr__(self) -> str:
        # Short, because pytest repeats it in every assertion that mentions the run; the
        # messages carry describe() for the details.
        return f"Run({os.path.basename(self.command[0])} {' '.join(self.command[1:3])} ...)"

    def describe(self) -> str:
        """What an assertion message needs to diagnose a failure."""
        tail = "\n".join(self.console_lines()[-25:])
        outcome = "timed out" if self.timed_out else f"exit status {self.status}"
        return (
            f"\n$ {' '.join(self.command)}\n{outcome} after {self.seconds:.1f} s\n"
            f"--- stderr ---\n{self.stderr.rstrip()}\n--- console (last lines) ---\n{tail}\n"
        )


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_process(command: list[str], timeout: float, console_path: pathlib.Path | None,
                workdir: pathlib.Path) -> Run:
    """Runs command in its own process group in workdir, killing the group on timeout."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=workdir, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        status: int | None = process.returncode
    except subprocess.TimeoutExpired:
        _kill_group(process)
        stdout, stderr = process.communicate()
        status = None
    console = ""
    if console_path is not None and console_path.exists():
        console = console_path.read_bytes().decode("utf-8", errors="replace")
    cores = sorted(p.name for p in workdir.iterdir() if p.name.startswith("core"))
    return Run(command, status, stdout.decode("utf-8", errors="replace"),
               stderr.decode("utf-8", errors="replace"), console,
               time.monotonic() - started, cores)


def run_vireo(args: list[str], timeout: float = DEFAULT_TIMEOUT, console: str = "file") -> Run:
    """Runs `vireo ARGS`; console="file" adds --console file=... and reads it back,
    console="stdout" leaves the console on stdout, console="none" adds nothing."""
    with tempfile.TemporaryDirectory(prefix="vireo-test-") as tmp:
        workdir = pathlib.Path(tmp)
        console_path = workdir / "console.log" if console == "file" else None
        command = [str(vireo_bin()), *args]
        if console_path is not None:
            command += ["--console", f"file={console_path}"]
        run = run_process(command, timeout, console_path, workdir)
        if console == "stdout":
            run.console = run.stdout
        return run


def run_guest(name: str, accel: str, extra: list[str] = (), timeout: float = DEFAULT_TIMEOUT,
              console: str = "file") -> Run:
    return run_vireo(["run", "--kernel", str(guest(name)), "--accel", accel, *extra],
                     timeout=timeout, console=console)


def _socket_channel(path: pathlib.Path, process: subprocess.Popen, deadline: float):
    """Connects to vireo's console socket once it is listening."""
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists():
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                client.connect(str(path))
                return client.fileno(), client.sendall, client
            except (ConnectionRefusedError, FileNotFoundError):
                client.close()
        time.sleep(0.01)
    return None


def _pipe_channel(process: subprocess.Popen):
    def send(data: bytes) -> None:
        process.stdin.write(data)
        process.stdin.flush()
    return process.stdout.fileno(), send, None


def _read_until_eof(fd: int, deadline: float, prompt: bytes, reply: bytes, send) -> bytes:
    """Reads fd to its end; answers `reply` once `prompt` has come."""
    received = b""
    replied = False
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            received += chunk
            if not replied and prompt in received:
                send(reply)
                replied = True
    return received


def converse(args: list[str], console: str, prompt: bytes, reply: bytes,
             timeout: float = DEFAULT_TIMEOUT) -> Run:
    """Runs `vireo ARGS --console stdio|socket=...`, reads the console and types `reply`
    once `prompt` appeared on it (not before: a guest resets its UART's FIFOs at start)."""
    with tempfile.TemporaryDirectory(prefix="vireo-test-") as tmp:
        workdir = pathlib.Path(tmp)
        socket_path = workdir / "console.sock"
        spec = "stdio" if console == "stdio" else f"socket={socket_path}"
        command = [str(vireo_bin()), *args, "--console", spec]
        started = time.monotonic()
        deadline = started + timeout
        process = subprocess.Popen(command, cwd=workdir, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
        channel = (_pipe_channel(process) if console == "stdio"
                   else _socket_channel(socket_path, process, deadline))
        received = b""
        if channel is not None:
            fd, send, owner = channel
            received = _read_until_eof(fd, deadline, prompt, reply, send)
            if owner is not None:
                owner.close()
        try:
            stdout, stderr = process.communicate(timeout=max(0.1, deadline - time.monotonic()))
            status: int | None = process.returncode
        except subprocess.TimeoutExpired:
            _kill_group(process)
            stdout, stderr = process.communicate()
            status = None
        if console == "stdio":
            received += stdout
        cores = sorted(p.name for p in workdir.iterdir() if p.name.startswith("core"))
        return Run(command, status, stdout.decode("utf-8", errors="replace"),
                   stderr.decode("utf-8", errors="replace"),
                   received.decode("utf-8", errors="replace"), time.monotonic() - started, cores)


def run_with_closed_output(args: list[str], stream: str, timeout: float = DEFAULT_TIMEOUT):
    """Runs `vireo ARGS` with stream ("stdout" or "stderr") a pipe whose reader is gone, so
    that writes fail with EPIPE. Returns the exit status (negative: killed by a signal)."""
    reader, writer = os.pipe()
    os.close(reader)
    targets = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: writer}
    with tempfile.TemporaryDirectory(prefix="vireo-test-") as tmp:
        process = subprocess.Popen([str(vireo_bin()), *args], cwd=tmp, stdin=subprocess.DEVNULL,
                                   stdout=targets["stdout"], stderr=targets["stderr"],
                                   start_new_session=True)
        os.close(writer)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.wait()
            return None


# Words with which vireo says an accelerator is not there, as opposed to failing in it.
_UNAVAILABLE = re.compile(
    r"not (yet )?(available|built|supported|implemented)|unavailable|not part of this build",
    re.IGNORECASE)


@functools.lru_cache(maxsize=None)
def accel_skip_reason(accel: str) -> str | None:
    """Why tests on this accelerator cannot run here, or None when they should run."""
    if accel == "kvm":
        if not os.path.exists("/dev/kvm"):
            return "/dev/kvm is absent"
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return "/dev/kvm is not accessible to this user"
        return None
    # Asks vireo itself, so the skip ends by itself the day the emulator lands.
    probe = run_guest("hello", accel, ["--cmdline", "exit=0"], timeout=DEFAULT_TIMEOUT)
    if probe.status == EXIT_USAGE and _UNAVAILABLE.search(probe.stderr):
        line = probe.stderr_lines()[0] if probe.stderr_lines() else ""
        return f"emulator not built yet (vireo: {line.strip()})"
    return None


def require_accel(accel: str) -> None:
    reason = accel_skip_reason(accel)
    if reason is not None:
        print(f"SKIP {accel}: {reason}")
        pytest.skip(reason)


def find_lines(run: Run, prefix: str) -> list[str]:
    return [line for line in run.console_lines() if line.startswith(prefix)]


def assert_clean_pass(run: Run, guest_name: str) -> None:
    """The guest ran its checks to the end: no FAIL or CRASH line, its summary line says
    nothing failed, and it left through debug-exit with the pass value."""
    failures = [line for line in run.console_lines() if line.startswith(("FAIL", "CRASH"))]
    assert not failures, f"guest reported failures: {failures}{run.describe()}"
    summary = re.compile(rf"{re.escape(guest_name)}: [1-9][0-9]* passed, 0 failed")
    assert any(summary.fullmatch(line) for line in run.console_lines()), \
        f"no '{guest_name}: N passed, 0 failed' line{run.describe()}"
    assert run.status == GUEST_PASS, run.describe()
