// Interrupts of a virtio-pci function (virtio 1.2 4.1.5.4, 4.1.5.5): an MSI-X vector when
// MSI-X is enabled, else the ISR bits and INTx.
#include "base/trace.h"
#include "devices/virtio/pci_layout.h"
#include "devices/virtio/virtio_pci.h"

namespace vireo::virtio {

void VirtioPciDevice::queue_interrupt(uint16_t index) {
    raise_isr(pci_layout::kIsrQueue, queue_vectors_[index].load());
}

// virtio 1.2 4.1.4.5.1: the configuration bit of the ISR is set before every configuration
// change notification, whichever way it is sent.
void VirtioPciDevice::config_interrupt() {
    raise_isr(pci_layout::kIsrConfig, config_vector_.load());
}

// With MSI-X enabled, a NO_VECTOR event sends nothing (virtio 1.2 4.1.5.4.1); the queue bit
// of the ISR is only for INTx. The ISR lock keeps the ISR and the INTx level in step.
void VirtioPciDevice::raise_isr(uint8_t bits, uint16_t vector) {
    std::lock_guard lock(isr_mutex_);
    bool const config = bits == pci_layout::kIsrConfig;
    if (config)
        isr_ |= bits;
    bool const via_msix = vector == kNoVector ? msix()->enabled() : msix()->signal(vector);
    if (via_msix)
        return;
    isr_ |= bits;
    set_intx(true);
}

// virtio 1.2 4.1.4.5: reading the ISR clears it and lowers the interrupt.
uint8_t VirtioPciDevice::read_isr() {
    std::lock_guard lock(isr_mutex_);
    uint8_t const value = isr_;
    isr_ = 0;
    set_intx(false);
    return value;
}

} // namespace vireo::virtio
