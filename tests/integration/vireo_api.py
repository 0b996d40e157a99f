"""A client for the VM's control socket (`vireo run --api-socket`, docs/api.md), and the host's
view of a vireo process's memory, shared by the control API and balloon guest tests."""

from __future__ import annotations

import json
import pathlib
import socket
import time

# The balloon's page size (virtio 1.2 5.5.6).
BALLOON_PAGE = 4096
MIB = 1 << 20

# Guest shell that powers the VM off when the ACPI power button is pressed. PM1a_STS
# (ACPI 6.5 4.8.3.1.1) is at port 0x600 (src/x86/pc_layout.h kAcpiPm1aEvent) and PWRBTN_STS
# is its bit 8: bit 0 of the byte at 0x601. The default guest has no ACPI button driver
# (button.ko is not in its image), so the script watches the register itself and powers off
# as a button handler would. Run it last: it never returns.
POWER_BUTTON_WATCH = """\
while :; do
    high=$(dd if=/dev/port bs=1 skip=1537 count=1 2>/dev/null | od -An -tu1)
    if [ $(( ${high:-0} & 1 )) -ne 0 ]; then
        echo "guest: power button"
        poweroff
        sleep 60
    fi
    sleep 0.2
done
"""


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
