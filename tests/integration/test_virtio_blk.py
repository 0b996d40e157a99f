"""virtio-blk end to end on the default Linux guest (Debian's kernel and its own virtio_blk
module) on emu, in one boot with two vCPUs and two disks: `--disk data.img` (writable) and
`--disk ro.img,readonly=on`. The guest reads a known pattern and prints its checksum, writes
a marker and syncs, discards a range, and fails to write the read-only disk; after power-off
the host finds the marker in the image, holes where the discard was, and the read-only image
unchanged. Host-side problems with an image are one-line start-up errors."""

from __future__ import annotations

import fcntl
import hashlib
import os
import pathlib
import random
import struct

import pytest

from test_bad_input import assert_usage_error
from test_linux import TIMEOUT, prepare_linux_guest
from test_virtio_rng import value
from vireo_harness import EXIT_POWEROFF, guest, require_accel, run_vireo

MIB = 1 << 20
SECTOR = 512
DATA = random.Random(11).randbytes(8 * MIB)
READ_ONLY = random.Random(12).randbytes(MIB)
MARKER = f"vireo-blk-marker-{random.Random().getrandbits(48):012x}"
MARKER_OFFSET = 2 * MIB
DISCARD_OFFSET, DISCARD_LENGTH = 4 * MIB, 4 * MIB

AUTORUN = f"""\
echo "blk-serial: $(cat /sys/block/vda/serial)"
echo "blk-size: $(cat /sys/block/vda/size)"
echo "blk-queues: $(ls /sys/block/vda/mq | wc -l)"
echo "blk-ro: $(cat /sys/block/vda/ro) $(cat /sys/block/vdb/ro)"
echo "blk-sha256: $(dd if=/dev/vda bs=1M count=2 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
echo "blk-ro-sha256: $(sha256sum </dev/vdb | cut -d' ' -f1)"
printf '%s' {MARKER} | dd of=/dev/vda bs={SECTOR} seek={MARKER_OFFSET // SECTOR} conv=notrunc,fsync 2>/dev/null
echo "blk-write: $?"
sync
blkdiscard -o {DISCARD_OFFSET} -l {DISCARD_LENGTH} /dev/vda; echo "blk-discard: $?"
dd if=/dev/zero of=/dev/vdb bs={SECTOR} count=1 conv=fsync 2>/tmp/ro-error
echo "blk-ro-write: $? $(head -n 1 /tmp/ro-error)"
"""


def allocated_bytes(path: pathlib.Path) -> int:
    return path.stat().st_blocks * 512


def boot(tmp_dir: pathlib.Path):
    """One boot for every guest check in this file."""
    require_accel("emu")
    data, read_only = tmp_dir / "data.img", tmp_dir / "ro.img"
    data.write_bytes(DATA)
    read_only.write_bytes(READ_ONLY)
    allocated_before = allocated_bytes(data)
    kernel, initramfs, cmdline = prepare_linux_guest(tmp_dir, AUTORUN)
    run = run_vireo(["run", "--kernel", str(kernel), "--initrd", str(initramfs),
                     "--cmdline", cmdline, "--memory", "512M", "--cpus", "2", "--accel", "emu",
                     "--disk", str(data), "--disk", f"{read_only},readonly=on"],
                    timeout=TIMEOUT["emu"])
    return run, data, read_only, allocated_before


@pytest.fixture(scope="module")
def booted(tmp_path_factory):
    run, data, read_only, allocated_before = boot(tmp_path_factory.mktemp("blk"))
    assert "vireo-guest: autorun exit 0" in run.console_lines(), run.describe()
    assert run.status == EXIT_POWEROFF, run.describe()
    return run, data, read_only, allocated_before


def test_guest_sees_the_disks(booted):
    run, _, _, _ = booted
    assert value(run, "blk-serial") == "data.img", run.describe()  # GET_ID
    assert value(run, "blk-size") == str(len(DATA) // SECTOR), run.describe()
    assert value(run, "blk-queues") == "2", run.describe()  # one per vCPU
    assert value(run, "blk-ro") == "0 1", run.describe()


def test_guest_reads_the_image(booted):
    run, _, _, _ = booted
    assert value(run, "blk-sha256") == hashlib.sha256(DATA[:2 * MIB]).hexdigest(), run.describe()
    assert value(run, "blk-ro-sha256") == hashlib.sha256(READ_ONLY).hexdigest(), run.describe()


def test_synced_marker_is_in_the_image_after_power_off(booted):
    run, data, _, _ = booted
    assert value(run, "blk-write") == "0", run.describe()
    contents = data.read_bytes()
    assert contents[MARKER_OFFSET:MARKER_OFFSET + len(MARKER)] == MARKER.encode(), run.describe()
    # Nothing else moved.
    assert contents[:MARKER_OFFSET] == DATA[:MARKER_OFFSET]
    assert contents[MARKER_OFFSET + SECTOR:DISCARD_OFFSET] == \
        DATA[MARKER_OFFSET + SECTOR:DISCARD_OFFSET]


def test_discard_punches_holes(booted):
    run, data, _, allocated_before = booted
    assert value(run, "blk-discard") == "0", run.describe()
    contents = data.read_bytes()
    assert len(contents) == len(DATA)
    assert contents[DISCARD_OFFSET:DISCARD_OFFSET + DISCARD_LENGTH] == bytes(DISCARD_LENGTH)
    freed = allocated_before - allocated_bytes(data)
    assert freed >= DISCARD_LENGTH - MIB, f"only {freed} bytes freed{run.describe()}"


def test_read_only_disk_refuses_writes(booted):
    run, _, read_only, _ = booted
    status, _, message = value(run, "blk-ro-write").partition(" ")
    assert status != "0", run.describe()
    assert any(word in message for word in ("Read-only", "I/O error", "not permitted")), \
        run.describe()
    assert read_only.read_bytes() == READ_ONLY


def hello_args(*disks: str) -> list[str]:
    args = ["run", "--kernel", str(guest("hello")), "--accel", "emu"]
    for disk in disks:
        args += ["--disk", disk]
    return args


def test_missing_image_is_a_one_line_error(tmp_path):
    missing = tmp_path / "no-such.img"
    assert_usage_error(hello_args(str(missing)), "no-such.img")


def test_image_of_partial_sectors_is_a_one_line_error(tmp_path):
    odd = tmp_path / "odd.img"
    odd.write_bytes(bytes(1000))
    assert_usage_error(hello_args(str(odd)), "512-byte sectors")


def test_image_in_use_is_a_one_line_error(tmp_path):
    image = tmp_path / "busy.img"
    image.write_bytes(bytes(MIB))
    # The same image twice in one VM, and an image another process holds a lock on.
    assert_usage_error(hello_args(str(image), str(image)), "in use")
    with open(image, "r+b") as holder:
        fcntl.lockf(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert_usage_error(hello_args(f"{image},readonly=on"), "in use")


# FS_IOC_GETFLAGS and FS_IOC_SETFLAGS on x86-64 (linux/fs.h), FS_IMMUTABLE_FL.
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_IMMUTABLE_FL = 0x80086601, 0x40086602, 0x10


def test_read_only_file_for_a_writable_disk_is_a_one_line_error(tmp_path):
    image = tmp_path / "locked-down.img"
    image.write_bytes(bytes(MIB))
    if os.geteuid() != 0:
        image.chmod(0o444)  # enough for anyone but root
        assert_usage_error(hello_args(str(image)), "readonly=on")
        return
    # Root writes any file whatever its mode; the immutable attribute stops even root.
    with open(image, "rb") as handle:
        try:
            flags = struct.unpack("l", fcntl.ioctl(handle, FS_IOC_GETFLAGS, struct.pack("l", 0)))[0]
            fcntl.ioctl(handle, FS_IOC_SETFLAGS, struct.pack("l", flags | FS_IMMUTABLE_FL))
        except OSError as error:
            pytest.skip(f"cannot make {image} immutable here: {error}")
        try:
            assert_usage_error(hello_args(str(image)), "readonly=on")
        finally:
            fcntl.ioctl(handle, FS_IOC_SETFLAGS, struct.pack("l", flags))
