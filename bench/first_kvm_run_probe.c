/* An LD_PRELOAD shim for bench/startup: the first time the process calls ioctl(KVM_RUN) it
 * writes one line to the file named by VIREO_BENCH_PROBE_OUT:
 *   <CLOCK_MONOTONIC ns> <user CPU us> <system CPU us>
 * The CPU times are the whole process's so far (getrusage(RUSAGE_SELF)). The same shim
 * measures vireo and QEMU, so their figures are comparable. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* KVM_RUN is _IO(KVMIO, 0x80) (linux/kvm.h). */
#define KVMIO 0xAE
#define KVM_RUN_REQUEST _IO(KVMIO, 0x80)

static atomic_int g_reported;

static void report(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    char const* path = getenv("VIREO_BENCH_PROBE_OUT");
    if (path == NULL)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    char line[128];
    int length = snprintf(line, sizeof line, "%lld %lld %lld\n",
                          (long long)now.tv_sec * 1000000000LL + now.tv_nsec,
                          (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec,
                          (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec);
    if (length > 0 && write(fd, line, (size_t)length) < 0)
        perror("first_kvm_run_probe");
    close(fd);
}

int ioctl(int fd, unsigned long request, ...) {
    static int (*real_ioctl)(int, unsigned long, ...);
    if (real_ioctl == NULL)
        real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    va_list args;
    va_start(args, request);
    void* argument = va_arg(args, void*);
    va_end(args);
    if (request == KVM_RUN_REQUEST && atomic_exchange(&g_reported, 1) == 0)
        report();
    return real_ioctl(fd, request, argument);
}
