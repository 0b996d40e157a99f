"""Bad user input ends `vireo run` with status 2 and one line on stderr that names the
problem: no crash, no core dump, no hang, whatever the accelerator."""

import pathlib
import re
import signal

import pytest

from vireo_harness import EXIT_USAGE, guest, run_vireo, source_dir

# Bad input is rejected before a VM runs, so this is generous.
TIMEOUT = 30
MIB = 1 << 20


def max_vcpus() -> int:
    """The documented vCPU limit, from the constant vireo enforces."""
    layout = (source_dir() / "src/x86/pc_layout.h").read_text()
    match = re.search(r"kMaxVcpus\s*=\s*(\d+)", layout)
    assert match, "kMaxVcpus not found in src/x86/pc_layout.h"
    return int(match.group(1))


def host_memory_bytes() -> int:
    """RAM and swap of this host, from /proc/meminfo."""
    total = 0
    for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
        key, value = line.split(":")
        if key in ("MemTotal", "SwapTotal"):
            total += int(value.split()[0]) * 1024
    return total


def assert_usage_error(args: list[str], *names: str):
    """Status 2, exactly one stderr line, and that line mentions one of `names`."""
    run = run_vireo(args, timeout=TIMEOUT, console="none")
    assert not run.timed_out, f"vireo hung on bad input{run.describe()}"
    assert run.status >= 0, \
        f"vireo died of signal {signal.Signals(-run.status).name}{run.describe()}"
    assert not run.core_files, f"vireo dumped core: {run.core_files}{run.describe()}"
    assert run.status == EXIT_USAGE, run.describe()
    lines = run.stderr_lines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}{run.describe()}"
    assert any(name.lower() in lines[0].lower() for name in names), \
        f"the error does not name the problem ({' or '.join(names)}){run.describe()}"
    assert run.stdout == "", f"unexpected output on stdout{run.describe()}"


def write(path: pathlib.Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def truncated_copy(tmp_path: pathlib.Path, length: int) -> str:
    data = guest("hello").read_bytes()
    assert length < len(data)
    return write(tmp_path / "truncated.elf", data[:length])


class TestKernel:
    def test_missing(self, tmp_path):
        missing = tmp_path / "no-such-kernel.elf"
        assert_usage_error(["run", "--kernel", str(missing)], missing.name, "no such file")

    def test_directory(self, tmp_path):
        assert_usage_error(["run", "--kernel", str(tmp_path)], str(tmp_path), "kernel")

    def test_empty(self, tmp_path):
        kernel = write(tmp_path / "empty.elf", b"")
        assert_usage_error(["run", "--kernel", kernel], "empty.elf", "kernel")

    def test_truncated_in_the_headers(self, tmp_path):
        # The ELF header survives, its program headers do not.
        kernel = truncated_copy(tmp_path, 64)
        assert_usage_error(["run", "--kernel", kernel], "truncated.elf", "kernel")

    def test_truncated_in_a_segment(self, tmp_path):
        # Headers and the multiboot header survive, most of the code does not.
        kernel = truncated_copy(tmp_path, 4096 + 512)
        assert_usage_error(["run", "--kernel", kernel], "truncated.elf", "kernel")

    def test_unrecognized_format(self, tmp_path):
        kernel = write(tmp_path / "notes.txt", b"this is not a kernel\n" * 400)
        assert_usage_error(["run", "--kernel", kernel], "notes.txt", "kernel")


class TestInitrd:
    def test_missing(self, tmp_path):
        missing = tmp_path / "no-such-initrd.img"
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--initrd", str(missing)],
                           missing.name, "no such file")

    def test_does_not_fit_in_memory(self, tmp_path):
        initrd = tmp_path / "huge-initrd.img"
        with initrd.open("wb") as file:
            file.truncate(64 * MIB)  # sparse: no disk space used
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--initrd", str(initrd),
                            "--memory", "32M"], "huge-initrd.img", "initrd")


class TestCpus:
    @pytest.mark.parametrize("cpus", ["0", "-1"])
    def test_too_few(self, cpus):
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--cpus", cpus], "cpus")

    def test_one_more_than_the_documented_maximum(self):
        cpus = str(max_vcpus() + 1)
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--cpus", cpus], "cpus")

    @pytest.mark.parametrize("cpus", ["4294967297", "two"])
    def test_not_a_vcpu_count(self, cpus):
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--cpus", cpus], "cpus")


class TestMemory:
    def test_larger_than_the_host_allows(self):
        mib = 2 * host_memory_bytes() // MIB
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--memory", f"{mib}M"],
                           "memory")

    @pytest.mark.parametrize("size", ["2T", "99999999999999G", "0", "1M", "lots", "12Q"])
    def test_invalid_size(self, size):
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--memory", size],
                           "memory")


class TestOptions:
    def test_unknown_option(self):
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--frobnicate"],
                           "--frobnicate")

    def test_unknown_accelerator(self):
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--accel", "warp"],
                           "accel")

    def test_unknown_console(self):
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--console", "pigeon"],
                           "console")

    def test_unknown_on_reboot(self):
        assert_usage_error(["run", "--kernel", str(guest("hello")), "--on-reboot", "panic"],
                           "on-reboot")

    def test_option_without_its_value(self):
        assert_usage_error(["run", "--kernel"], "--kernel")

    def test_unknown_command(self):
        assert_usage_error(["frobnicate"], "frobnicate")
