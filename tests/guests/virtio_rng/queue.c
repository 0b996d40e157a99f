/* The driver's side of a split virtqueue (virtio 1.2 2.7): one descriptor per request, made
 * available through the available ring and returned through the used ring. */
#include "../runtime/runtime.h"
#include "virtio.h"

/* virtio 1.2 2.7.5: the buffer is write-only for the device. */
#define VIRTQ_DESC_F_WRITE 2

/* Orders the ring updates as the program states them. x86 does not reorder stores with
 * other stores, nor loads with other loads (Intel SDM Vol. 3A 8.2.2), so the compiler is
 * the only party that could, and a locked or fencing instruction would only cost time
 * where KVM emulates ring 0. */
static inline void compiler_barrier(void) {
    __asm__ volatile("" ::: "memory");
}

void virtqueue_init(struct virtqueue* queue) {
    memset(queue, 0, sizeof *queue);
}

/* virtio 1.2 2.7.13: fill the descriptor, put its index in the next ring slot, and only
 * then move avail->idx, which hands both to the device. */
uint16_t virtqueue_post(struct virtqueue* queue, uint64_t address, uint32_t length) {
    uint16_t const index = queue->avail.index;
    uint16_t const head = index % QUEUE_SIZE;
    queue->desc[head] = (struct virtq_desc){
        .address = address,
        .length = length,
        .flags = VIRTQ_DESC_F_WRITE,
        .next = 0,
    };
    queue->avail.ring[index % QUEUE_SIZE] = head;
    compiler_barrier();
    *(volatile uint16_t*)&queue->avail.index = (uint16_t)(index + 1);
    return head;
}

/* virtio 1.2 2.7.10: used_event follows the available ring's entries; the device reads it
 * after moving the used index, so it goes out before the buffer it concerns. */
void virtqueue_set_used_event(struct virtqueue* queue, uint16_t index) {
    *(volatile uint16_t*)&queue->avail.used_event = index;
    compiler_barrier();
}

/* virtio 1.2 2.7.14: the device moves used->idx after writing the element; read the index
 * first, then the element. */
bool virtqueue_take_used(struct virtqueue* queue, struct virtq_used_element* element) {
    uint16_t const used_index = *(volatile uint16_t const*)&queue->used.index;
    if (used_index == queue->last_used) {
        return false;
    }
    compiler_barrier();
    *element = queue->used.ring[queue->last_used % QUEUE_SIZE];
    ++queue->last_used;
    return true;
}
