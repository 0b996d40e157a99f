"""virtio-net end to end on the default Linux guest (Debian's kernel and its own virtio_net
module) on emu, in one boot: `--net user,hostfwd=...` gives eth0, on which udhcpc gets
10.0.2.15, wget fetches a page from an HTTP server this test runs on the host (reached as
10.0.2.2), and a host connection to the forwarded port reaches `nc -l` in the guest. Where the
host allows it, a second NIC, `--net tap=IFNAME`, reaches the host across a tap interface this
test creates. Start-up errors of both back ends are one line."""

from __future__ import annotations

import hashlib
import http.server
import os
import pathlib
import random
import socket
import subprocess
import threading
import time

import pytest

from live_vm import LiveVm
from test_bad_input import assert_usage_error
from test_linux import TIMEOUT, prepare_linux_guest
from vireo_harness import EXIT_POWEROFF, guest, require_accel

GUEST_PORT = 8080
PAGE = random.Random(4).randbytes(300 * 1024)
TOKEN = f"{random.Random().getrandbits(48):012x}"
# The tap interface's network: the host side .1, the guest .2.
TAP_HOST, TAP_GUEST, TAP_PREFIX = "192.168.213.1", "192.168.213.2", 24
# virtio-net feature bits the guest should have accepted (virtio 1.2 5.1.3): CSUM, MTU, MAC,
# HOST_TSO4, MRG_RXBUF, STATUS.
EXPECTED_FEATURES = (0, 3, 5, 11, 15, 16)


def autorun(page_port: int, tap: bool) -> str:
    script = f"""\
udhcpc -i eth0 -n -q -t 5 -T 2 >/dev/null 2>&1; echo "net-dhcp: $?"
echo "net-ip: $(ip -4 addr show dev eth0 | sed -n 's/.*inet \\([0-9.]*\\).*/\\1/p')"
echo "net-mac: $(cat /sys/class/net/eth0/address)"
echo "net-features: $(cat /sys/class/net/eth0/device/features)"
echo "net-mtu: $(cat /sys/class/net/eth0/mtu)"
wget -q -O /tmp/page http://10.0.2.2:{page_port}/page && \\
    echo "net-page: $(sha256sum /tmp/page | cut -d' ' -f1)"
echo "net-from-guest-{TOKEN}" >/tmp/reply
nc -l -p {GUEST_PORT} </tmp/reply >/tmp/request &
nc_pid=$!
(sleep 240; kill $nc_pid 2>/dev/null) &
sleep 1
echo "net-listening"
wait $nc_pid
echo "net-request: $(cat /tmp/request)"
"""
    if tap:
        script += f"""\
ip addr add {TAP_GUEST}/{TAP_PREFIX} dev eth1 && ip link set eth1 up
ping -c 3 -W 5 {TAP_HOST} >/dev/null 2>&1; echo "tap-ping: $?"
wget -q -O /tmp/tap-page http://{TAP_HOST}:{page_port}/page && \\
    echo "tap-page: $(sha256sum /tmp/tap-page | cut -d' ' -f1)"
"""
    return script


class PageServer:
    """HTTP on every host address, serving PAGE at /page from a thread."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/page":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_tap(name: str) -> str | None:
    """Creates tap `name` with the host address; returns why not, or None."""
    if os.geteuid() != 0:
        return "creating a tap interface needs root"
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is absent"
    for command in (["ip", "tuntap", "add", "dev", name, "mode", "tap"],
                    ["ip", "addr", "add", f"{TAP_HOST}/{TAP_PREFIX}", "dev", name],
                    ["ip", "link", "set", name, "up"]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            subprocess.run(["ip", "link", "del", name], capture_output=True)
            return f"'{' '.join(command)}' failed: {done.stderr.strip()}"
    return None


def talk_to_forward(port: int, deadline: float) -> bytes:
    """Sends a line to the forwarded port and reads the guest's reply. slirp accepts on the
    host side at once and drops the connection if the guest is not listening yet: retry."""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
                connection.sendall(f"net-from-host-{TOKEN}\n".encode())
                reply = b""
                while chunk := connection.recv(4096):
                    reply += chunk
                if reply:
                    return reply
        except OSError:
            pass
        time.sleep(1)
    return b""


def boot(tmp_dir: pathlib.Path):
    """One boot for every check in this file: (run, reply from the forward, tap skip reason)."""
    require_accel("emu")
    tap_name = f"vireo-t{os.getpid() % 100000}"
    tap_skip = make_tap(tap_name)
    server = PageServer()
    host_port = free_port()
    try:
        kernel, initramfs, cmdline = prepare_linux_guest(
            tmp_dir, autorun(server.port, tap_skip is None))
        args = ["run", "--kernel", str(kernel), "--initrd", str(initramfs), "--cmdline", cmdline,
                "--memory", "512M", "--accel", "emu",
                "--net", f"user,hostfwd=tcp::{host_port}-:{GUEST_PORT}"]
        if tap_skip is None:
            args += ["--net", f"tap={tap_name}"]
        with LiveVm(args, TIMEOUT["emu"]) as vm:
            reply = b""
            if vm.wait_for("net-listening"):
                reply = talk_to_forward(host_port, vm.deadline)
            run = vm.finish()
    finally:
        server.close()
        if tap_skip is None:
            subprocess.run(["ip", "link", "del", tap_name], capture_output=True)
    return run, reply, tap_skip


@pytest.fixture(scope="module")
def booted(tmp_path_factory):
    run, reply, tap_skip = boot(tmp_path_factory.mktemp("net"))
    assert "vireo-guest: autorun exit 0" in run.console_lines(), run.describe()
    assert run.status == EXIT_POWEROFF, run.describe()
    return run, reply, tap_skip


def value(run, key: str) -> str:
    found = [line.split(": ", 1)[1] for line in run.console_lines()
             if line.startswith(f"{key}: ")]
    assert len(found) == 1, f"no single '{key}:' line\n{run.describe()}"
    return found[0].strip()


def test_dhcp_gives_the_guest_10_0_2_15(booted):
    run, _, _ = booted
    assert value(run, "net-dhcp") == "0", run.describe()
    assert value(run, "net-ip") == "10.0.2.15", run.describe()
    assert value(run, "net-mac") == "52:54:00:12:34:56", run.describe()
    features = value(run, "net-features")
    for bit in EXPECTED_FEATURES:
        assert features[bit] == "1", f"feature bit {bit} not negotiated: {features}"


def test_the_driver_takes_the_mtu_the_device_offers(booted):
    # VIRTIO_NET_F_MTU (virtio 1.2 5.1.4.1): Linux makes the offered value eth0's MTU; user
    # networking offers 16 KiB (src/net/slirp_backend.h says why not slirp's largest).
    run, _, _ = booted
    assert value(run, "net-mtu") == "16384", run.describe()


def test_guest_fetches_a_page_from_the_host_loopback(booted):
    run, _, _ = booted
    assert value(run, "net-page") == hashlib.sha256(PAGE).hexdigest(), run.describe()


def test_host_port_forward_reaches_a_guest_server(booted):
    run, reply, _ = booted
    assert reply.decode(errors="replace").strip() == f"net-from-guest-{TOKEN}", run.describe()
    assert value(run, "net-request") == f"net-from-host-{TOKEN}", run.describe()


def test_tap_backend_reaches_the_host(booted):
    run, _, tap_skip = booted
    if tap_skip is not None:
        print(f"SKIP: {tap_skip}")
        pytest.skip(tap_skip)
    assert value(run, "tap-ping") == "0", run.describe()
    assert value(run, "tap-page") == hashlib.sha256(PAGE).hexdigest(), run.describe()


def hello_args(net: str) -> list[str]:
    return ["run", "--kernel", str(guest("hello")), "--accel", "emu", "--net", net]


def test_a_forwarded_host_port_in_use_is_a_one_line_error():
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_usage_error(hello_args(f"user,hostfwd=tcp::{port}-:80"), str(port))


def test_a_tap_that_cannot_be_attached_is_a_one_line_error():
    # A tun device (not tap) by that name exists: attaching to it as a tap fails.
    name = f"vireo-n{os.getpid() % 100000}"
    if os.geteuid() != 0 or subprocess.run(["ip", "tuntap", "add", "dev", name, "mode", "tun"],
                                           capture_output=True).returncode != 0:
        reason = "cannot create a tun interface here (needs root and /dev/net/tun)"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    try:
        assert_usage_error(hello_args(f"tap={name}"), name)
    finally:
        subprocess.run(["ip", "link", "del", name], capture_output=True)
