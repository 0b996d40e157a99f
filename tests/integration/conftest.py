"""pytest setup shared by the guest-level tests: the accelerator parameter."""

import pytest

import vireo_harness

ACCELERATORS = ["kvm", "emu"]


@pytest.fixture(scope="module", params=ACCELERATORS)
def accel(request) -> str:
    """Each guest test runs on KVM and on vireo's emulator; an accelerator that cannot run
    here is skipped with the reason printed."""
    vireo_harness.require_accel(request.param)
    return request.param
