"""vireo runs the purpose-built guests of tests/guests on each accelerator."""

import re

import pytest

from vireo_harness import (EXIT_POWEROFF, EXIT_TRIPLE_FAULT, GUEST_FAIL, GUEST_PASS,
                           assert_clean_pass, converse, debug_exit_status, find_lines, guest,
                           run_guest, run_with_closed_output)

# A module whose length is not a multiple of anything convenient, with distinct bytes.
MODULE_LENGTH = 4097
HELLO_MEMORY_MIB = 64
HELLO_EXIT_VALUE = 42
MIB = 1 << 20


def fnv1a(data: bytes) -> int:
    """The fingerprint the hello guest prints (FNV-1a, 32-bit)."""
    value = 2166136261
    for byte in data:
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


@pytest.fixture(scope="module")
def module_bytes() -> bytes:
    return bytes((i * 31 + 7) & 0xFF for i in range(MODULE_LENGTH))


@pytest.fixture(scope="module")
def hello(accel, module_bytes, tmp_path_factory):
    initrd = tmp_path_factory.mktemp("hello") / "module.bin"
    initrd.write_bytes(module_bytes)
    return run_guest("hello", accel, [
        "--initrd", str(initrd), "--cmdline", f"exit={HELLO_EXIT_VALUE} marker=vireo-test",
        "--memory", f"{HELLO_MEMORY_MIB}M"])


class TestHello:
    def test_exit_status_is_debug_exit_value(self, hello):
        assert hello.status == debug_exit_status(HELLO_EXIT_VALUE), hello.describe()

    def test_prints_on_the_serial_console(self, hello):
        assert "hello from the vireo test guest" in hello.console_lines(), hello.describe()

    def test_receives_the_command_line(self, hello):
        lines = find_lines(hello, "cmdline: [")
        assert lines and f"exit={HELLO_EXIT_VALUE} marker=vireo-test" in lines[0], hello.describe()

    def test_receives_the_initrd_as_its_module(self, hello, module_bytes):
        assert find_lines(hello, "modules: 1"), hello.describe()
        expected = (f"length={MODULE_LENGTH} fnv1a=0x{fnv1a(module_bytes):08x} "
                    f"first={module_bytes[:8].hex()}")
        modules = find_lines(hello, "module: ")
        assert modules and modules[0].endswith(expected), hello.describe()

    def test_module_is_page_aligned(self, hello):
        # The guest's multiboot header asks for page-aligned modules (Multiboot 0.6.96 3.1.2).
        start = int(find_lines(hello, "module: ")[0].split("start=")[1].split()[0], 16)
        assert start % 4096 == 0, hello.describe()

    def test_memory_size_matches_the_option(self, hello):
        line = find_lines(hello, "memory: ")
        assert line, hello.describe()
        upper_kib = int(line[0].split("upper=")[1].split()[0])
        top = MIB + upper_kib * 1024
        assert HELLO_MEMORY_MIB * MIB - 2 * MIB <= top <= HELLO_MEMORY_MIB * MIB, hello.describe()

    def test_memory_map_covers_the_ram_above_1mib(self, hello):
        available = []
        for line in find_lines(hello, "mmap: "):
            fields = dict(field.split("=") for field in line.split()[1:])
            if fields["type"] == "1":
                available.append((int(fields["base"], 16), int(fields["length"], 16)))
        high = [(base, length) for base, length in available if base == MIB]
        assert high, f"no available region at 1 MiB in {available}{hello.describe()}"
        end = high[0][0] + high[0][1]
        assert HELLO_MEMORY_MIB * MIB - 2 * MIB <= end <= HELLO_MEMORY_MIB * MIB, hello.describe()


@pytest.mark.parametrize("value", [0, 1, 100])
def test_hello_exit_values(accel, value):
    run = run_guest("hello", accel, ["--cmdline", f"exit={value}"])
    assert run.status == debug_exit_status(value), run.describe()
    assert find_lines(run, "modules: 0"), run.describe()


@pytest.mark.parametrize("console", ["stdio", "socket"])
def test_console_carries_output_and_input(accel, console):
    run = converse(["run", "--kernel", str(guest("hello")), "--accel", accel,
                    "--cmdline", "echo_input=1 exit=9"], console,
                   prompt=b"waiting for console input", reply=b"Z")
    assert "hello from the vireo test guest" in run.console_lines(), run.describe()
    assert "console input: 0x5a" in run.console_lines(), run.describe()
    assert run.status == debug_exit_status(9), run.describe()


@pytest.fixture(scope="module")
def io(accel):
    return run_guest("io", accel, ["--testdev"])


class TestIo:
    def test_all_checks_pass(self, io):
        assert_clean_pass(io, "io")

    @pytest.mark.parametrize("check", [
        "PASS: scratch: 4-byte write reads back",
        "PASS: byte port: 4-byte write lands in scratch",
        "PASS: rep outsw: last word stays, high half kept",
        "PASS: rep insb: four reads of byte 3, nothing past the count",
        "PASS: mmio: 1-byte write reads back",
        "PASS: mmio: 8-byte mov write and read back (64-bit mode)",
        "PASS: mmio: rep movsq to and from the window (64-bit mode)",
        "PASS: mmio: unaligned 16-byte movdqu write and read back",
        "PASS: irq: raising an edge-triggered line interrupts",
        "PASS: irq: a level-triggered line still high after EOI interrupts again",
        "PASS: unassigned port and MMIO accesses are survived",
    ])
    def test_check_ran_and_passed(self, io, check):
        assert check in io.console_lines(), io.describe()

    def test_interrupt_handler_printed(self, io):
        assert find_lines(io, "irq: vector 0x40 handled"), io.describe()


@pytest.mark.parametrize("cpus", [2, 4])
def test_smp_all_cpus_come_up(accel, cpus):
    run = run_guest("smp", accel, ["--cpus", str(cpus), "--cmdline", f"cpus={cpus}"])
    assert run.status == GUEST_PASS, run.describe()
    for cpu in range(cpus):
        assert f"cpu {cpu} up" in run.console_lines(), run.describe()
    assert f"smp: {cpus} cpus up" in run.console_lines(), run.describe()


def test_timer_one_shot_and_periodic(accel):
    run = run_guest("timer", accel)
    assert_clean_pass(run, "timer")
    # The guest measured the APIC timer against the ACPI PM timer and programmed 4 ms periods;
    # five of them, timed by the PM timer, must take 20 ms and a little interrupt latency.
    assert any(line.endswith("(measured with the ACPI PM timer)")
               for line in find_lines(run, "lapic timer: ")), run.describe()
    periodic = find_lines(run, "periodic: 5 ticks of 4 ms in ")
    assert periodic, run.describe()
    microseconds = int(periodic[0].split(" in ")[1].split()[0])
    assert 15_000 <= microseconds <= 200_000, run.describe()


@pytest.fixture(scope="module")
def poweroff(accel):
    return run_guest("poweroff", accel)


class TestPoweroff:
    def test_acpi_s5_exits_with_status_0(self, poweroff):
        assert poweroff.status == EXIT_POWEROFF, poweroff.describe()
        assert find_lines(poweroff, "poweroff: writing"), poweroff.describe()

    def test_acpi_tables_describe_vireo_s5(self, poweroff):
        # vireo's contract: SLP_TYP 5 | SLP_EN to the 16-bit PM1a_CNT at port 0x604
        # (src/x86/pc_layout.h); the guest reads both from the FADT and the DSDT.
        line = "acpi: FADT PM1a_CNT_BLK=0x604, DSDT \\_S5 SLP_TYPa=5"
        assert line in poweroff.console_lines(), poweroff.describe()


def test_triple_fault_exits_with_status_4_and_dumps_registers(accel):
    run = run_guest("triple_fault", accel)
    assert run.status == EXIT_TRIPLE_FAULT, run.describe()
    assert find_lines(run, "triple_fault: loading an empty IDT"), run.describe()
    assert re.search(r"\b[re]ip\b", run.stderr, re.IGNORECASE), \
        f"no register dump on stderr{run.describe()}"


@pytest.mark.parametrize("via_acpi", [0, 1], ids=["8042", "acpi-reset-reg"])
def test_reboot_with_on_reboot_exit_ends_with_status_0(accel, via_acpi):
    run = run_guest("reboot", accel, ["--on-reboot", "exit", "--cmdline", f"via_acpi={via_acpi}"])
    assert run.status == EXIT_POWEROFF, run.describe()
    assert run.console_lines().count("reboot: first boot") == 1, run.describe()


@pytest.mark.parametrize("via_acpi", [0, 1], ids=["8042", "acpi-reset-reg"])
def test_reboot_with_on_reboot_restart_boots_again_keeping_cmos(accel, via_acpi):
    # A reset keeps the CMOS NVRAM on a PC (and in QEMU); the guest marks its first boot
    # there and passes on the second. A VMM that loses NVRAM makes it reboot forever.
    run = run_guest("reboot", accel, ["--on-reboot", "restart", "--cmdline",
                                      f"via_acpi={via_acpi}"], timeout=10)
    first_boots = run.console_lines().count("reboot: first boot")
    assert first_boots >= 1, run.describe()
    second_boot = "reboot: second boot" in run.console_lines()
    assert second_boot, \
        f"{first_boots} first boots and no second: CMOS NVRAM lost across the reset?" \
        f"{run.describe()}"
    assert run.status == GUEST_PASS, run.describe()


@pytest.mark.parametrize("guest_name, stream, expected", [
    ("triple_fault", "stderr", EXIT_TRIPLE_FAULT),  # the register dump goes to stderr
    ("hello", "stdout", debug_exit_status(0)),      # the console goes to stdout
])
def test_closed_output_does_not_crash_vireo(accel, guest_name, stream, expected):
    # `vireo run ... 2>&1 | head -1` leaves vireo writing into a pipe nobody reads.
    status = run_with_closed_output(["run", "--kernel", str(guest(guest_name)), "--accel", accel,
                                     "--console", "stdio"], stream)
    assert status == expected, f"vireo ended with status {status}, expected {expected}"


# The virtio_rng guest's lines for its requests: "virtio-rng: request N: LEN bytes HEX". The
# third, with the MSI-X entry masked, is made only when the queue interrupts through MSI-X;
# the fourth and fifth only with event_idx=1.
RNG_REQUEST = re.compile(r"virtio-rng: request ([1-5]): ([0-9]+) bytes ([0-9a-f]*)")
RNG_REQUEST_BYTES = 32
RNG_INTERRUPTS = re.compile(
    r"virtio_rng: ([0-9]+) queue interrupts, ([0-9]+) configuration interrupts, ([0-9]+) unclaimed")
# A 32-bit address in vireo's PCI window (src/x86/pc_layout.h) where no BAR is placed.
RNG_MOVED_BAR = 0xD0000000


@pytest.fixture(scope="module")
def virtio_rng(accel):
    return run_guest("virtio_rng", accel, ["--rng"])


def rng_requests(run) -> dict[int, bytes]:
    requests = {}
    for line in run.console_lines():
        match = RNG_REQUEST.fullmatch(line)
        if match:
            assert int(match[2]) * 2 == len(match[3]), run.describe()
            requests[int(match[1])] = bytes.fromhex(match[3])
    return requests


def rng_interrupts(run) -> tuple[int, int, int]:
    """Queue, configuration and unclaimed interrupts, as the guest counted them."""
    counts = [RNG_INTERRUPTS.fullmatch(line) for line in run.console_lines()]
    counts = [tuple(int(n) for n in match.groups()) for match in counts if match]
    assert len(counts) == 1, f"no single interrupt count line{run.describe()}"
    return counts[0]


class TestVirtioRng:
    """The guest drives virtio-rng's requestq as a driver would: PCI enumeration, the
    virtio capabilities, VERSION_1, a split ring, the doorbell (a KVM ioeventfd on kvm), and
    the MSI-X message that the queue's vector sends to the local APIC, or keeps pending
    while its entry is masked."""

    def test_all_checks_pass(self, virtio_rng):
        assert_clean_pass(virtio_rng, "virtio_rng")

    @pytest.mark.parametrize("check", [
        "PASS: pci: virtio-rng 1af4:1044 found on bus 0",
        "PASS: virtio: VIRTIO_F_VERSION_1 negotiated",
        "PASS: msix: table entries routed to this CPU's local APIC and unmasked",
        "PASS: polled: the used ring moved",
        "PASS: polled: the queue interrupt came too",
        "PASS: by interrupt: the queue interrupt woke HLT",
        "PASS: entropy: two requests give different bytes",
        "PASS: masked: the message waits in the Pending Bit Array",
        "PASS: masked: no interrupt while the entry is masked",
        "PASS: masked: unmasking sends the pending message",
        "PASS: masked: the pending bit is clear again",
        "PASS: virtio: the device resets after use",
    ])
    def test_check_ran_and_passed(self, virtio_rng, check):
        assert check in virtio_rng.console_lines(), virtio_rng.describe()

    def test_requests_bring_different_random_bytes(self, virtio_rng):
        requests = rng_requests(virtio_rng)
        assert sorted(requests) == [1, 2, 3], virtio_rng.describe()
        for data in requests.values():
            assert len(data) == RNG_REQUEST_BYTES, virtio_rng.describe()
            assert data != bytes(RNG_REQUEST_BYTES), virtio_rng.describe()
        assert len(set(requests.values())) == 3, virtio_rng.describe()

    def test_each_request_interrupted_once(self, virtio_rng):
        assert rng_interrupts(virtio_rng) == (3, 0, 0), virtio_rng.describe()


def test_virtio_rng_follows_a_bar_the_guest_moves(accel):
    # The doorbells (KVM ioeventfds on kvm) and the MMIO mapping must move with BAR 0.
    run = run_guest("virtio_rng", accel, ["--rng", "--cmdline", f"bar={RNG_MOVED_BAR:#x}"])
    assert_clean_pass(run, "virtio_rng")
    assert f"pci: BAR 0 at {RNG_MOVED_BAR:#010x}" in run.console_lines(), run.describe()
    assert sorted(rng_requests(run)) == [1, 2, 3], run.describe()


def test_virtio_rng_guest_without_the_device_reports_it(accel):
    run = run_guest("virtio_rng", accel)
    assert "FAIL: pci: virtio-rng 1af4:1044 found on bus 0" in run.console_lines(), \
        run.describe()
    assert run.status == GUEST_FAIL, run.describe()


# None on emu and under QEMU. KVM on hosts that emulate guest ring 0 (nested kvm_pvm)
# sometimes delivers a level-triggered interrupt once more after the line went low (as in
# tests/guests/io/io_irq.c): at most once per interrupt the guest claimed, since each
# lowering can race the re-delivery. The guest's ISR read tells them apart; more would be
# a storm.
def intx_unclaimed_limit(accel: str, claimed: int) -> int:
    return claimed if accel == "kvm" else 0


def test_virtio_rng_interrupts_through_intx(accel):
    """With intx=1 the guest leaves MSI-X off: requestq interrupts through INTA#, which
    vireo wires to GSI 17 for slot 1 (src/devices/pci/slot_irq.h) and writes into the
    Interrupt Line register; the guest reads the ISR to lower the level-triggered line."""
    run = run_guest("virtio_rng", accel, ["--rng", "--cmdline", "intx=1"])
    assert_clean_pass(run, "virtio_rng")
    assert "intx: interrupt pin 1, line (GSI) 17" in run.console_lines(), run.describe()
    assert sorted(rng_requests(run)) == [1, 2], run.describe()
    queue, config, unclaimed = rng_interrupts(run)
    assert (queue, config) == (2, 0), run.describe()
    assert unclaimed <= intx_unclaimed_limit(accel, queue + config), run.describe()


@pytest.mark.parametrize("interrupts", ["msix", "intx"])
def test_virtio_rng_survives_a_buffer_outside_guest_ram(accel, interrupts):
    """A descriptor pointing past guest RAM stops the queue with DEVICE_NEEDS_RESET and a
    configuration change interrupt (virtio 1.2 2.1.2); after a reset the device serves the
    next request."""
    cmdline = "bad_buffer=1" + (" intx=1" if interrupts == "intx" else "")
    run = run_guest("virtio_rng", accel, ["--rng", "--cmdline", cmdline])
    assert_clean_pass(run, "virtio_rng")
    for check in ["PASS: bad buffer: a configuration change interrupt came",
                  "PASS: bad buffer: the device sets DEVICE_NEEDS_RESET",
                  "PASS: bad buffer: nothing comes back in the used ring"]:
        assert check in run.console_lines(), run.describe()
    msix = interrupts == "msix"
    assert sorted(rng_requests(run)) == ([1, 2, 3] if msix else [1, 2]), run.describe()
    queue, config, unclaimed = rng_interrupts(run)
    assert (queue, config) == ((3 if msix else 2), 1), run.describe()
    assert unclaimed <= (0 if msix else intx_unclaimed_limit(accel, queue + config)), \
        run.describe()
    warnings = [line for line in run.stderr_lines() if "virtio-rng" in line]
    assert len(warnings) == 1 and "not guest RAM" in warnings[0], run.describe()


@pytest.mark.parametrize("interrupts", ["msix", "intx"])
def test_virtio_rng_event_idx_suppresses_one_interrupt(accel, interrupts):
    """With VIRTIO_F_EVENT_IDX the guest sets used_event one past its fourth buffer: the
    device returns it without interrupting (virtio 1.2 2.7.10), and interrupts for the fifth."""
    msix = interrupts == "msix"
    cmdline = "event_idx=1" + ("" if msix else " intx=1")
    run = run_guest("virtio_rng", accel, ["--rng", "--cmdline", cmdline])
    assert_clean_pass(run, "virtio_rng")
    for check in ["PASS: virtio: VIRTIO_F_VERSION_1 and VIRTIO_F_EVENT_IDX negotiated",
                  "PASS: event idx: no interrupt for a buffer before used_event"]:
        assert check in run.console_lines(), run.describe()
    assert sorted(rng_requests(run)) == ([1, 2, 3, 4, 5] if msix else [1, 2, 4, 5]), \
        run.describe()
    queue, config, unclaimed = rng_interrupts(run)
    assert (queue, config) == ((4 if msix else 3), 0), run.describe()
    assert unclaimed <= (0 if msix else intx_unclaimed_limit(accel, queue + config)), \
        run.describe()
