"""The VM's control socket end to end (`vireo run --api-socket`, docs/api.md) on the default
Linux guest: query-state, pause and resume (the guest's 100 ms ticker falls silent and picks
up again), bad requests on a second connection, and the ACPI power button ending the VM.
Plus the socket's start-up errors, which need no boot."""

import socket
import time

from live_vm import LiveVm
from test_bad_input import assert_usage_error
from test_linux import TIMEOUT, prepare_linux_guest
from vireo_api import (AWAIT_POWER_BUTTON, MIB, ApiClient, assert_powered_off_by_the_button,
                       wait_until)
from vireo_harness import require_accel

AUTORUN = """\
i=0
while :; do echo "tick $i"; i=$((i+1)); sleep 0.1; done &
echo "api-guest: ready"
""" + AWAIT_POWER_BUTTON


def ticks(console: str) -> list[int]:
    return [int(line.split()[1]) for line in console.splitlines()
            if line.startswith("tick ") and line.split()[1].isdigit()]


def check_bad_requests(client: ApiClient):
    """Every kind of bad request gets its error class and the connection stays usable."""
    client.send_raw(b"this is not json\n")
    assert client.read_response()["error"]["class"] == "ParseError"
    client.send_raw(b'["a", "list"]\n')
    assert client.read_response()["error"]["class"] == "InvalidRequest"
    assert client.call("launch-missiles")["error"]["class"] == "CommandNotFound"
    assert client.call("balloon-set-target", bytes=4097)["error"]["class"] == "InvalidArguments"
    assert client.call("balloon-set-target", bytes=-1)["error"]["class"] == "InvalidArguments"
    assert client.call("balloon-set-target", bytes=1 << 40)["error"]["class"] == \
        "InvalidArguments"
    assert client.call("pause", now=True)["error"]["class"] == "InvalidArguments"
    assert client.ok("query-commands")["commands"][0] == "query-state"


def check_pause_and_resume(vm: LiveVm, api: ApiClient, other: ApiClient):
    api.ok("pause")
    # A paused guest cannot answer the balloon's request for statistics, so this
    # query-balloon waits its whole wait-ms; it must hold up only its own client.
    other.send_raw(b'{"id": "slow", "command": "query-balloon", "arguments": {"wait-ms": 8000}}\n')
    time.sleep(0.5)
    asked = time.monotonic()
    assert api.ok("query-state")["state"] == "paused"
    assert time.monotonic() - asked < 4.0, "query-state waited for another client's query-balloon"
    # Output already on its way may land just after the pause; none may come after that.
    time.sleep(0.3)
    paused_ticks = ticks(vm.console())
    time.sleep(2.0)
    assert ticks(vm.console()) == paused_ticks, "the guest ran while paused"
    api.ok("resume")
    assert api.ok("query-state")["state"] == "running"
    last = paused_ticks[-1]
    assert wait_until(lambda: any(t > last + 3 for t in ticks(vm.console())), 60), \
        "the guest did not run again after resume"
    slow = other.read_response()
    assert slow["id"] == "slow" and "actual-bytes" in slow["return"], slow


def test_control_api_drives_the_linux_guest(tmp_path):
    require_accel("emu")
    kernel, initramfs, cmdline = prepare_linux_guest(tmp_path, AUTORUN)
    path = tmp_path / "api.sock"
    args = ["run", "--kernel", str(kernel), "--initrd", str(initramfs), "--cmdline", cmdline,
            "--memory", "512M", "--cpus", "2", "--accel", "emu", "--balloon",
            "--api-socket", str(path)]
    with LiveVm(args, timeout=TIMEOUT["emu"]) as vm:
        api = ApiClient(path, vm.deadline)
        assert vm.wait_for("api-guest: ready"), vm.finish().describe()
        assert wait_until(lambda: len(ticks(vm.console())) >= 3, 60), vm.finish().describe()
        state = api.ok("query-state")
        assert state["state"] == "running", state
        assert (state["vcpus"], state["memory-bytes"], state["accel"], state["balloon"]) == \
            (2, 512 * MIB, "emu", True), state
        assert state["uptime-ms"] > 0, state
        other = ApiClient(path, vm.deadline)
        check_bad_requests(other)
        check_pause_and_resume(vm, api, other)
        assert api.ok("query-state")["uptime-ms"] > state["uptime-ms"]
        api.ok("power-button")
        run = vm.finish()
        api.close()
        other.close()
    assert_powered_off_by_the_button(run)
    assert not path.exists(), "the socket file outlived vireo"


def test_api_socket_path_in_use_or_not_a_socket_is_a_one_line_error(tmp_path):
    kernel, _, _ = prepare_linux_guest(tmp_path, None)
    path = tmp_path / "api.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen()
        assert_usage_error(["run", "--kernel", str(kernel), "--api-socket", str(path)],
                           "--api-socket")
    regular = tmp_path / "file"
    regular.write_text("keep me")
    assert_usage_error(["run", "--kernel", str(kernel), "--api-socket", str(regular)],
                       "--api-socket")
    assert regular.read_text() == "keep me"
