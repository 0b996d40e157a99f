/* vireo-vsock: AF_VSOCK stream sockets for guest tests (busybox has no vsock tools).
 *
 *   vireo-vsock cid                 prints this guest's CID (IOCTL_VM_SOCKETS_GET_LOCAL_CID)
 *   vireo-vsock listen PORT [N]     accepts N connections (default 1) one after the other on
 *                                   PORT and echoes each back until the peer shuts down its
 *                                   side; prints "vsock-listening PORT" once it listens and
 *                                   "vsock-echoed BYTES" per connection
 *   vireo-vsock connect CID PORT    sends stdin to CID:PORT, shuts down its sending side and
 *                                   copies the reply to stdout
 *
 * Exit status 0 on success, 1 with a message on stderr otherwise. */
#include <linux/vm_sockets.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char* what) {
    fprintf(stderr, "vireo-vsock: %s: %s\n", what, strerror(errno));
    return 1;
}

static unsigned parse_u32(const char* text) {
    char* end;
    unsigned long value = strtoul(text, &end, 0);
    if (*text == '\0' || *end != '\0' || value > 0xffffffffUL) {
        fprintf(stderr, "vireo-vsock: '%s' is not a 32-bit number\n", text);
        exit(1);
    }
    return (unsigned)value;
}

static int write_all(int fd, const char* data, size_t size) {
    while (size > 0) {
        ssize_t done = write(fd, data, size);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return -1;
        data += done;
        size -= (size_t)done;
    }
    return 0;
}

static int print_cid(void) {
    int fd = open("/dev/vsock", O_RDONLY);
    unsigned cid = 0;
    if (fd < 0)
        return fail("open /dev/vsock");
    if (ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) < 0)
        return fail("IOCTL_VM_SOCKETS_GET_LOCAL_CID");
    printf("%u\n", cid);
    close(fd);
    return 0;
}

/* Echoes one connection; returns the byte count or -1. */
static long long echo(int fd) {
    static char buffer[64 * 1024];
    long long total = 0;
    for (;;) {
        ssize_t got = read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            return total;
        if (write_all(fd, buffer, (size_t)got) < 0)
            return -1;
        total += got;
    }
}

static int listen_and_echo(unsigned port, unsigned count) {
    struct sockaddr_vm address = {
        .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
    int server = socket(AF_VSOCK, SOCK_STREAM, 0);
    if (server < 0)
        return fail("socket");
    if (bind(server, (struct sockaddr*)&address, sizeof address) < 0)
        return fail("bind");
    if (listen(server, 1) < 0)
        return fail("listen");
    printf("vsock-listening %u\n", port);
    fflush(stdout);
    for (unsigned i = 0; i < count; i++) {
        int connection = accept(server, NULL, NULL);
        if (connection < 0)
            return fail("accept");
        long long echoed = echo(connection);
        if (echoed < 0)
            return fail("echo");
        printf("vsock-echoed %lld\n", echoed);
        fflush(stdout);
        close(connection);
    }
    close(server);
    return 0;
}

/* Sends stdin and copies the reply to stdout at the same time, so that neither side of a
 * large transfer waits on a full buffer of the other. */
static int connect_and_send(unsigned cid, unsigned port) {
    static char buffer[64 * 1024];
    struct sockaddr_vm address = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
    int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
    if (fd < 0)
        return fail("socket");
    if (connect(fd, (struct sockaddr*)&address, sizeof address) < 0)
        return fail("connect");
    int input_open = 1;
    for (;;) {
        struct pollfd fds[2] = {{.fd = fd, .events = POLLIN},
                                {.fd = STDIN_FILENO, .events = input_open ? POLLIN : 0}};
        if (poll(fds, input_open ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return fail("poll");
        }
        if (input_open && (fds[1].revents & (POLLIN | POLLHUP))) {
            ssize_t got = read(STDIN_FILENO, buffer, sizeof buffer);
            if (got < 0)
                return fail("read stdin");
            if (got == 0) {
                input_open = 0;
                if (shutdown(fd, SHUT_WR) < 0)
                    return fail("shutdown");
            } else if (write_all(fd, buffer, (size_t)got) < 0) {
                return fail("send");
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t got = read(fd, buffer, sizeof buffer);
            if (got < 0)
                return fail("receive");
            if (got == 0)
                break;
            if (write_all(STDOUT_FILENO, buffer, (size_t)got) < 0)
                return fail("write stdout");
        }
    }
    close(fd);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "cid") == 0)
        return print_cid();
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "listen") == 0)
        return listen_and_echo(parse_u32(argv[2]), argc == 4 ? parse_u32(argv[3]) : 1);
    if (argc == 4 && strcmp(argv[1], "connect") == 0)
        return connect_and_send(parse_u32(argv[2]), parse_u32(argv[3]));
    fprintf(stderr, "usage: vireo-vsock cid | listen PORT [COUNT] | connect CID PORT\n");
    return 1;
}
