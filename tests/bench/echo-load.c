/* echo-load: load generator for echo servers (benchmarks only; no pass/fail).
 *
 *   echo-load bulk     ADDR [-n BYTES]            one stream, N bytes through the echo
 *   echo-load pingpong ADDR [-c CONNS] [-t SECS]  request/response on C connections
 *   echo-load udp      ADDR [-c SOCKS] [-t SECS] [-w TIMEOUT_MS]
 *   echo-load idle     ADDR [-c CONNS] [-t SECS]  open C connections, print READY, hold them
 *   echo-load freeport tcp|udp                    print a free port on 127.0.0.1
 *   echo-load probe    ADDR [-b SRC] [-w TIMEOUT_MS]  one message through the echo,
 *                      from address SRC (any port): echoed, refused or no reply
 *   common: [-s MSG_SIZE] (default 64); BYTES takes K/M/G suffixes (binary)
 *
 * ADDR: tcp:HOST:PORT, tcp6:[HOST]:PORT, udp:HOST:PORT, udp6:[HOST]:PORT, unix:/path
 * Every measurement prints one "RESULT key=value ..." line for scripts and one
 * human line. Every mode ends by itself: durations are bounded, and blocking
 * sockets get a receive/send timeout so a stuck server cannot hang us. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSG 65536
#define STALL_SECS 10 /* a blocking socket that moves nothing for this long is an error */

static struct sockaddr_storage addr;
static socklen_t addrlen;
static int socktype; /* SOCK_STREAM or SOCK_DGRAM */
static const char *addrstr;

static void die(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned long long parse_size(const char *s) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    switch (*end | 0x20) { /* case-insensitive suffix */
    case 'g': v <<= 10; /* fall through */
    case 'm': v <<= 10; /* fall through */
    case 'k': v <<= 10;
    }
    return v;
}

static void parse_addr(const char *s) {
    char host[256];
    int family;
    addrstr = s;
    if (!strncmp(s, "unix:", 5)) {
        struct sockaddr_un *un = (struct sockaddr_un *)&addr;
        if (strlen(s + 5) >= sizeof un->sun_path) { fprintf(stderr, "unix path too long\n"); exit(2); }
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, s + 5);
        addrlen = sizeof *un;
        socktype = SOCK_STREAM;
        return;
    }
    if (!strncmp(s, "tcp:", 4)) family = AF_INET, socktype = SOCK_STREAM, s += 4;
    else if (!strncmp(s, "tcp6:", 5)) family = AF_INET6, socktype = SOCK_STREAM, s += 5;
    else if (!strncmp(s, "udp:", 4)) family = AF_INET, socktype = SOCK_DGRAM, s += 4;
    else if (!strncmp(s, "udp6:", 5)) family = AF_INET6, socktype = SOCK_DGRAM, s += 5;
    else { fprintf(stderr, "bad address %s\n", s); exit(2); }
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host) { fprintf(stderr, "bad address %s\n", addrstr); exit(2); }
    if (*s == '[') s++; /* strip the brackets around an IPv6 literal */
    size_t hl = (size_t)(colon - s) - (colon[-1] == ']');
    memcpy(host, s, hl);
    host[hl] = 0;
    struct addrinfo hints = { .ai_family = family, .ai_socktype = socktype, .ai_flags = AI_NUMERICSERV }, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc) { fprintf(stderr, "%s: %s\n", addrstr, gai_strerror(rc)); exit(2); }
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
}

static int dial(int nonblock) {
    int fd = socket(addr.ss_family, socktype | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&addr, addrlen) < 0) die("connect");
    /* small messages must leave now, not when Nagle thinks best */
    if (socktype == SOCK_STREAM && addr.ss_family != AF_UNIX)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (nonblock) {
        if (fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR) < 0) die("fcntl");
    } else {
        struct timeval tv = { STALL_SECS, 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    return fd;
}

/* Latency histogram: 100 ns buckets up to 100 ms, preallocated, so recording
 * a sample costs an increment and never allocates during the run. */
#define HBUCKETS 1000000
static uint32_t hist[HBUCKETS];
static uint64_t hcount, hmax;

static void record(uint64_t ns) {
    uint64_t b = ns / 100;
    hist[b < HBUCKETS ? b : HBUCKETS - 1]++;
    hcount++;
    if (ns > hmax) hmax = ns;
}

static double percentile_us(double p) {
    uint64_t want = (uint64_t)(p * (double)hcount), seen = 0;
    for (size_t b = 0; b < HBUCKETS; b++)
        if ((seen += hist[b]) > want) return (double)b / 10.0;
    return (double)hmax / 1000.0;
}

/* ---- bulk: a writer thread streams, the main thread reads the echo back ---- */
static unsigned long long bulk_bytes = 1ull << 30;
static uint64_t t_start, t_wdone;

static void *bulk_writer(void *arg) {
    int fd = *(int *)arg;
    static char wbuf[MAX_MSG];
    memset(wbuf, 'x', sizeof wbuf);
    for (unsigned long long left = bulk_bytes; left > 0;) {
        ssize_t w = write(fd, wbuf, left < sizeof wbuf ? left : sizeof wbuf);
        if (w < 0) die("bulk write");
        left -= (unsigned long long)w;
    }
    t_wdone = now_ns();
    shutdown(fd, SHUT_WR); /* lets the server see EOF once it has echoed everything */
    return NULL;
}

static int run_bulk(void) {
    static char rbuf[MAX_MSG];
    int fd = dial(0);
    pthread_t th;
    unsigned long long got = 0;
    t_start = now_ns();
    if (pthread_create(&th, NULL, bulk_writer, &fd)) die("pthread_create");
    /* stop at N bytes rather than at EOF: the server need not close on half-close */
    while (got < bulk_bytes) {
        ssize_t r = read(fd, rbuf, sizeof rbuf);
        if (r <= 0) break;
        got += (unsigned long long)r;
    }
    uint64_t t_rdone = now_ns();
    pthread_join(th, NULL);
    close(fd);
    if (got != bulk_bytes) {
        fprintf(stderr, "bulk %s: echoed %llu of %llu bytes\n", addrstr, got, bulk_bytes);
        return 1;
    }
    double ws = (double)(t_wdone - t_start) / 1e9, rs = (double)(t_rdone - t_start) / 1e9;
    double wmb = (double)bulk_bytes / ws / 1e6, rmb = (double)bulk_bytes / rs / 1e6;
    printf("RESULT mode=bulk addr=%s bytes=%llu send_secs=%.3f recv_secs=%.3f send_MBps=%.0f recv_MBps=%.0f "
           "send_Gbps=%.2f recv_Gbps=%.2f\n",
           addrstr, bulk_bytes, ws, rs, wmb, rmb, wmb * 8 / 1000, rmb * 8 / 1000);
    printf("bulk %s: %llu bytes, sent at %.0f MB/s (%.2f Gbit/s), echoed back at %.0f MB/s (%.2f Gbit/s)\n",
           addrstr, bulk_bytes, wmb, wmb * 8 / 1000, rmb, rmb * 8 / 1000);
    return 0;
}

/* ---- pingpong and udp: one message outstanding per socket, driven by epoll ---- */
struct peer {
    int fd;
    size_t got;
    uint64_t seq, sent_at;
    char rbuf[MAX_MSG];
};
static size_t msg_size = 64;

/* The first 8 bytes carry a sequence number so an echo of the wrong message
 * (or, over UDP, a late reply to a message already given up on) is noticed. */
static int send_msg(struct peer *p) {
    char m[MAX_MSG];
    memset(m, 'p', msg_size);
    p->seq++;
    memcpy(m, &p->seq, msg_size < 8 ? msg_size : 8);
    p->got = 0;
    p->sent_at = now_ns();
    /* a short write of a small message to an idle socket does not happen; treat it as an error */
    return write(p->fd, m, msg_size) == (ssize_t)msg_size ? 0 : -1;
}

static int echo_ok(const struct peer *p) {
    uint64_t seq = 0;
    memcpy(&seq, p->rbuf, msg_size < 8 ? msg_size : 8);
    return seq == (p->seq & (msg_size < 8 ? (1ull << (8 * msg_size)) - 1 : ~0ull));
}

/* A stream connection the server has taken: one untimed round trip before
 * the next connect. A listener with a short accept queue (slirp4netns'
 * port handler: a backlog of 1) drops the SYN of a connect that follows
 * the last too closely, and the kernel retries it after 1, 3, 7 s: 50
 * connections would take ~20 s to open, per measurement. */
static int dial_served(void) {
    int fd = dial(0);
    char m[MAX_MSG], r[MAX_MSG];
    size_t got = 0;
    memset(m, 'w', msg_size);
    if (write(fd, m, msg_size) != (ssize_t)msg_size) die("first write");
    while (got < msg_size) {
        ssize_t n = read(fd, r + got, msg_size - got);
        if (n <= 0) { fprintf(stderr, "pingpong %s: no echo of the first message\n", addrstr); exit(1); }
        got += (size_t)n;
    }
    if (fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR) < 0) die("fcntl");
    return fd;
}

static int run_requests(int nconn, double secs, int timeout_ms) {
    int udp = socktype == SOCK_DGRAM, ep = epoll_create1(EPOLL_CLOEXEC);
    struct peer *peers = calloc((size_t)nconn, sizeof *peers);
    uint64_t done = 0, lost = 0, late = 0, errs = 0, bad = 0;
    if (!peers || ep < 0) die("setup");
    for (int i = 0; i < nconn; i++) {
        peers[i].fd = udp ? dial(1) : dial_served();
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &peers[i] };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, peers[i].fd, &ev) < 0) die("epoll_ctl");
    }
    uint64_t start = now_ns(), end = start + (uint64_t)(secs * 1e9), now = start, last_scan = start;
    uint64_t tmo = (uint64_t)timeout_ms * 1000000u;
    for (int i = 0; i < nconn; i++)
        if (send_msg(&peers[i]) < 0) errs++;
    while (now < end) {
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, udp ? 1 : 100);
        now = now_ns();
        for (int i = 0; i < n; i++) {
            struct peer *p = evs[i].data.ptr;
            for (;;) { /* drain: UDP may hold a late reply and the current one */
                ssize_t r = read(p->fd, p->rbuf + p->got, udp ? MAX_MSG : msg_size - p->got);
                if (r <= 0) {
                    if (r < 0 && errno == EAGAIN) break;
                    if (!udp) { fprintf(stderr, "pingpong %s: connection lost\n", addrstr); return 1; }
                    errs++; /* e.g. ECONNREFUSED from an ICMP; the timeout will resend */
                    break;
                }
                if (!udp && (p->got += (size_t)r) < msg_size) continue;
                if (udp && (r != (ssize_t)msg_size || !echo_ok(p) || !p->sent_at)) { late++; continue; }
                if (!udp && !echo_ok(p)) bad++;
                now = now_ns(); /* per reply: other replies' sends may postdate the epoll_wait */
                record(now - p->sent_at);
                done++;
                p->sent_at = 0;
                if (now < end && send_msg(p) < 0) errs++;
                if (!udp) break;
            }
        }
        /* UDP only: give up on replies older than the timeout and move on */
        if (udp && now - last_scan >= 1000000u) {
            last_scan = now;
            for (int i = 0; i < nconn; i++)
                if (peers[i].sent_at && peers[i].sent_at + tmo < now && now < end) {
                    lost++;
                    if (send_msg(&peers[i]) < 0) errs++;
                }
        }
    }
    double el = (double)(now - start) / 1e9, rate = el > 0 ? (double)done / el : 0;
    double p50 = percentile_us(0.50), p99 = percentile_us(0.99);
    if (udp) {
        printf("RESULT mode=udp addr=%s socks=%d size=%zu secs=%.2f dgrams_per_s=%.0f replies=%llu losses=%llu "
               "late=%llu errors=%llu p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
               addrstr, nconn, msg_size, el, rate, (unsigned long long)done, (unsigned long long)lost,
               (unsigned long long)late, (unsigned long long)errs, p50, p99, (double)hmax / 1000);
        printf("udp %s: %d sockets, %.0f replies/s, %llu lost (timeout %d ms), p50 %.1f us, p99 %.1f us\n",
               addrstr, nconn, rate, (unsigned long long)lost, timeout_ms, p50, p99);
    } else {
        printf("RESULT mode=pingpong addr=%s conns=%d size=%zu secs=%.2f rtt_per_s=%.0f round_trips=%llu "
               "p50_us=%.1f p99_us=%.1f max_us=%.1f bad_echo=%llu errors=%llu\n",
               addrstr, nconn, msg_size, el, rate, (unsigned long long)done, p50, p99, (double)hmax / 1000,
               (unsigned long long)bad, (unsigned long long)errs);
        printf("pingpong %s: %d conns, %.0f round trips/s, p50 %.1f us, p99 %.1f us\n",
               addrstr, nconn, rate, p50, p99);
    }
    return bad || (errs && !udp) ? 1 : 0;
}

/* ---- idle: many open connections, each proven served by one echoed byte ---- */
static int run_idle(int nconn, double secs) {
    int *fds = calloc((size_t)nconn, sizeof *fds);
    char c = 'i';
    if (!fds) die("calloc");
    uint64_t start = now_ns();
    for (int i = 0; i < nconn; i++) {
        fds[i] = dial(0);
        if (write(fds[i], &c, 1) != 1 || read(fds[i], &c, 1) != 1) {
            fprintf(stderr, "idle %s: connection %d not echoed\n", addrstr, i);
            return 1;
        }
    }
    double open_ms = (double)(now_ns() - start) / 1e6;
    printf("READY conns=%d\n", nconn);
    fflush(stdout); /* the script watches for READY to sample the server now */
    struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
    nanosleep(&ts, NULL);
    for (int i = 0; i < nconn; i++) close(fds[i]);
    printf("RESULT mode=idle addr=%s conns=%d open_ms=%.1f held_secs=%.1f\n", addrstr, nconn, open_ms, secs);
    return 0;
}

static int run_freeport(const char *proto) {
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof sin;
    int fd = socket(AF_INET, strcmp(proto, "udp") ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, l) < 0 || getsockname(fd, (struct sockaddr *)&sin, &l) < 0)
        die("freeport");
    printf("%d\n", ntohs(sin.sin_port));
    return 0;
}

/* ---- probe: does one message come back, and from which local address was it sent ---- */
/* Wait up to *left_ms for fd to be readable; 0 when it is, -1 on timeout. */
static int wait_readable(int fd, int *left_ms) {
    uint64_t t0 = now_ns();
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r = poll(&p, 1, *left_ms);
    *left_ms -= (int)((now_ns() - t0) / 1000000u);
    if (*left_ms < 0) *left_ms = 0;
    return r > 0 ? 0 : -1;
}

static int run_probe(const char *src, int timeout_ms) {
    char msg[64], rbuf[256], local[INET6_ADDRSTRLEN + 8] = "?";
    const char *status = "echoed", *err = "";
    size_t got = 0;
    int fd = socket(addr.ss_family, socktype | SOCK_CLOEXEC, 0), left = timeout_ms;
    if (fd < 0) die("socket");
    snprintf(msg, sizeof msg, "sa-bench-probe %d %llu\n", (int)getpid(), (unsigned long long)now_ns());
    if (src) { /* the source address, any port: a client that is not on the default address */
        struct sockaddr_in sin = { .sin_family = AF_INET };
        if (addr.ss_family != AF_INET || inet_pton(AF_INET, src, &sin.sin_addr) != 1) {
            fprintf(stderr, "probe: -b takes an IPv4 address, for an IPv4 ADDR\n");
            exit(2);
        }
        if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) die("bind");
    }
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* bounds connect() too */
    if (connect(fd, (struct sockaddr *)&addr, addrlen) < 0) {
        int e = errno;
        status = e == ECONNREFUSED ? "refused" : e == EINPROGRESS || e == ETIMEDOUT ? "no_reply" : "error";
        /* SO_SNDTIMEO ends a connect() that never completes with EINPROGRESS */
        err = e == EINPROGRESS ? "connect timed out" : strerror(e);
        goto out;
    }
    struct sockaddr_storage l;
    socklen_t ll = sizeof l;
    if (getsockname(fd, (struct sockaddr *)&l, &ll) == 0 && l.ss_family == AF_INET) {
        struct sockaddr_in *li = (struct sockaddr_in *)&l;
        inet_ntop(AF_INET, &li->sin_addr, local, sizeof local);
        snprintf(local + strlen(local), sizeof local - strlen(local), ":%d", ntohs(li->sin_port));
    }
    if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg)) {
        status = errno == ECONNREFUSED ? "refused" : "error";
        err = strerror(errno);
        goto out;
    }
    if (socktype == SOCK_STREAM) shutdown(fd, SHUT_WR);
    while (got < strlen(msg)) {
        if (wait_readable(fd, &left) < 0) { status = "no_reply"; break; }
        ssize_t r = recv(fd, rbuf + got, sizeof rbuf - 1 - got, 0);
        if (r < 0) { /* an ICMP port unreachable arrives here for a connected UDP socket */
            status = errno == ECONNREFUSED ? "refused" : errno == ECONNRESET ? "reset" : "error";
            err = strerror(errno);
            break;
        }
        if (r == 0) { status = got ? "short" : "closed"; break; }
        got += (size_t)r;
    }
    if (!strcmp(status, "echoed") && (got != strlen(msg) || memcmp(rbuf, msg, got))) status = "garbled";
out:
    close(fd);
    char e[128];
    snprintf(e, sizeof e, "%s", *err ? err : "-");
    for (char *c = e; *c; c++) if (*c == ' ') *c = '_'; /* one word in the RESULT line */
    printf("RESULT mode=probe addr=%s local=%s status=%s err=%s\n", addrstr, local, status, e);
    return 0;
}

static void usage(void) {
    fprintf(stderr, "usage: echo-load bulk|pingpong|udp|idle ADDR [-n BYTES] [-c N] [-t SECS] [-s SIZE] "
                    "[-w MS]\n       echo-load freeport tcp|udp\n"
                    "       echo-load probe ADDR [-b SRC] [-w MS]\n");
    exit(2);
}

int main(int argc, char **argv) {
    int conns = -1, timeout_ms = -1, opt;
    const char *src = NULL;
    double secs = 5;
    if (argc < 3) usage();
    const char *mode = argv[1];
    if (!strcmp(mode, "freeport")) return run_freeport(argv[2]);
    /* getopt sees the mode as argv[0]; GNU getopt lets options follow ADDR */
    while ((opt = getopt(argc - 1, argv + 1, "n:c:t:s:w:b:")) != -1) switch (opt) {
        case 'n': bulk_bytes = parse_size(optarg); break;
        case 'c': conns = atoi(optarg); break;
        case 't': secs = atof(optarg); break;
        case 's': msg_size = (size_t)parse_size(optarg); break;
        case 'w': timeout_ms = atoi(optarg); break;
        case 'b': src = optarg; break;
        default: usage();
        }
    if (optind + 1 != argc - 1 || msg_size < 1 || msg_size > MAX_MSG || bulk_bytes == 0 || secs < 0) usage();
    parse_addr(argv[optind + 1]);
    /* 1000 idle connections need more than the usual soft limit of 1024 fds */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (!strcmp(mode, "probe")) return run_probe(src, timeout_ms >= 0 ? timeout_ms : 3000);
    if (timeout_ms < 0) timeout_ms = 100;
    if (!strcmp(mode, "udp") != (socktype == SOCK_DGRAM)) usage(); /* udp mode <=> udp address */
    if (!strcmp(mode, "bulk")) return run_bulk();
    if (!strcmp(mode, "pingpong")) return run_requests(conns > 0 ? conns : 1, secs, 0);
    if (!strcmp(mode, "udp")) return run_requests(conns > 0 ? conns : 50, secs, timeout_ms);
    if (!strcmp(mode, "idle")) return run_idle(conns > 0 ? conns : 1000, secs);
    usage();
}
