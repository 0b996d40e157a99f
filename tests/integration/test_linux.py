"""The default Linux guest (guest/build-default-guest: Debian's kernel and a busybox
initramfs) boots, runs a command and powers off."""

import functools
import hashlib
import os
import pathlib
import re
import subprocess

import pytest

from vireo_harness import EXIT_POWEROFF, converse, require_accel, run_vireo, source_dir

FALLBACK_CMDLINE = "console=ttyS0 panic=-1"
MARKER = "vireo-test: linux autorun ran"
# A Linux boot on hardware KVM takes about 100 ms and QEMU TCG takes 5 s here; the
# emulator may be much slower than either.
TIMEOUT = {"kvm": 120, "emu": float(os.environ.get("VIREO_LINUX_EMU_TIMEOUT", "900"))}
KERNEL_MODE_CHECK = "KVM runs guest kernel code natively"
EMULATED_REASON = ("KVM emulates guest kernel mode on this host, so a Linux kernel cannot boot "
                   "on it here (see docs on nested kvm_pvm hosts)")


def default_guest_dir() -> pathlib.Path:
    cache = os.environ.get("VIREO_CACHE") or (
        (os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) + "/vireo")
    return pathlib.Path(cache) / "guests" / "default"


@functools.lru_cache(maxsize=None)
def kvm_kernel_mode_skip_reason() -> str | None:
    """Asks `vireo host-validate` whether KVM runs guest ring 0 natively here."""
    run = run_vireo(["host-validate"], timeout=120, console="none")
    for line in run.stdout.splitlines():
        if line.startswith(KERNEL_MODE_CHECK):
            verdict = " ".join(line.split())
            if re.search(r":\s*(WARN|FAIL)\b", line):
                return f"{EMULATED_REASON}: vireo host-validate says '{verdict}'"
            return None
    return f"{EMULATED_REASON}; vireo host-validate gave no verdict (status {run.status})"


def prepare_linux_guest(tmp_path: pathlib.Path,
                        autorun: str | None = f'echo "{MARKER} on $(uname -r) with $(nproc) cpus"\n'):
    """The default guest's kernel, its initramfs (with an autorun overlay unless `autorun`
    is None: then the guest starts a shell) and its cmdline."""
    directory = default_guest_dir()
    kernel, initramfs = directory / "vmlinuz", directory / "initramfs.cpio.gz"
    if not (kernel.is_file() and initramfs.is_file()):
        pytest.skip(f"the default Linux guest is not built in {directory} "
                    "(run guest/build-default-guest)")
    cmdline_file = directory / "cmdline"
    cmdline = cmdline_file.read_text().strip() if cmdline_file.is_file() else ""
    if autorun is None:
        return kernel, initramfs, cmdline or FALLBACK_CMDLINE
    overlay_dir = tmp_path / "overlay"
    (overlay_dir / "vireo").mkdir(parents=True)
    (overlay_dir / "vireo" / "autorun").write_text(autorun)
    overlay = tmp_path / "overlay.cpio.gz"
    subprocess.run([str(source_dir() / "guest" / "make-overlay"), str(overlay_dir),
                    str(overlay)], check=True)
    combined = tmp_path / "initramfs.cpio.gz"
    combined.write_bytes(initramfs.read_bytes() + overlay.read_bytes())
    return kernel, combined, cmdline or FALLBACK_CMDLINE


@pytest.mark.parametrize("accel", ["kvm", "emu"])
def test_default_linux_guest_boots_and_powers_off(accel, tmp_path):
    require_accel(accel)
    if accel == "kvm":
        reason = kvm_kernel_mode_skip_reason()
        if reason is not None:
            print(f"SKIP: {reason}")
            pytest.skip(reason)
    kernel, initramfs, cmdline = prepare_linux_guest(tmp_path)
    run = run_vireo(["run", "--kernel", str(kernel), "--initrd", str(initramfs),
                     "--cmdline", cmdline, "--cpus", "2", "--memory", "512M", "--accel", accel],
                    timeout=TIMEOUT[accel])
    assert "vireo-guest: userspace up" in run.console_lines(), run.describe()
    assert any(line.startswith(f"{MARKER} on ") and line.endswith("with 2 cpus")
               for line in run.console_lines()), run.describe()
    assert "vireo-guest: autorun exit 0" in run.console_lines(), run.describe()
    assert run.status == EXIT_POWEROFF, run.describe()


# seq 1 N | sha256sum in the guest, checked against Python's hash of the same bytes:
# user-space work (busybox, glibc string functions with SSE2) whose result is known.
SHA_INPUT_COUNT = 20000
# The emulated CPU has no speculation and says so in IA32_ARCH_CAPABILITIES (src/emu/msr.cpp);
# a guest that saw itself affected by ITS would send every RET through one return thunk.
VULNERABILITIES = "/sys/devices/system/cpu/vulnerabilities"


@pytest.mark.parametrize("cpus", [1, 2])
def test_emu_runs_a_script_with_the_vcpu_count(cpus, tmp_path):
    """Issue 3: the default guest boots on emu with 1 and 2 vCPUs, runs a script, powers off."""
    require_accel("emu")
    kernel, initramfs, cmdline = prepare_linux_guest(tmp_path, autorun=(
        f'echo "cpus=$(nproc)"\n'
        f'echo "its=$(cat {VULNERABILITIES}/indirect_target_selection)"\n'
        f'echo "sha256=$(seq 1 {SHA_INPUT_COUNT} | sha256sum | cut -d" " -f1)"\n'))
    run = run_vireo(["run", "--kernel", str(kernel), "--initrd", str(initramfs),
                     "--cmdline", cmdline, "--cpus", str(cpus), "--memory", "512M",
                     "--accel", "emu"], timeout=TIMEOUT["emu"])
    expected = hashlib.sha256("".join(f"{i}\n" for i in range(1, SHA_INPUT_COUNT + 1))
                              .encode()).hexdigest()
    lines = run.console_lines()
    assert f"cpus={cpus}" in lines, run.describe()
    assert "its=Not affected" in lines, run.describe()
    assert f"sha256={expected}" in lines, run.describe()
    assert "vireo-guest: autorun exit 0" in lines, run.describe()
    assert run.status == EXIT_POWEROFF, run.describe()


def test_shell_on_the_console_powers_off(tmp_path):
    """Issue 2: the default guest gives a shell on the console; `poweroff` typed there ends
    the VM with status 0."""
    require_accel("emu")
    kernel, initramfs, cmdline = prepare_linux_guest(tmp_path, autorun=None)
    # busybox's line editor asks the terminal for the cursor position (ESC [ 6 n) before it
    # reads a line; answer it as a terminal would, then type the command.
    run = converse(["run", "--kernel", str(kernel), "--initrd", str(initramfs),
                    "--cmdline", cmdline, "--accel", "emu"], console="stdio",
                   prompt=b"\x1b[6n", reply=b"\x1b[1;10Recho shell-$((6*7)); poweroff\n",
                   timeout=TIMEOUT["emu"])
    assert "vireo-guest: userspace up" in run.console, run.describe()
    assert "shell-42" in run.console, run.describe()
    assert run.status == EXIT_POWEROFF, run.describe()
