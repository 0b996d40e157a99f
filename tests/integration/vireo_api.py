"""A client for the VM's control socket (`vireo run --api-socket`, docs/api.md), and the host's
view of a vireo process's memory, shared by the control API and balloon guest tests."""

from __future__ import annotations

import json
import pathlib
import socket
import time

from vireo_harness import EXIT_POWEROFF

# The balloon's page size (virtio 1.2 5.5.6).
BALLOON_PAGE = 4096
MIB = 1 << 20

# The end of a guest test's autorun: the default guest's /init powers off when the ACPI power
# button is pressed (guest/README.md), and the test ends the VM that way, so the script only
# has to outlive the test.
AWAIT_POWER_BUTTON = """\
sleep 3600
echo "guest: no power-off"
"""


def assert_powered_off_by_the_button(run) -> None:
    """The VM ended with status 0 because of the button, not because the script ended."""
    lines = run.console_lines()
    assert "vireo-guest: no ACPI power button" not in lines, run.describe()
    assert not any(line.startswith("vireo-guest: autorun exit") for line in lines), \
        run.describe()
    assert run.status == EXIT_POWEROFF, run.describe()


class ApiClient:
    """One connection: sends a request line, reads the response line."""

    def __init__(self, path: pathlib.Path, deadline: float):
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.settimeout(5.0)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)
        self.buffer = b""
        self.next_id = 0

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_response(self, timeout: float = 30.0) -> dict:
        self.sock.settimeout(timeout)
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"the API closed the connection (pending {self.buffer!r})")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def call(self, command: str, timeout: float = 30.0, **arguments) -> dict:
        """The whole response of one request; its id is checked."""
        self.next_id += 1
        request = {"id": self.next_id, "command": command}
        if arguments:
            request["arguments"] = arguments
        self.send_raw(json.dumps(request).encode() + b"\n")
        response = self.read_response(timeout)
        assert response.get("id") == self.next_id, response
        return response

    def ok(self, command: str, timeout: float = 30.0, **arguments) -> dict:
        """The `return` of a command that must succeed."""
        response = self.call(command, timeout, **arguments)
        assert "return" in response, f"{command}: {response}"
        return response["return"]

    def close(self) -> None:
        self.sock.close()


def shmem_rss_bytes(pid: int) -> int:
    """The guest memory a vireo process holds: its memfd pages are shared memory, which
    /proc/PID/status counts in RssShmem (proc(5))."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssShmem:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no RssShmem line in /proc/{pid}/status")


def wait_until(predicate, timeout: float, interval: float = 0.2):
    """The first true value of predicate() within `timeout` seconds, or the last one."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= end:
            return value
        time.sleep(interval)


def poll(fetch, accept, timeout: float, interval: float = 0.2):
    """The first value of fetch() that accept() takes within `timeout` seconds, or None."""
    end = time.monotonic() + timeout
    while True:
        value = fetch()
        if accept(value):
            return value
        if time.monotonic() >= end:
            return None
        time.sleep(interval)
