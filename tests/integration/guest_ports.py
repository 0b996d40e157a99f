"""Helpers shared by the virtio-console and virtio-vsock guest tests: the default guest with
static tools from tests/guest-tools in its overlay, the guest's "key: value" report lines,
and host-side socket exchanges that send and receive at the same time."""

from __future__ import annotations

import pathlib
import socket
import subprocess
import threading
import time

from test_bad_input import assert_usage_error
from test_linux import prepare_linux_guest
from vireo_harness import guest, guest_tool, source_dir


def prepare_guest_with_tools(tmp_path: pathlib.Path, autorun: str, tools: list[str]):
    """prepare_linux_guest with one more overlay that puts each tool at /vireo/<name>."""
    kernel, initramfs, cmdline = prepare_linux_guest(tmp_path, autorun)
    tools_dir = tmp_path / "tools"
    (tools_dir / "vireo").mkdir(parents=True)
    for name in tools:
        target = tools_dir / "vireo" / name
        target.write_bytes(guest_tool(name).read_bytes())
        target.chmod(0o755)
    overlay = tmp_path / "tools.cpio.gz"
    subprocess.run([str(source_dir() / "guest" / "make-overlay"), str(tools_dir), str(overlay)],
                   check=True)
    # Linux unpacks concatenated archives in order (guest/make-overlay).
    initramfs.write_bytes(initramfs.read_bytes() + overlay.read_bytes())
    return kernel, initramfs, cmdline


def value(run, key: str) -> str:
    """The text after '<key>: ' on the one console line that starts with it."""
    found = [line.split(": ", 1)[1] for line in run.console_lines()
             if line.startswith(f"{key}: ")]
    assert len(found) == 1, f"no single '{key}:' line\n{run.describe()}"
    return found[0].strip()


def connect_unix(path: pathlib.Path, deadline: float) -> socket.socket:
    """Connects to the unix socket at `path`, waiting for it to appear until `deadline`."""
    while True:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.settimeout(max(1.0, deadline - time.monotonic()))
            connection.connect(str(path))
            return connection
        except OSError:
            connection.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def read_exactly(connection: socket.socket, size: int) -> bytes:
    """Up to `size` bytes: fewer only if the peer closed first."""
    data = bytearray()
    while len(data) < size:
        chunk = connection.recv(min(65536, size - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def read_line(connection: socket.socket, limit: int = 256) -> bytes:
    """One line (with its newline) read a byte at a time, so nothing after it is consumed."""
    line = bytearray()
    while len(line) < limit and not line.endswith(b"\n"):
        byte = connection.recv(1)
        if not byte:
            break
        line += byte
    return bytes(line)


def read_to_end(connection: socket.socket) -> bytes:
    data = bytearray()
    while chunk := connection.recv(65536):
        data += chunk
    return bytes(data)


def exchange(connection: socket.socket, data: bytes, reply_size: int | None,
             shut_write: bool) -> bytes:
    """Sends `data` from a thread while reading the reply (`reply_size` bytes, or to the end),
    so that an echoing peer never blocks on a full socket. With `shut_write`, the sending side
    is shut down once everything is sent."""
    failure: list[BaseException] = []

    def send():
        try:
            connection.sendall(data)
            if shut_write:
                connection.shutdown(socket.SHUT_WR)
        except OSError as error:
            failure.append(error)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    reply = read_to_end(connection) if reply_size is None else read_exactly(connection,
                                                                            reply_size)
    sender.join()
    assert not failure, f"sending to the guest failed: {failure[0]}"
    return reply


def assert_socket_in_use_is_refused(tmp_path: pathlib.Path, option: str, value) -> None:
    """`vireo run OPTION value(PATH)` with another process listening at PATH is a one-line
    start-up error naming PATH."""
    path = tmp_path / "taken.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as taken:
        taken.bind(str(path))
        taken.listen()
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--accel", "emu",
                            option, value(path)], str(path))
