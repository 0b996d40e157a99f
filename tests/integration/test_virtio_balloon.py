"""virtio-balloon end to end on the default Linux guest (Debian's virtio_balloon module), driven
through the control socket: the guest's statistics arrive, inflating by 128 MiB shrinks the
guest's available memory and the host's resident guest memory (the guest first touched memory
and freed it), deflating gives the memory back to the guest, and free page reporting returns
at least what the guest freed.

The host's drop is measured against the peak while the guest held the memory: pages the guest
freed come back to the host either through the balloon or through free page reporting, and
which of the two gets a given page is the guest's choice (the device's unit tests check each
path on its own)."""

from live_vm import LiveVm
from test_linux import TIMEOUT, prepare_linux_guest
from vireo_api import (AWAIT_POWER_BUTTON, MIB, ApiClient, assert_powered_off_by_the_button, poll,
                       shmem_rss_bytes)
from vireo_harness import require_accel

FILL_MIB = 160
BALLOON_BYTES = 128 * MIB
# The guest's own use moves by a few MiB between two samples.
SLACK = 24 * MIB

# The guest fills memory (page cache of a file on its RAM root file system), holds it for a
# moment so the host can see its resident size peak, then frees it.
AUTORUN = f"""\
echo "balloon-guest: driver $(ls /sys/bus/virtio/drivers/virtio_balloon | grep -c virtio)"
dd if=/dev/zero of=/fill bs=1M count={FILL_MIB} 2>/dev/null
echo "balloon-guest: filled"
sleep 3
rm /fill
echo "balloon-guest: freed"
""" + AWAIT_POWER_BUTTON


def balloon(api: ApiClient, wait_ms: int = 0) -> dict:
    return api.ok("query-balloon", timeout=30, **{"wait-ms": wait_ms})


def fresh_available(api: ApiClient) -> int:
    """The guest's MemAvailable from statistics asked for now."""
    before = balloon(api)["stats-updates"]
    status = poll(lambda: balloon(api, 5000), lambda s: s["stats-updates"] > before, 60)
    assert status, f"no fresh statistics: {balloon(api)}"
    return status["stats"]["available-bytes"]


def wait_for_actual(api: ApiClient, size: int) -> dict:
    status = poll(lambda: balloon(api), lambda s: s["actual-bytes"] == size, 180, 0.5)
    assert status, f"the balloon did not reach {size} bytes: {balloon(api)}"
    return status


def test_balloon_inflates_and_deflates(tmp_path):
    require_accel("emu")
    kernel, initramfs, cmdline = prepare_linux_guest(tmp_path, AUTORUN)
    path = tmp_path / "api.sock"
    args = ["run", "--kernel", str(kernel), "--initrd", str(initramfs), "--cmdline", cmdline,
            "--memory", "512M", "--accel", "emu", "--balloon", "--api-socket", str(path)]
    with LiveVm(args, timeout=TIMEOUT["emu"]) as vm:
        api = ApiClient(path, vm.deadline)
        assert vm.wait_for("balloon-guest: filled"), vm.finish().describe()
        peak = shmem_rss_bytes(vm.process.pid)
        assert peak > FILL_MIB * MIB, f"the guest's fill is not resident: {peak}"
        assert vm.wait_for("balloon-guest: freed"), vm.finish().describe()

        status = balloon(api, 5000)
        assert status["driver-ready"], status
        stats = status["stats"]
        assert stats["total-bytes"] <= 512 * MIB, stats
        for name in ("free-bytes", "available-bytes", "minor-faults", "swap-in-bytes"):
            assert name in stats, stats
        available = fresh_available(api)

        api.ok("balloon-set-target", bytes=BALLOON_BYTES)
        inflated = wait_for_actual(api, BALLOON_BYTES)
        assert inflated["target-bytes"] == BALLOON_BYTES, inflated
        assert inflated["inflated-bytes"] == BALLOON_BYTES, inflated
        shrunk = fresh_available(api)
        assert shrunk < available - BALLOON_BYTES + SLACK, (available, shrunk)
        host_memory = lambda: shmem_rss_bytes(vm.process.pid)  # noqa: E731
        rss = poll(host_memory, lambda r: r < peak - BALLOON_BYTES, 30)
        assert rss is not None, f"host RSS did not drop: peak {peak}, now {host_memory()}"

        api.ok("balloon-set-target", bytes=0)
        deflated = wait_for_actual(api, 0)
        assert deflated["inflated-bytes"] == 0, deflated
        regained = fresh_available(api)
        assert regained > shrunk + BALLOON_BYTES - SLACK, (shrunk, regained)

        # Free page reporting waits a couple of seconds after memory is freed (Linux's
        # page_reporting_delay) and returns whole free blocks; the guest freed FILL_MIB.
        reported = poll(lambda: balloon(api)["reported-bytes"], lambda r: r >= FILL_MIB * MIB, 60)
        assert reported is not None, f"free page reporting returned too little: {balloon(api)}"
        print(f"guest available: {available} -> {shrunk} -> {regained}; host shmem: peak {peak}"
              f" -> {rss}; reported {reported}")
        api.ok("power-button")
        run = vm.finish()
        api.close()
    assert "balloon-guest: driver 1" in run.console_lines(), run.describe()
    assert_powered_off_by_the_button(run)

