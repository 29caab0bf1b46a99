/* SPDX-License-Identifier: MIT */
/*
 * image-entrypoint: the ENTRYPOINT of the container images.
 *
 *   ENTRYPOINT ["/image-entrypoint", "/socket-activate-echo"]
 *
 * argv[1] is the image's server. What `podman run IMAGE ARGS...` appends
 * decides what runs:
 *   (no ARGS)             -> the server, serving the sockets it is handed
 *   ARGS start with "-"   -> the server with ARGS (--help, -d, ...)
 *   anything else         -> ARGS as a command, so the old images' style
 *                            `podman run IMAGE /socket-activate-echo -d`
 *                            (and any other program in the image) works
 *
 * It only execs: the server keeps PID 1, its environment (LISTEN_FDS,
 * LISTEN_PID=1, LISTEN_FDNAMES, NOTIFY_SOCKET) and every inherited fd.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	char **cmd;

	if (argc < 2) {
		fputs("image-entrypoint: usage: image-entrypoint SERVER "
		    "[OPTION... | COMMAND [ARG...]]\n", stderr);
		return 2;
	}
	/* Either way argv[0] of what runs is its own path. */
	cmd = argc > 2 && argv[2][0] != '-' ? &argv[2] : &argv[1];
	execvp(cmd[0], cmd);
	fprintf(stderr, "image-entrypoint: %s: %s\n", cmd[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
