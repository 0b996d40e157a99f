"""virtio-rng end to end: `vireo run --rng` gives the default Linux guest (Debian's kernel and
its own virtio_pci and virtio-rng modules) a hardware RNG on the PCI bus, interrupting through
MSI-X, that /dev/hwrng reads from."""

import re

import pytest

from test_linux import TIMEOUT, kvm_kernel_mode_skip_reason, prepare_linux_guest
from vireo_harness import EXIT_POWEROFF, require_accel, run_vireo

AUTORUN = """\
echo "rng-current: $(cat /sys/class/misc/hw_random/rng_current)"
head -c 64 /dev/hwrng >/tmp/first && head -c 64 /dev/hwrng >/tmp/second
echo "rng-first: $(od -A n -t x1 /tmp/first | tr -d ' \\n')"
echo "rng-second: $(od -A n -t x1 /tmp/second | tr -d ' \\n')"
echo "rng-device: $(cat /sys/bus/pci/devices/0000:00:01.0/vendor 2>/dev/null):$(cat /sys/bus/pci/devices/0000:00:01.0/device 2>/dev/null)"
grep virtio0 /proc/interrupts | sed 's/^/rng-irq: /'
"""


def boot(accel: str, tmp_path, extra: list[str], cmdline_extra: str = ""):
    require_accel(accel)
    if accel == "kvm":
        reason = kvm_kernel_mode_skip_reason()
        if reason is not None:
            print(f"SKIP: {reason}")
            pytest.skip(reason)
    kernel, initramfs, cmdline = prepare_linux_guest(tmp_path, AUTORUN)
    run = run_vireo(["run", "--kernel", str(kernel), "--initrd", str(initramfs),
                     "--cmdline", f"{cmdline} {cmdline_extra}".strip(), "--memory", "512M",
                     "--accel", accel, *extra],
                    timeout=TIMEOUT[accel])
    assert "vireo-guest: autorun exit 0" in run.console_lines(), run.describe()
    assert run.status == EXIT_POWEROFF, run.describe()
    return run


def value(run, key: str) -> str:
    found = [line.split(": ", 1)[1] for line in run.console_lines()
             if line.startswith(f"{key}: ")]
    assert len(found) == 1, f"no single '{key}:' line\n{run.describe()}"
    return found[0].strip()


@pytest.mark.parametrize("accel", ["kvm", "emu"])
def test_guest_reads_random_bytes_from_virtio_rng(accel, tmp_path):
    run = boot(accel, tmp_path, ["--rng"])
    assert value(run, "rng-current") == "virtio_rng.0", run.describe()
    assert value(run, "rng-device") == "0x1af4:0x1044", run.describe()  # 0x1040 + entropy
    first, second = value(run, "rng-first"), value(run, "rng-second")
    for sample in (first, second):
        assert re.fullmatch(r"[0-9a-f]{128}", sample), run.describe()
    # Two 64-byte draws from getrandom() agreeing, or either being all zeros, would mean
    # the bytes do not come from the host's generator.
    assert first != second and "0" * 128 not in (first, second), run.describe()
    # Linux's virtio_pci uses MSI-X: one vector for configuration changes, one for the queue.
    irqs = [line for line in run.console_lines() if line.startswith("rng-irq: ")]
    assert any("PCI-MSI" in line and "virtio0-config" in line for line in irqs), run.describe()
    assert any("PCI-MSI" in line and "virtio0-input" in line for line in irqs), run.describe()


@pytest.mark.parametrize("accel", ["emu"])
def test_virtio_rng_interrupts_through_intx_without_msi(accel, tmp_path):
    """With MSI off (pci=nomsi) the driver falls back to INTA#, which the host bridge's _PRT
    routes to an I/O APIC pin (slot 1: GSI 17) as a level-triggered interrupt."""
    run = boot(accel, tmp_path, ["--rng"], "pci=nomsi")
    assert value(run, "rng-current") == "virtio_rng.0", run.describe()
    assert re.fullmatch(r"[0-9a-f]{128}", value(run, "rng-first")), run.describe()
    irqs = [line for line in run.console_lines() if line.startswith("rng-irq: ")]
    assert any(re.search(r"^rng-irq:\s+17:.*IO-APIC.*17-fasteoi\s+virtio0$", line)
               for line in irqs), run.describe()


@pytest.mark.parametrize("accel", ["emu"])
def test_without_rng_option_the_guest_has_no_hwrng(accel, tmp_path):
    run = boot(accel, tmp_path, [])
    assert value(run, "rng-current") == "none", run.describe()
