"""virtio-vsock end to end on the default Linux guest (Debian's kernel and its
vmw_vsock_virtio_transport) on emu, in one boot, with `--vsock CID,socket=PATH` and the
Firecracker convention for the host side:
  - host to guest: a host client connects to PATH, sends "CONNECT <port>\\n", reads
    "OK <host port>\\n" and then talks to the guest program listening on that port;
  - guest to host: a guest connection to CID 2 port P reaches the unix socket PATH_P.
tests/guest-tools/vsock.c is the guest's side (busybox has no vsock tools). 1 MiB each way
exercises the credit flow control. A socket path in use is a one-line start-up error."""

from __future__ import annotations

import hashlib
import random
import re
import socket
import threading

import pytest

from guest_ports import (assert_socket_in_use_is_refused, connect_unix, exchange,
                         prepare_guest_with_tools, read_line, read_to_end, value)
from live_vm import LiveVm
from test_linux import TIMEOUT
from vireo_harness import EXIT_POWEROFF, require_accel

GUEST_CID = 7
GUEST_PORT, CLOSED_GUEST_PORT = 5000, 5999
HOST_PORT, CLOSED_HOST_PORT = 6000, 6001
TOKEN = f"vsock-token-{random.Random().getrandbits(48):012x}\n".encode()
BIG = random.Random(5).randbytes(1 << 20)
GUEST_BIG_SIZE = 1 << 20

AUTORUN = f"""\
echo "vsock-cid: $(/vireo/vireo-vsock cid)"
/vireo/vireo-vsock listen {GUEST_PORT} 2
echo "vsock-listen-exit: $?"
head -c {GUEST_BIG_SIZE} /dev/urandom >/tmp/big
echo "vsock-guest-big: $(sha256sum </tmp/big | cut -d' ' -f1)"
/vireo/vireo-vsock connect 2 {HOST_PORT} </tmp/big >/tmp/reply
echo "vsock-connect-exit: $?"
echo "vsock-host-reply: $(cat /tmp/reply)"
/vireo/vireo-vsock connect 2 {CLOSED_HOST_PORT} </dev/null 2>/dev/null
echo "vsock-closed-exit: $?"
"""


class HostPort:
    """A unix socket server at PATH_<port> that answers one guest connection with the size
    and SHA-256 of everything it received."""

    def __init__(self, path):
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen()
        self.server.settimeout(TIMEOUT["emu"])
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            connection, _ = self.server.accept()
        except OSError:
            return
        with connection:
            self.received = read_to_end(connection)
            digest = hashlib.sha256(self.received).hexdigest()
            connection.sendall(f"host-got {len(self.received)} {digest}\n".encode())

    def close(self):
        self.server.close()
        self.thread.join(timeout=5)


def connect_guest(path, port: int, deadline: float) -> tuple[socket.socket, bytes]:
    """A host connection to guest `port` through PATH and the device's answer line."""
    client = connect_unix(path, deadline)
    client.sendall(f"CONNECT {port}\n".encode())
    return client, read_line(client)


def host_side(vm: LiveVm, path) -> dict[str, bytes]:
    got: dict[str, bytes] = {}
    if not vm.wait_for(f"vsock-listening {GUEST_PORT}"):
        return got
    # No guest program listens there: the guest resets the connection and the device
    # closes the host socket without an OK.
    client, got["closed-answer"] = connect_guest(path, CLOSED_GUEST_PORT, vm.deadline)
    with client:
        got["closed-rest"] = read_to_end(client)
    client, got["token-answer"] = connect_guest(path, GUEST_PORT, vm.deadline)
    with client:
        got["token"] = exchange(client, TOKEN, None, shut_write=True)
    client, got["big-answer"] = connect_guest(path, GUEST_PORT, vm.deadline)
    with client:
        got["big"] = exchange(client, BIG, None, shut_write=True)
    return got


@pytest.fixture(scope="module")
def booted(tmp_path_factory):
    require_accel("emu")
    tmp = tmp_path_factory.mktemp("vsock")
    kernel, initramfs, cmdline = prepare_guest_with_tools(tmp, AUTORUN, ["vireo-vsock"])
    path = tmp / "vsock.sock"
    host_port = HostPort(f"{path}_{HOST_PORT}")
    args = ["run", "--kernel", str(kernel), "--initrd", str(initramfs), "--cmdline", cmdline,
            "--memory", "512M", "--accel", "emu", "--vsock", f"{GUEST_CID},socket={path}"]
    try:
        with LiveVm(args, TIMEOUT["emu"]) as vm:
            got = host_side(vm, path)
            run = vm.finish()
    finally:
        host_port.close()
    assert "vireo-guest: autorun exit 0" in run.console_lines(), run.describe()
    assert run.status == EXIT_POWEROFF, run.describe()
    return run, got, host_port.received


def test_guest_has_the_configured_cid(booted):
    run, _, _ = booted
    assert value(run, "vsock-cid") == str(GUEST_CID), run.describe()


def test_host_connects_to_a_guest_listener(booted):
    run, got, _ = booted
    answer = got.get("token-answer", b"").decode(errors="replace")
    assert re.fullmatch(r"OK \d+\n", answer), f"answer {answer!r}{run.describe()}"
    assert got.get("token") == TOKEN, run.describe()


def test_host_connection_to_a_closed_guest_port_is_closed_without_ok(booted):
    run, got, _ = booted
    assert got.get("closed-answer") == b"" and got.get("closed-rest") == b"", run.describe()


def test_one_mebibyte_host_to_guest_and_back(booted):
    run, got, _ = booted
    assert re.fullmatch(rb"OK \d+\n", got.get("big-answer", b"")), run.describe()
    echoed = got.get("big", b"")
    assert len(echoed) == len(BIG) and echoed == BIG, \
        f"echoed {len(echoed)} bytes{run.describe()}"
    assert [line for line in run.console_lines() if line.startswith("vsock-echoed ")] == \
        [f"vsock-echoed {len(TOKEN)}", f"vsock-echoed {len(BIG)}"], run.describe()
    assert value(run, "vsock-listen-exit") == "0", run.describe()


def test_guest_connects_to_a_host_port_with_one_mebibyte(booted):
    run, _, received = booted
    digest = hashlib.sha256(received).hexdigest()
    assert len(received) == GUEST_BIG_SIZE, run.describe()
    assert value(run, "vsock-guest-big") == digest, run.describe()
    assert value(run, "vsock-connect-exit") == "0", run.describe()
    assert value(run, "vsock-host-reply") == f"host-got {GUEST_BIG_SIZE} {digest}", \
        run.describe()


def test_guest_connection_to_a_host_port_nobody_serves_fails(booted):
    run, _, _ = booted
    assert value(run, "vsock-closed-exit") == "1", run.describe()


def test_a_vsock_socket_in_use_is_a_one_line_error(tmp_path):
    assert_socket_in_use_is_refused(tmp_path, "--vsock", lambda path: f"{GUEST_CID},socket={path}")
