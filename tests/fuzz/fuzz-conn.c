/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for a whole HTTP connection: the input's bytes go, cut
 * where the input says, through the server's real connection code (the httpd module
 * on the shared runtime of common/server.c, with its own event loop) over a
 * Unix socketpair, exactly as a client's bytes would. The client end lives
 * in the same loop, reads every response, and checks them.
 *
 * Input: byte 0 chooses the configuration (FUZZ_CONN_* bits below); the
 * rest is what the client sends, cut into chunks at every "\xff\xff". A
 * chunk goes out only once the server has read all of the one before, so
 * every cut is a boundary between two reads of the server: a head split
 * anywhere, pipelined requests, responses that wait for the socket.
 *
 * Invariants checked on what comes back:
 *  - every response is well-formed (status line, header fields, one
 *    Content-Length, a body of exactly that length unless HEAD or 304);
 *  - responses answer the requests request_parse() finds in the whole
 *    input, one each, in order, with the status it decided for malformed
 *    ones, the content behind a head (content_skip()) taken for no
 *    request: how the input was cut changes nothing;
 *  - Connection: close exactly when the connection has to close, and then
 *    nothing follows;
 *  - a file body is byte for byte a file of the fixture root, at the range
 *    Content-Range names; nothing from outside the root or from a dotfile
 *    (their contents are markers that never appear in the output);
 *  - the connection ends by itself once the client is done (no stall), the
 *    server counts as many requests as went out, and no descriptor or
 *    memory is left behind (ASan's leak check, /proc/self/fd).
 *
 * Reproducing: build/fuzz/fuzz-conn -close_fd_mask=0 FILE shows the
 * server's log; FUZZ_CONN_DUMP=PATH saves what the client received.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/sockios.h>

#include <event2/event.h>

#include "activate.h"
#include "content.h"
#include "headers.h"
#include "httpd.h"
#include "log.h"
#include "request.h"
#include "server.h"

/* Byte 0 of the input. */
#define FUZZ_CONN_NO_SYMLINKS	0x01
#define FUZZ_CONN_LIST_DIRS	0x02
#define FUZZ_CONN_DIAGNOSTICS	0x04
#define FUZZ_CONN_LOGS		0x08	/* access and debug log, --cache-control */
#define FUZZ_CONN_NO_KEEPALIVE	0x10	/* --keepalive-timeout 0 */
#define FUZZ_CONN_SMALL_SNDBUF	0x20	/* responses wait for the socket */
#define FUZZ_CONN_SIGTERM	0x40	/* SIGTERM before the last chunk */
#define FUZZ_CONN_SMALL_HEADER	0x80	/* --max-header-size 256 and
					 * --max-body-size 16, else 2048 and
					 * 4096 */

/* Longer than any run of this loop can take: past it the connection is
 * stuck, which is a bug (every timer of the server is far longer). */
/* --cache-control with FUZZ_CONN_LOGS. */
#define FUZZ_CONN_CACHE "max-age=60"

#define FUZZ_CONN_STALL_SEC 5
#define FUZZ_CONN_MAX_OUT (256u << 20)
#define FUZZ_CONN_MAX_REQS 4096

/* Contents that must never reach a client. A space and a control
 * character: no request target can contain them, so no page that echoes
 * a target (diagnostics, a redirect's Location) can either. */
#define MARK_OUTSIDE "\001never served: outside the root\001"
#define MARK_DOTFILE "\001never served: a dotfile\001"

struct fixture_file {
	const char *path;	/* below the root */
	char *data;
	size_t size;		/* distinct for every file: identifies it */
};

static char fuzz_dir[256];
static char fuzz_root[300];
static struct fixture_file fixture[8];
static size_t nfixture;

/* What the client end sees and does. */
struct fuzz_client {
	struct server *srv;
	int fd;
	const uint8_t *rest;	/* input not yet cut into chunks */
	size_t rest_len;
	const uint8_t *pend;	/* the unsent part of the current chunk */
	size_t pend_len;
	size_t chunks_left;
	bool sigterm;		/* raise SIGTERM before the last chunk */
	bool signalled;
	bool wr_done;
	struct event *ev_read, *ev_tick, *ev_stall;
	char *out;
	size_t out_len, out_cap;
};

/* What the oracle expects for one request. */
struct expect {
	int status;		/* 0: decided by the file system */
	bool head;		/* no body */
	bool must_close;
	int minor;
};

/* The original stderr: libFuzzer's -close_fd_mask=2 (the default here)
 * points fd 2 at /dev/null after LLVMFuzzerInitialize(). */
static int report_fd = STDERR_FILENO;

static void
fail(const char *why)
{
	dprintf(report_fd, "fuzz-conn: invariant violated: %s\n", why);
	abort();
}

static void
write_file(const char *path, const char *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		fail("cannot write the fixture");
}

static void
add_fixture(const char *rel, char *data, size_t size)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", fuzz_root, rel);
	write_file(path, data, size);
	fixture[nfixture].path = rel;
	fixture[nfixture].data = data;
	fixture[nfixture].size = size;
	nfixture++;
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		fail("out of memory");
	return p;
}

static void
fixture_cleanup(void)
{
	static const char *rm[] = {
		"root/index.html", "root/a.txt", "root/big.bin",
		"root/sub/index.html", "root/sub/b.css", "root/.hidden",
		"root/link-a", "root/escape", "root/escape-dir", "root/abs",
		"root/fifo", "root/list/a b&c.txt", "root/list/<x>'\".txt",
		"root/list/d", "root/sub", "root/empty", "root/list", "root",
		"outside.txt",
	};
	char path[512];
	size_t i;

	if (!fuzz_dir[0])
		return;
	for (i = 0; i < sizeof(rm) / sizeof(rm[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, rm[i]);
		if (unlink(path) < 0)
			(void)rmdir(path);
	}
	(void)rmdir(fuzz_dir);
}

/*
 * The root: files of distinct sizes (one above the server's copy limit,
 * so it goes out with sendfile()), a directory with index.html, two
 * without (one empty, one to list, with names to escape), a dotfile, a
 * FIFO, a symlink inside and three leading out.
 * Beside it, outside the root, a file that must never be served.
 */
static void
fixture_make(void)
{
	char path[512], *big;
	size_t i, bigsize = 20000;

	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp || strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz-conn.XXXXXX", tmp);
	if (!mkdtemp(fuzz_dir))
		fail("mkdtemp");
	atexit(fixture_cleanup);
	snprintf(fuzz_root, sizeof(fuzz_root), "%s/root", fuzz_dir);
	snprintf(path, sizeof(path), "%s/outside.txt", fuzz_dir);
	write_file(path, MARK_OUTSIDE "\n", strlen(MARK_OUTSIDE "\n"));
	if (mkdir(fuzz_root, 0755) < 0)
		fail("mkdir root");
	snprintf(path, sizeof(path), "%s/sub", fuzz_root);
	if (mkdir(path, 0755) < 0)
		fail("mkdir sub");
	snprintf(path, sizeof(path), "%s/empty", fuzz_root);
	if (mkdir(path, 0755) < 0)
		fail("mkdir empty");
	snprintf(path, sizeof(path), "%s/list", fuzz_root);
	if (mkdir(path, 0755) < 0)
		fail("mkdir list");
	snprintf(path, sizeof(path), "%s/list/d", fuzz_root);
	if (mkdir(path, 0755) < 0)
		fail("mkdir list/d");
	add_fixture("index.html", xstrdup("<!DOCTYPE html>\n<p>fuzz root</p>\n"),
	    strlen("<!DOCTYPE html>\n<p>fuzz root</p>\n"));
	add_fixture("a.txt", xstrdup("alpha\n"), 6);
	add_fixture("sub/index.html", xstrdup("<p>sub</p>\n"), 11);
	add_fixture("sub/b.css", xstrdup("b { color: blue }\n"), 18);
	add_fixture("list/a b&c.txt", xstrdup("list a\n"), 7);
	add_fixture("list/<x>'\".txt", xstrdup("list <x>\n"), 9);
	big = malloc(bigsize);
	if (!big)
		fail("out of memory");
	/* Never "HTTP/": a body cannot pass for a response. */
	for (i = 0; i < bigsize; i++)
		big[i] = (char)('a' + (i * 7 + i / 26) % 26);
	add_fixture("big.bin", big, bigsize);
	snprintf(path, sizeof(path), "%s/.hidden", fuzz_root);
	write_file(path, MARK_DOTFILE "\n", strlen(MARK_DOTFILE "\n"));
	snprintf(path, sizeof(path), "%s/fifo", fuzz_root);
	if (mkfifo(path, 0644) < 0)
		fail("mkfifo");
	snprintf(path, sizeof(path), "%s/link-a", fuzz_root);
	if (symlink("a.txt", path) < 0)
		fail("symlink");
	snprintf(path, sizeof(path), "%s/escape", fuzz_root);
	if (symlink("../outside.txt", path) < 0)
		fail("symlink");
	snprintf(path, sizeof(path), "%s/escape-dir", fuzz_root);
	if (symlink("..", path) < 0)
		fail("symlink");
	snprintf(path, sizeof(path), "%s/abs", fuzz_root);
	{
		char target[512];

		snprintf(target, sizeof(target), "%s/outside.txt", fuzz_dir);
		if (symlink(target, path) < 0)
			fail("symlink");
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *args[256];
	static char quiet[] = "-close_fd_mask=2";
	int i;
	bool has_mask = false;

	/* The server's info lines (one per connection) would bury
	 * libFuzzer's own output: close the target's stderr unless asked
	 * otherwise. Sanitizer reports still go to libFuzzer's copy. */
	for (i = 0; i < *argc; i++)
		if (strncmp((*argv)[i], "-close_fd_mask=", 15) == 0)
			has_mask = true;
	if (!has_mask && *argc < (int)(sizeof(args) / sizeof(args[0])) - 1) {
		args[0] = (*argv)[0];
		args[1] = quiet;
		for (i = 1; i < *argc; i++)
			args[i + 1] = (*argv)[i];
		args[*argc + 1] = NULL;
		*argc += 1;
		*argv = args;
	}
	report_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (report_fd < 0)
		report_fd = STDERR_FILENO;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("JOURNAL_STREAM");
	signal(SIGPIPE, SIG_IGN);
	fixture_make();
	return 0;
}

static size_t
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t n = 0;

	if (!d)
		fail("cannot open /proc/self/fd");
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The next chunk of the input: up to the next "\xff\xff" or the end. */
static bool
next_chunk(struct fuzz_client *cl)
{
	const uint8_t *sep;

	if (cl->chunks_left == 0)
		return false;
	sep = memmem(cl->rest, cl->rest_len, "\xff\xff", 2);
	cl->pend = cl->rest;
	if (sep) {
		cl->pend_len = (size_t)(sep - cl->rest);
		cl->rest_len -= cl->pend_len + 2;
		cl->rest = sep + 2;
	} else {
		cl->pend_len = cl->rest_len;
		cl->rest_len = 0;
	}
	cl->chunks_left--;
	return true;
}

static size_t
count_chunks(const uint8_t *p, size_t len)
{
	const uint8_t *sep;
	size_t n = 1;

	while ((sep = memmem(p, len, "\xff\xff", 2))) {
		n++;
		len -= (size_t)(sep - p) + 2;
		p = sep + 2;
	}
	return n;
}

static void
client_done_writing(struct fuzz_client *cl)
{
	if (cl->wr_done)
		return;
	cl->wr_done = true;
	(void)shutdown(cl->fd, SHUT_WR);
}

static bool
client_read(struct fuzz_client *cl)
{
	ssize_t n;

	for (;;) {
		if (cl->out_cap - cl->out_len < 65536) {
			size_t cap = cl->out_cap ? cl->out_cap * 2 : 1u << 17;
			char *p;

			if (cap > FUZZ_CONN_MAX_OUT)
				fail("more than 256 MiB of responses");
			p = realloc(cl->out, cap);
			if (!p)
				fail("out of memory");
			cl->out = p;
			cl->out_cap = cap;
		}
		n = recv(cl->fd, cl->out + cl->out_len, cl->out_cap - cl->out_len,
		    MSG_DONTWAIT);
		if (n > 0) {
			cl->out_len += (size_t)n;
			continue;
		}
		if (n == 0)
			return true;	/* EOF */
		if (errno == EAGAIN || errno == EINTR)
			return false;
		if (errno == ECONNRESET)
			fail("the server reset a Unix stream connection");
		fail("recv failed");
	}
}

static void
client_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fuzz_client *cl = arg;

	(void)fd;
	(void)what;
	if (client_read(cl))
		event_del(cl->ev_read);
}

static void
client_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct fuzz_client *cl = arg;
	int unread = 0;
	ssize_t n;

	(void)fd;
	(void)what;
	while (!cl->wr_done) {
		if (cl->pend_len == 0) {
			/* Only once the server has read the chunk before:
			 * each cut is then a cut between two of its reads. */
			if (ioctl(cl->fd, SIOCOUTQ, &unread) < 0)
				fail("SIOCOUTQ");
			if (unread > 0)
				break;
			if (cl->sigterm && cl->chunks_left == 1) {
				if (!cl->signalled) {
					cl->signalled = true;
					raise(SIGTERM);
				}
				if (!server_stopping(cl->srv))
					break;
			}
			if (!next_chunk(cl)) {
				client_done_writing(cl);
				return;
			}
			continue;
		}
		n = send(cl->fd, cl->pend, cl->pend_len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n < 0) {
			/* The server closed its end: nothing more to say. */
			client_done_writing(cl);
			return;
		}
		cl->pend += n;
		cl->pend_len -= (size_t)n;
	}
	evtimer_add(cl->ev_tick, &now);
}

static void
client_stall_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fail("the connection did not end within 5 s of the client's last "
	    "byte (stalled state machine)");
}

/* The requests of the whole input, as the server must see them whatever
 * the cuts. Returns how many it will answer. */
static size_t
oracle(const char *in, size_t len, const struct request_limits *lim,
    bool keepalive, struct expect *exp, size_t nexp)
{
	struct request req;
	struct content ct;
	size_t pos = 0, n = 0, scanned, used;
	bool in_content = false;

	while (pos < len && n < nexp) {
		if (in_content) {
			/* The content of the request before: no request of
			 * its own; broken or too large, the connection ends
			 * after that request's response. */
			if (content_skip(&ct, in + pos, len - pos, &used) !=
			    CONTENT_DONE)
				break;
			pos += used;
			in_content = false;
			continue;
		}
		scanned = 0;
		if (request_parse(in + pos, len - pos, lim, &scanned,
		    &req) == REQUEST_INCOMPLETE)
			break;
		exp[n].status = req.status;
		exp[n].head = req.method == REQUEST_HEAD;
		exp[n].must_close = req.must_close || !req.keep_alive ||
		    !keepalive;
		exp[n].minor = req.minor;
		n++;
		if (exp[n - 1].must_close)
			break;
		pos += req.len;
		if (req.status == 0 && req.content == REQUEST_CONTENT_LENGTH) {
			content_start_length(&ct, req.content_length,
			    lim->content);
			in_content = true;
		} else if (req.status == 0 &&
		    req.content == REQUEST_CONTENT_CHUNKED) {
			content_start_chunked(&ct, lim->content);
			in_content = true;
		}
	}
	return n;
}

static bool
starts(const char *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && memcmp(p, s, l) == 0;
}

static bool
parse_u64(const char *p, size_t n, uint64_t *v)
{
	size_t i;

	if (n == 0 || n > 19)
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return true;
}

struct resp_head {
	int status;
	uint64_t clen;
	bool has_clen, close, keepalive, has_etag, has_range;
	bool cache_control;	/* Cache-Control: FUZZ_CONN_CACHE */
	uint64_t r_first, r_last, r_size;
	size_t len;		/* of the head, blank line included */
};

/* One response head at p[0..n), checked field by field. */
static void
check_head(const char *p, size_t n, struct resp_head *rh)
{
	const char *end, *line, *colon;
	size_t i, ll;
	bool server = false, date = false, clen_seen = false;
	time_t t;
	char want[64];

	memset(rh, 0, sizeof(*rh));
	end = memmem(p, n, "\r\n\r\n", 4);
	if (!end)
		fail("a response head without its blank line");
	rh->len = (size_t)(end - p) + 4;
	if (!starts(p, n, "HTTP/1.1 ") || rh->len < 14 ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || p[12] != ' ')
		fail("malformed status line");
	rh->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	snprintf(want, sizeof(want), "HTTP/1.1 %d %s\r\n", rh->status,
	    request_reason(rh->status));
	if (!starts(p, n, want) || strcmp(request_reason(rh->status),
	    "Unknown") == 0)
		fail("status line with an unknown status or a wrong reason");
	line = p + strlen(want);
	while (line < end + 2) {
		const char *eol = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
		const char *v;
		size_t vl;

		ll = (size_t)(eol - line);
		colon = memchr(line, ':', ll);
		if (!colon || colon == line || colon + 1 >= eol ||
		    colon[1] != ' ')
			fail("header field without \"Name: value\"");
		for (i = 0; line + i < colon; i++)
			if (!((line[i] >= 'A' && line[i] <= 'Z') ||
			    (line[i] >= 'a' && line[i] <= 'z') || line[i] == '-'))
				fail("bad header field name");
		v = colon + 2;
		vl = (size_t)(eol - v);
		for (i = 0; i < vl; i++)
			if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
				fail("control or non-ASCII byte in a header field value");
#define FIELD(name) ((size_t)(colon - line) == strlen(name) && \
	memcmp(line, name, strlen(name)) == 0)
		if (FIELD("Server")) {
			server = true;
		} else if (FIELD("Date")) {
			if (hdr_date_parse(v, vl, &t) != 0 || vl != 29)
				fail("Date is not an IMF-fixdate");
			date = true;
		} else if (FIELD("Content-Length")) {
			if (clen_seen || !parse_u64(v, vl, &rh->clen))
				fail("repeated or malformed Content-Length");
			clen_seen = rh->has_clen = true;
		} else if (FIELD("Connection")) {
			if (vl == 5 && memcmp(v, "close", 5) == 0)
				rh->close = true;
			else if (vl == 10 && memcmp(v, "keep-alive", 10) == 0)
				rh->keepalive = true;
			else
				fail("bad Connection value");
		} else if (FIELD("ETag")) {
			rh->has_etag = true;
		} else if (FIELD("Content-Range")) {
			const char *dash, *slash;

			if (!starts(v, vl, "bytes "))
				fail("bad Content-Range");
			slash = memchr(v, '/', vl);
			if (!slash)
				fail("bad Content-Range");
			if (!parse_u64(slash + 1, (size_t)(v + vl - slash - 1),
			    &rh->r_size))
				fail("bad Content-Range size");
			if (v[6] != '*') {
				dash = memchr(v, '-', (size_t)(slash - v));
				if (!dash || !parse_u64(v + 6,
				    (size_t)(dash - v - 6), &rh->r_first) ||
				    !parse_u64(dash + 1,
				    (size_t)(slash - dash - 1), &rh->r_last) ||
				    rh->r_first > rh->r_last ||
				    rh->r_last >= rh->r_size)
					fail("bad Content-Range range");
				rh->has_range = true;
			}
		} else if (FIELD("Location")) {
			if (vl == 0 || v[0] != '/')
				fail("Location is not an absolute path");
		} else if (FIELD("Allow")) {
			if (vl != 18 || memcmp(v, "GET, HEAD, OPTIONS", 18) != 0)
				fail("bad Allow");
		} else if (FIELD("Cache-Control")) {
			if (vl == 8 && memcmp(v, "no-store", 8) == 0)
				;	/* the diagnostics page */
			else if (vl == strlen(FUZZ_CONN_CACHE) &&
			    memcmp(v, FUZZ_CONN_CACHE, vl) == 0)
				rh->cache_control = true;
			else
				fail("bad Cache-Control");
		} else if (!FIELD("Content-Type") && !FIELD("Last-Modified") &&
		    !FIELD("Accept-Ranges") && !FIELD("Vary") &&
		    !FIELD("Content-Security-Policy")) {
			fail("a header field this server never sends");
		}
#undef FIELD
		line = eol + 2;
	}
	if (!server || !date)
		fail("Server or Date missing");
	if (rh->status == 304 ? rh->has_clen : !rh->has_clen)
		fail("Content-Length missing (or sent with 304)");
	if (rh->status == 206 && (!rh->has_range ||
	    rh->r_last - rh->r_first + 1 != rh->clen))
		fail("206 whose Content-Range does not match its length");
	if (rh->close && rh->keepalive)
		fail("Connection: close and keep-alive");
	/* --cache-control is for files (200, 206, 304), nothing else. */
	if (rh->cache_control && (!rh->has_etag || (rh->status != 200 &&
	    rh->status != 206 && rh->status != 304)))
		fail("Cache-Control on something that is not a file");
}

/* A file body: the bytes of one fixture file, at the range sent. */
static void
check_file_body(const struct resp_head *rh, const char *body)
{
	uint64_t size = rh->status == 206 ? rh->r_size : rh->clen;
	uint64_t off = rh->status == 206 ? rh->r_first : 0;
	size_t i;

	for (i = 0; i < nfixture; i++)
		if (fixture[i].size == size)
			break;
	if (i == nfixture)
		fail("a file body that matches no file of the root");
	if (memcmp(fixture[i].data + off, body, rh->clen) != 0)
		fail("a file body that differs from the file");
}

static void
check_output(const struct fuzz_client *cl, const struct expect *exp,
    size_t nexp, bool stopped, uint64_t requests)
{
	const char *p = cl->out;
	size_t n = cl->out_len, i = 0;
	struct resp_head rh;

	if (memmem(p, n, MARK_OUTSIDE, strlen(MARK_OUTSIDE)) ||
	    memmem(p, n, MARK_DOTFILE, strlen(MARK_DOTFILE)))
		fail("a file from outside the root, or a dotfile, was served");
	while (n > 0) {
		bool body;

		if (i == nexp)
			fail("more responses than requests");
		check_head(p, n, &rh);
		if (exp[i].status && rh.status != exp[i].status)
			fail("a malformed request got another status than "
			    "request_parse() decided");
		if (!exp[i].status && rh.status != 200 && rh.status != 206 &&
		    rh.status != 301 && rh.status != 304 && rh.status != 400 &&
		    rh.status != 403 && rh.status != 404 && rh.status != 406 &&
		    rh.status != 412 && rh.status != 416)
			fail("a well-formed GET/HEAD/OPTIONS got an unexpected "
			    "status");
		if (!stopped && rh.close != (exp[i].must_close ||
		    rh.status == 500))
			fail("Connection: close where the connection could go "
			    "on, or missing where it cannot");
		if (!rh.close && (rh.keepalive != (exp[i].minor == 0)))
			fail("Connection: keep-alive wrong for the HTTP version");
		body = !exp[i].head && rh.status != 304;
		if (body && rh.clen > n - rh.len)
			fail("a response cut short");
		if (body && rh.has_etag && (rh.status == 200 || rh.status == 206))
			check_file_body(&rh, p + rh.len);
		p += rh.len + (body ? rh.clen : 0);
		n -= rh.len + (body ? rh.clen : 0);
		i++;
		if (rh.close && n > 0)
			fail("bytes after a Connection: close response");
	}
	if (!stopped && i != nexp)
		fail("a complete request got no response");
	if (requests != i)
		fail("the server handled another number of requests than it "
		    "answered");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct expect exp[FUZZ_CONN_MAX_REQS];
	struct timeval stall = { FUZZ_CONN_STALL_SEC, 0 };
	struct server_conf sconf = {
		.max_conns = 16,
		.shutdown_timeout_ms = 3000,
	};
	struct httpd_conf hconf = {
		/* A small cache, so evictions happen too. */
		.cache_entries = 4,
		.cache_bytes = 4096,
		.header_timeout_ms = 30000,
		.keepalive_timeout_ms = 30000,
		.send_timeout_ms = 30000,
	};
	struct fuzz_client cl = { .fd = -1 };
	struct sock *socks = NULL;
	char err[256], *all = NULL;
	const char *dump;
	size_t fds_before, all_len = 0, nexp, i;
	uint64_t requests = 0;
	uint8_t flags;
	int sv[2] = { -1, -1 };
	struct event_base *base;

	if (size < 1 || size > 65536)
		return 0;
	flags = data[0];
	fds_before = count_fds();

	/* The bytes the server will be sent, without the cuts. */
	all = malloc(size);
	if (!all)
		fail("out of memory");
	for (i = 1; i < size; i++) {
		if (i + 1 < size && data[i] == 0xff && data[i + 1] == 0xff) {
			i++;
			continue;
		}
		all[all_len++] = (char)data[i];
	}

	hconf.no_symlinks = flags & FUZZ_CONN_NO_SYMLINKS;
	hconf.list_dirs = flags & FUZZ_CONN_LIST_DIRS;
	hconf.diagnostics = flags & FUZZ_CONN_DIAGNOSTICS;
	hconf.access_log = flags & FUZZ_CONN_LOGS;
	hconf.cache_control = flags & FUZZ_CONN_LOGS ? FUZZ_CONN_CACHE : NULL;
	if (flags & FUZZ_CONN_NO_KEEPALIVE)
		hconf.keepalive_timeout_ms = 0;
	hconf.limits.head = flags & FUZZ_CONN_SMALL_HEADER ? 256 : 2048;
	hconf.limits.content = flags & FUZZ_CONN_SMALL_HEADER ? 16 : 4096;
	log_init("fuzz-conn", flags & FUZZ_CONN_LOGS ? 1 : 0);
	hconf.rootfd = open(fuzz_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hconf.rootfd < 0)
		fail("cannot open the fixture root");

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
	    sv) < 0)
		fail("socketpair");
	if (flags & FUZZ_CONN_SMALL_SNDBUF) {
		int one = 1;

		/* The kernel's minimum: most responses wait for the client. */
		(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	}
	socks = calloc(1, sizeof(*socks));
	if (!socks)
		fail("out of memory");
	/* A connection as systemd passes it with Accept=yes. */
	if (activate_describe(sv[0], "fuzz", ACTIVATE_STREAM, socks, err,
	    sizeof(err)) < 0)
		fail(err);
	socks->activated = true;
	cl.srv = server_new(&sconf, socks, 1);
	if (!cl.srv)
		fail("server_new");
	if (httpd_new(cl.srv, &hconf) < 0)
		fail("httpd_new");
	base = server_base(cl.srv);

	cl.fd = sv[1];
	cl.rest = data + 1;
	cl.rest_len = size - 1;
	cl.chunks_left = count_chunks(data + 1, size - 1);
	cl.sigterm = flags & FUZZ_CONN_SIGTERM;
	cl.ev_read = event_new(base, cl.fd, EV_READ | EV_PERSIST,
	    client_read_cb, &cl);
	cl.ev_tick = evtimer_new(base, client_tick_cb, &cl);
	cl.ev_stall = evtimer_new(base, client_stall_cb, &cl);
	if (!cl.ev_read || !cl.ev_tick || !cl.ev_stall)
		fail("event_new");
	event_add(cl.ev_read, NULL);
	event_add(cl.ev_stall, &stall);
	event_active(cl.ev_tick, EV_TIMEOUT, 0);

	if (server_run(cl.srv) != 0)
		fail("server_run failed");
	/* The server closed its end: everything it sent is readable. */
	if (!client_read(&cl))
		fail("the loop ended with the connection still open");
	requests = server_stats(cl.srv)->requests;
	if (server_stats(cl.srv)->conns_open != 0)
		fail("a connection still counted as open");

	event_free(cl.ev_stall);
	event_free(cl.ev_tick);
	event_free(cl.ev_read);
	server_free(cl.srv);
	close(hconf.rootfd);

	dump = getenv("FUZZ_CONN_DUMP");
	if (dump) {
		/* Reproducing a finding: what the client received. */
		FILE *f = fopen(dump, "w");

		if (f) {
			fwrite(cl.out, 1, cl.out_len, f);
			fclose(f);
		}
	}
	nexp = oracle(all, all_len, &hconf.limits,
	    hconf.keepalive_timeout_ms != 0, exp, FUZZ_CONN_MAX_REQS);
	check_output(&cl, exp, nexp, cl.signalled, requests);
	close(cl.fd);
	free(cl.out);
	free(all);
	if (count_fds() != fds_before)
		fail("a file descriptor leaked");
	return 0;
}
