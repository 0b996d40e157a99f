"""The test guests themselves, checked on the peer: QEMU (TCG) with the devices vireo
mimics. A guest that fails here is wrong; one that passes here and fails on vireo points
at vireo. QEMU differs in two places: its \\_S5 sleep type is 0 (the poweroff guest reads
it from the DSDT), and it ends with status 0 on a triple fault when told not to reboot."""

import pathlib
import shutil
import tempfile

import pytest

from vireo_harness import (GUEST_PASS, assert_clean_pass, debug_exit_status, find_lines, guest,
                           run_process)

QEMU = shutil.which("qemu-system-x86_64")
TIMEOUT = 60

pytestmark = pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed")


def run_qemu(name: str, *extra: str, reboot: bool = False):
    """Boots a guest on QEMU; without `reboot`, a reset ends QEMU with status 0."""
    with tempfile.TemporaryDirectory(prefix="vireo-qemu-") as tmp:
        workdir = pathlib.Path(tmp)
        console = workdir / "console.log"
        command = [QEMU, "-accel", "tcg", "-nodefaults", "-display", "none", "-m", "64",
                   "-serial", f"file:{console}",
                   "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                   "-kernel", str(guest(name)), *extra]
        if not reboot:
            command.append("-no-reboot")
        return run_process(command, TIMEOUT, console, workdir)


def fnv1a(data: bytes) -> int:
    value = 2166136261
    for byte in data:
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def test_hello(tmp_path):
    data = b"vireo"
    module = tmp_path / "module.bin"
    module.write_bytes(data)
    run = run_qemu("hello", "-append", "exit=42", "-initrd", str(module))
    assert run.status == debug_exit_status(42), run.describe()
    expected = f"length={len(data)} fnv1a=0x{fnv1a(data):08x} first={data.hex()}"
    modules = find_lines(run, "module: ")
    assert modules and modules[0].endswith(expected), run.describe()


def test_io():
    assert_clean_pass(run_qemu("io", "-device", "pc-testdev"), "io")


@pytest.mark.parametrize("cpus", [2, 4])
def test_smp(cpus):
    run = run_qemu("smp", "-smp", str(cpus), "-append", f"cpus={cpus}")
    assert run.status == GUEST_PASS, run.describe()
    assert f"smp: {cpus} cpus up" in run.console_lines(), run.describe()


def test_timer():
    assert_clean_pass(run_qemu("timer"), "timer")


def test_poweroff():
    run = run_qemu("poweroff")
    assert "acpi: FADT PM1a_CNT_BLK=0x604, DSDT \\_S5 SLP_TYPa=0" in run.console_lines(), \
        run.describe()
    assert run.status == 0, run.describe()


def test_triple_fault():
    run = run_qemu("triple_fault")
    assert find_lines(run, "triple_fault: loading"), run.describe()
    assert not find_lines(run, "FAIL"), run.describe()
    assert run.status == 0, run.describe()


def test_reboot_without_restart():
    run = run_qemu("reboot")
    assert run.console_lines().count("reboot: first boot") == 1, run.describe()
    assert run.status == 0, run.describe()


def test_reboot_with_restart_keeps_cmos():
    run = run_qemu("reboot", reboot=True)
    assert "reboot: second boot" in run.console_lines(), run.describe()
    assert run.status == GUEST_PASS, run.describe()


# QEMU sends no configuration interrupt after DEVICE_NEEDS_RESET (the spec allows that), so
# bad_buffer=1 is vireo-only; the other modes must pass on QEMU's modern-only virtio-rng.
@pytest.mark.parametrize("cmdline", ["", "intx=1", "event_idx=1"])
def test_virtio_rng(cmdline):
    run = run_qemu("virtio_rng", "-device", "virtio-rng-pci,disable-legacy=on",
                   "-append", cmdline)
    assert run.status == GUEST_PASS, run.describe()
    assert len(find_lines(run, "virtio-rng: request ")) >= 2, run.describe()
