"""What the I/O benchmarks (bench/virtio-blk, bench/virtio-net) share: the peer (QEMU TCG), the
default Linux guest with an autorun overlay, one boot of either VMM with a device attached,
the `bench-KEY: VALUE` lines the guest prints, and the vireo/QEMU table.

A workload is an autorun script plus the device each VMM gets. Both VMMs boot the same
kernel and the same initramfs, with one vCPU and the same memory; the host times the work
by when the guest's start and end lines reach the console (or by what it receives itself).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(os.environ.get("VIREO_BUILD_DIR", ROOT / "build"))
VIREO = BUILD / "src" / "cli" / "vireo"
AUTORUN_DONE = "vireo-guest: autorun exit 0"
MIB = 1 << 20
TOOLS = ("vireo", "qemu")
TOOL_NAMES = {"vireo": "vireo emu", "qemu": "QEMU TCG"}
POLL_SECONDS = 0.005

# Guest shell helper for autorun scripts: `timed KEY CMD...` prints "bench-KEY: start", runs
# CMD, and prints "bench-KEY: end STATUS". The host times the two lines as they reach the
# console: the guest's own clock cannot be trusted under emulation (QEMU TCG's guest saw
# 0.12 s for a dd that took over a second of wall time).
GUEST_HELPERS = """\
timed() {
    key=$1; shift
    echo "bench-$key: start"; "$@"; status=$?; echo "bench-$key: end $status"
}
"""


@dataclasses.dataclass
class Guest:
    kernel: str
    initramfs: pathlib.Path
    cmdline: str


@dataclasses.dataclass
class Devices:
    """The same device for each VMM: the extra command-line arguments of each."""
    vireo: list[str]
    qemu: list[str]


def ensure_qemu() -> str:
    qemu = shutil.which("qemu-system-x86_64")
    if qemu:
        return qemu
    print("bench: installing qemu-system-x86 from Debian's archive", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", "-q", "qemu-system-x86"], env=env).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "qemu-system-x86"], env=env, check=True)
    found = shutil.which("qemu-system-x86_64")
    if not found:
        sys.exit("bench: qemu-system-x86_64 is still missing after apt-get install")
    return found


def default_guest() -> Guest:
    out = subprocess.run([str(ROOT / "guest" / "build-default-guest"), "--quiet"], check=True,
                         capture_output=True, text=True).stdout
    paths = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return Guest(paths["vmlinuz"], pathlib.Path(paths["initramfs"]), paths["cmdline"])


def with_autorun(work: pathlib.Path, guest: Guest, autorun: str,
                 files: dict[str, pathlib.Path] | None = None) -> Guest:
    """The guest with an overlay carrying /vireo/autorun (and `files` in /vireo)."""
    overlay_dir = work / "overlay"
    (overlay_dir / "vireo").mkdir(parents=True)
    (overlay_dir / "vireo" / "autorun").write_text(GUEST_HELPERS + autorun)
    for target, source in (files or {}).items():
        shutil.copy(source, overlay_dir / "vireo" / target)
    overlay = work / "overlay.cpio.gz"
    subprocess.run([str(ROOT / "guest" / "make-overlay"), str(overlay_dir), str(overlay)],
                   check=True, capture_output=True)
    combined = work / "initramfs.cpio.gz"
    combined.write_bytes(guest.initramfs.read_bytes() + overlay.read_bytes())
    return Guest(guest.kernel, combined, guest.cmdline)


def command(tool: str, qemu: str, guest: Guest, memory: int, console: pathlib.Path,
            devices: Devices) -> list[str]:
    if tool == "vireo":
        return [str(VIREO), "run", "--accel", "emu", "--cpus", "1", "--memory", f"{memory}M",
                "--kernel", guest.kernel, "--initrd", str(guest.initramfs), "--cmdline",
                guest.cmdline, "--console", f"file={console}", *devices.vireo]
    return [qemu, "-accel", "tcg", "-smp", "1", "-m", str(memory), "-nographic", "-nodefaults",
            "-no-user-config", "-no-reboot", "-serial", f"file:{console}", "-kernel",
            guest.kernel, "-initrd", str(guest.initramfs), "-append", guest.cmdline,
            *devices.qemu]


@dataclasses.dataclass
class Console:
    """A finished boot's console output, and when (host monotonic) each line appeared."""
    text: str
    seen: dict[str, float]


def watch(process: subprocess.Popen, path: pathlib.Path, deadline: float) -> dict[str, float]:
    """Polls the console file every few milliseconds until the VM ends, noting when each
    complete line first appeared."""
    seen: dict[str, float] = {}
    partial, offset = b"", 0
    while True:
        ended = process.poll() is not None or time.monotonic() > deadline
        if path.exists():
            with open(path, "rb") as console:
                console.seek(offset)
                data = console.read()
            offset += len(data)
            *lines, partial = (partial + data).split(b"\n")
            now = time.monotonic()
            for line in lines:
                seen.setdefault(line.decode(errors="replace").strip(), now)
        if ended:
            return seen
        time.sleep(POLL_SECONDS)


def boot(argv: list[str], console: pathlib.Path, timeout: float) -> Console:
    """Runs one VM to power-off; returns its console or exits with why it failed."""
    console.unlink(missing_ok=True)
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    seen = watch(process, console, time.monotonic() + timeout)
    if process.poll() is None:
        process.kill()
    _, stderr = process.communicate()
    output = console.read_text(errors="replace") if console.exists() else ""
    if process.returncode != 0 or AUTORUN_DONE not in output:
        sys.exit(f"bench: {pathlib.Path(argv[0]).name} exited {process.returncode} without "
                 f"'{AUTORUN_DONE}':\n{stderr.decode(errors='replace')}\n{output[-3000:]}")
    return Console(output, seen)


def line_time(console: Console, line: str) -> float:
    """When `line` reached the console (matched within lines: under QEMU, SeaBIOS escape
    sequences may precede one); exits if it never did."""
    for text, when in console.seen.items():
        if text.endswith(line):
            return when
    sys.exit(f"bench: the guest never printed '{line}':\n{console.text[-3000:]}")


def values(output: str, key: str) -> list[str]:
    """The fields of the guest's `bench-KEY: ...` line; exits if there is not exactly one."""
    prefix = f"bench-{key}: "
    # Under QEMU, SeaBIOS escape sequences may precede a line: match within lines.
    found = [line[line.index(prefix) + len(prefix):].split()
             for line in output.splitlines() if prefix in line]
    if len(found) != 1:
        sys.exit(f"bench: expected one '{prefix.strip()}' line in the guest output:\n"
                 f"{output[-3000:]}")
    return found[0]


def timed_mbps(console: Console, key: str, size: int) -> float:
    """MiB/s of `size` bytes moved between a `timed KEY` pair of lines; exits if the command
    failed."""
    start = line_time(console, f"bench-{key}: start")
    end = line_time(console, f"bench-{key}: end 0")
    if end <= start:
        sys.exit(f"bench: no time passed in the guest's {key}:\n{console.text[-3000:]}")
    return size / MIB / (end - start)


def common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=3,
                        help="boots of each VMM, alternating (default 3); medians are printed")
    parser.add_argument("--memory", type=int, default=512, help="guest RAM in MiB (default 512)")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds one boot may take before it counts as hung (default 900)")
    parser.add_argument("--only", choices=TOOLS,
                        help="run one VMM only (for profiling); no ratio is printed")


Measure = Callable[[str, Console], dict[str, float]]


def compare(args: argparse.Namespace, autorun: str, devices: Callable[[pathlib.Path], Devices],
            measure: Measure, files: dict[str, pathlib.Path] | None = None
            ) -> dict[str, dict[str, list[float]]]:
    """Boots each VMM `args.runs` times, alternating, with the same guest; `measure(tool,
    console output)` turns a boot into figures. Returns figures[tool][name] per run."""
    if not VIREO.exists():
        sys.exit(f"bench: {VIREO} is missing: run scripts/build first (or set VIREO_BUILD_DIR)")
    qemu = ensure_qemu()
    tools = [args.only] if args.only else list(TOOLS)
    figures: dict[str, dict[str, list[float]]] = {tool: {} for tool in tools}
    with tempfile.TemporaryDirectory(prefix="vireo-bench-") as temp:
        work = pathlib.Path(temp)
        guest = with_autorun(work, default_guest(), autorun, files)
        for run in range(args.runs):
            for tool in tools:
                argv = command(tool, qemu, guest, args.memory, work / "console.log",
                               devices(work))
                start = time.monotonic()
                measured = measure(tool, boot(argv, work / "console.log", args.timeout))
                for name, figure in measured.items():
                    figures[tool].setdefault(name, []).append(figure)
                shown = ", ".join(f"{name} {value:.1f}" for name, value in measured.items())
                print(f"bench: run {run + 1}/{args.runs} {TOOL_NAMES[tool]}: {shown} "
                      f"(boot {time.monotonic() - start:.0f} s)", file=sys.stderr)
    return figures


def print_table(title: str, unit: str, figures: dict[str, dict[str, list[float]]]) -> None:
    """Medians (and ranges) per workload for each VMM, and vireo/QEMU."""
    tools = list(figures)
    print(title)
    header = "".join(f"{TOOL_NAMES[tool]:>16}" for tool in tools)
    print(f"{'median ' + unit:34}{header}{'vireo/QEMU' if len(tools) == 2 else '':>12}")
    for name in figures[tools[0]]:
        medians = {tool: statistics.median(figures[tool][name]) for tool in tools}
        ratio = f"{medians['vireo'] / medians['qemu']:12.2f}" if len(tools) == 2 else ""
        print(f"{name:34}" + "".join(f"{medians[tool]:16.1f}" for tool in tools) + ratio)
        ranges = "".join(f"{min(figures[t][name]):>8.1f}-{max(figures[t][name]):<7.1f}"
                         for t in tools)
        print(f"{'  range':34}{ranges}")
