/* ref-echo: the reference echo server for the benchmarks ("the practical
 * limit of read/write echo"). One thread, level-triggered epoll, one shared
 * 64 KiB buffer. It takes its sockets like our server does (socket
 * activation: LISTEN_FDS/LISTEN_PID, fds from 3), parsed here by hand so the
 * reference has no dependency that could cost it anything. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum kind { LISTENER, DATAGRAM, CONN };
static char buf[65536];

static void watch(int ep, int fd, enum kind k) {
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)k << 32 | (uint32_t)fd };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) { perror("ref-echo: epoll_ctl"); close(fd); }
}

/* A partial write is finished by waiting for POLLOUT on that one socket: it
 * stalls the other clients meanwhile, but an echo client always reads while
 * it writes, and per-connection output queues would make this no longer
 * "minimal read/write echo". */
static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w >= 0) { p += w; n -= (size_t)w; continue; }
        if (errno == EAGAIN) { struct pollfd pfd = { fd, POLLOUT, 0 }; poll(&pfd, 1, -1); }
        else if (errno != EINTR) return -1;
    }
    return 0;
}

int main(void) {
    const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
    if (!fds || !pid || atol(pid) != (long)getpid() || atoi(fds) < 1) {
        fprintf(stderr, "ref-echo: no sockets passed (run it under systemd-socket-activate)\n");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN); /* a client that vanishes must cost an EPIPE, not the server */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (int fd = 3; fd < 3 + atoi(fds); fd++) {
        int type = 0, acc = 0;
        socklen_t l = sizeof type;
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l);
        l = sizeof acc;
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        watch(ep, fd, acc ? LISTENER : type == SOCK_DGRAM ? DATAGRAM : CONN);
    }
    for (;;) {
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = (int)(uint32_t)evs[i].data.u64;
            switch ((enum kind)(evs[i].data.u64 >> 32)) {
            case LISTENER: /* drain the accept queue: one wakeup per connection is wasted work */
                for (int c; (c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;)
                    watch(ep, c, CONN);
                break;
            case DATAGRAM: /* reply to each datagram's sender; drop replies the kernel won't queue */
                for (;;) {
                    struct sockaddr_storage from;
                    socklen_t fl = sizeof from;
                    ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
                    if (r < 0) break;
                    sendto(fd, buf, (size_t)r, MSG_DONTWAIT, (struct sockaddr *)&from, fl);
                }
                break;
            case CONN: { /* up to 16 reads per wakeup while they come back full;
                          * level-triggered epoll comes back for the rest */
                ssize_t r;
                int k = 0;
                do
                    r = read(fd, buf, sizeof buf);
                while (r > 0 && write_all(fd, buf, (size_t)r) == 0 &&
                    r == (ssize_t)sizeof buf && ++k < 16);
                if ((r < 0 && errno == EAGAIN) || r > 0)
                    break;
                close(fd); /* EOF or error; close() also drops it from epoll */
                break;
            }
            }
        }
    }
}
