/* vireo-tcp: TCP bulk transfer for network benchmarks inside a guest. busybox nc moves data
 * through a small buffer, so under an emulated CPU it measures system calls more than the
 * network device; this tool moves 64 KiB per call.
 *   vireo-tcp send HOST PORT BYTES   connects, sends BYTES zero bytes, shuts down, waits for
 *                                    the peer to close
 *   vireo-tcp recv HOST PORT         connects and reads until the peer closes
 * Both print "vireo-tcp: BYTES bytes in SECONDS s" (CLOCK_MONOTONIC around the transfer). */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { kChunk = 64 * 1024 };

static char buffer[kChunk];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_to(const char* host, const char* port) {
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(port));
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        fprintf(stderr, "vireo-tcp: bad IPv4 address %s\n", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr*)&address, sizeof(address)) != 0) {
        perror("vireo-tcp: connect");
        return -1;
    }
    return fd;
}

static long long send_all(int fd, long long bytes) {
    long long sent = 0;
    while (sent < bytes) {
        size_t want = bytes - sent < kChunk ? (size_t)(bytes - sent) : kChunk;
        ssize_t n = write(fd, buffer, want);
        if (n <= 0) {
            perror("vireo-tcp: write");
            return -1;
        }
        sent += n;
    }
    /* The transfer ends when the peer has everything: it closes after our FIN. */
    shutdown(fd, SHUT_WR);
    while (read(fd, buffer, sizeof(buffer)) > 0) {
    }
    return sent;
}

static long long receive_all(int fd) {
    long long received = 0;
    ssize_t n;
    while ((n = read(fd, buffer, sizeof(buffer))) > 0)
        received += n;
    return n < 0 ? -1 : received;
}

int main(int argc, char** argv) {
    int sending = argc == 5 && strcmp(argv[1], "send") == 0;
    if (!sending && !(argc == 4 && strcmp(argv[1], "recv") == 0)) {
        fprintf(stderr, "usage: vireo-tcp send HOST PORT BYTES | vireo-tcp recv HOST PORT\n");
        return 2;
    }
    int fd = connect_to(argv[2], argv[3]);
    if (fd < 0)
        return 1;
    double start = now();
    long long moved = sending ? send_all(fd, atoll(argv[4])) : receive_all(fd);
    double seconds = now() - start;
    close(fd);
    if (moved < 0)
        return 1;
    printf("vireo-tcp: %lld bytes in %.3f s\n", moved, seconds);
    return 0;
}
