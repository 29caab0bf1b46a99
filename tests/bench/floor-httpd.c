/* SPDX-License-Identifier: MIT */
/*
 * The floor of the HTTP benchmark: an epoll loop on the socket systemd
 * passes (fd 3) that answers every read with one fixed 612-byte response
 * from memory. No parsing, no files, no logs: what a server costs at the
 * least, per request, on this kernel (make bench-httpd prints every server
 * as a ratio to it). Not a server: it never checks what it reads.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BODY_LEN 612

int
main(void)
{
	static char resp[1024], buf[65536];
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	int ep = epoll_create1(0), n, i, len;

	len = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nServer: floor\r\n"
	    "Content-Type: text/html\r\nContent-Length: %d\r\n\r\n", BODY_LEN);
	memset(resp + len, 'x', BODY_LEN);
	len += BODY_LEN;
	ev.data.fd = 3;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, 3, &ev) < 0) {
		perror("floor-httpd: epoll on fd 3 (run under systemd-socket-activate)");
		return 1;
	}
	for (;;) {
		n = epoll_wait(ep, evs, 64, -1);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == 3) {
				int c = accept4(3, NULL, NULL, SOCK_NONBLOCK);

				ev.data.fd = c;
				if (c >= 0)
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
			} else if (recv(fd, buf, sizeof(buf), 0) <= 0) {
				close(fd);
			} else if (send(fd, resp, (size_t)len, MSG_NOSIGNAL) < 0) {
				close(fd);
			}
		}
	}
}
