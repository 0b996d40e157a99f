"""virtio-console with named ports end to end on the default Linux guest (Debian's kernel and
its own virtio_console module) on emu, in one boot: `--console-port NAME=socket=PATH` twice
gives the guest two ports that it finds by name; a host client on one port's socket
exchanges data both ways with a guest echo loop, disconnects and connects again; the guest
writes a block to the other port (org.qemu.guest_agent.0, the guest agent's) that the host
reads and answers. A socket path in use is a one-line start-up error."""

from __future__ import annotations

import hashlib
import random

import pytest

from guest_ports import (assert_socket_in_use_is_refused, connect_unix, exchange, read_exactly,
                         value)
from live_vm import LiveVm
from test_bad_input import assert_usage_error
from test_linux import TIMEOUT, prepare_linux_guest
from vireo_harness import EXIT_POWEROFF, guest, require_accel

AGENT_PORT, ECHO_PORT = "org.qemu.guest_agent.0", "vireo.echo"
# Larger than a port's receive buffers (Linux gives each port a page per buffer), so the
# transfer needs the device to wait for buffers rather than drop.
ECHO_DATA = random.Random(11).randbytes(256 * 1024)
SECOND_SESSION = f"second-session-{random.Random().getrandbits(48):012x}\n".encode()
AGENT_BLOB_SIZE = 128 * 1024

# The guest's /init links /dev/virtio-ports/NAME to each port, as udev would; the ports may
# be named a moment after userspace is up, so the script waits for both links (10 s at most).
# The echo loop keeps the port open (fd 3) across host sessions; `cat` ends when the host
# client goes away (Linux reads return 0 once the host is disconnected and nothing is left).
AUTORUN = f"""\
for i in $(seq 100); do
    [ -e /dev/virtio-ports/{ECHO_PORT} ] && [ -e /dev/virtio-ports/{AGENT_PORT} ] && break
    sleep 0.1
done
echo "console-ports: $(ls /dev/virtio-ports | tr '\\n' ' ')"
exec 3<>/dev/virtio-ports/{ECHO_PORT}
echo "console-echo-ready"
sessions=0 tries=0
while [ $sessions -lt 2 ] && [ $tries -lt 600 ]; do
    cat <&3 | tee /tmp/session >&3
    size=$(wc -c </tmp/session)
    if [ "$size" -gt 0 ]; then
        sessions=$((sessions + 1))
        echo "console-session-$sessions: $size $(sha256sum </tmp/session | cut -d' ' -f1)"
    else
        tries=$((tries + 1))
        sleep 0.2
    fi
done
exec 3>&-
head -c {AGENT_BLOB_SIZE} /dev/urandom >/tmp/blob
exec 4<>/dev/virtio-ports/{AGENT_PORT}
echo "console-blob: $(sha256sum </tmp/blob | cut -d' ' -f1)"
cat /tmp/blob >&4
read -r reply <&4
echo "console-agent-reply: $reply"
"""


def host_side(vm: LiveVm, echo_path, agent_path) -> dict[str, bytes]:
    """What the host got back in each exchange (empty where the guest never got that far)."""
    got: dict[str, bytes] = {}
    if not vm.wait_for("console-echo-ready"):
        return got
    with connect_unix(echo_path, vm.deadline) as client:
        got["first"] = exchange(client, ECHO_DATA, len(ECHO_DATA), shut_write=False)
    # Reconnect: the port accepts a new client once the old one is gone. The port is a byte
    # stream without sessions: a guest reader that has not yet seen the first client leave
    # would read the second client's bytes as part of the first session.
    if not vm.wait_for("console-session-1: "):
        return got
    with connect_unix(echo_path, vm.deadline) as client:
        got["second"] = exchange(client, SECOND_SESSION, len(SECOND_SESSION), shut_write=False)
    if not vm.wait_for("console-blob: "):
        return got
    with connect_unix(agent_path, vm.deadline) as client:
        blob = read_exactly(client, AGENT_BLOB_SIZE)
        got["blob"] = blob
        client.sendall(f"host-read {len(blob)} {hashlib.sha256(blob).hexdigest()}\n".encode())
    return got


@pytest.fixture(scope="module")
def booted(tmp_path_factory):
    require_accel("emu")
    tmp = tmp_path_factory.mktemp("console")
    kernel, initramfs, cmdline = prepare_linux_guest(tmp, AUTORUN)
    echo_path, agent_path = tmp / "echo.sock", tmp / "agent.sock"
    args = ["run", "--kernel", str(kernel), "--initrd", str(initramfs), "--cmdline", cmdline,
            "--memory", "512M", "--accel", "emu",
            "--console-port", f"{AGENT_PORT}=socket={agent_path}",
            "--console-port", f"{ECHO_PORT}=socket={echo_path}"]
    with LiveVm(args, TIMEOUT["emu"]) as vm:
        got = host_side(vm, echo_path, agent_path)
        run = vm.finish()
    assert "vireo-guest: autorun exit 0" in run.console_lines(), run.describe()
    assert run.status == EXIT_POWEROFF, run.describe()
    return run, got


def test_guest_sees_both_ports_by_name(booted):
    run, _ = booted
    assert value(run, "console-ports").split() == sorted([AGENT_PORT, ECHO_PORT]), \
        run.describe()


def test_host_client_exchanges_data_both_ways(booted):
    run, got = booted
    assert got.get("first") == ECHO_DATA, run.describe()
    assert value(run, "console-session-1") == \
        f"{len(ECHO_DATA)} {hashlib.sha256(ECHO_DATA).hexdigest()}", run.describe()


def test_a_new_client_after_a_disconnect_reaches_the_guest(booted):
    run, got = booted
    assert got.get("second") == SECOND_SESSION, run.describe()
    assert value(run, "console-session-2") == \
        f"{len(SECOND_SESSION)} {hashlib.sha256(SECOND_SESSION).hexdigest()}", run.describe()


def test_guest_writes_to_the_agent_port_and_reads_the_answer(booted):
    run, got = booted
    blob = got.get("blob", b"")
    digest = hashlib.sha256(blob).hexdigest()
    assert len(blob) == AGENT_BLOB_SIZE, run.describe()
    assert value(run, "console-blob") == digest, run.describe()
    assert value(run, "console-agent-reply") == f"host-read {AGENT_BLOB_SIZE} {digest}", \
        run.describe()


def test_a_console_port_socket_in_use_is_a_one_line_error(tmp_path):
    assert_socket_in_use_is_refused(tmp_path, "--console-port",
                                    lambda path: f"{ECHO_PORT}=socket={path}")


def test_two_console_ports_on_one_socket_path_is_a_one_line_error(tmp_path):
    path = tmp_path / "shared.sock"
    assert_usage_error(["run", "--kernel", str(guest("hello")), "--accel", "emu",
                        "--console-port", f"a=socket={path}",
                        "--console-port", f"b=socket={path}"], str(path))
