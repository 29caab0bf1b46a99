/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_PATH_H
#define SA_HTTPD_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Request path -> file below the root. path_resolve() is pure (unit-tested
 * and fuzzed on its own); path_open() is the only way a file is opened.
 */

/*
 * Percent-decodes the path of a request (as sent, starting with '/') and
 * resolves "." and ".." segments and empty ones ("a//b") lexically. out
 * (outsz >= len + 1) receives it relative to the root, without a leading
 * slash: "" for the root itself, "a/b.html". *slash tells whether it ends
 * in a directory form ("/a/", "/a/.", "/a/..").
 * Returns 0, or the status to answer: 400 for malformed escapes, an encoded
 * NUL, '/' or control character, or ".." above the root; 404 for any
 * segment starting with '.' (dotfiles are never served).
 */
int path_resolve(const char *path, size_t len, char *out, size_t outsz,
    bool *slash);

/* How path_open() walks: openat2() unless the kernel lacks it. */
enum path_mode {
	PATH_OPENAT2,
	PATH_WALK,	/* openat() one component at a time, no symlinks */
};

/*
 * Opens rel (as path_resolve() makes it) below the directory rootfd,
 * read-only, non-blocking (a FIFO must not stall the server), close-on-exec.
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), plus
 * RESOLVE_NO_SYMLINKS when no_symlinks: no path, symlink or ".." can lead
 * outside. On kernels without openat2 (before 5.6) it falls back to
 * PATH_WALK, which refuses every symlink. Returns an fd or -errno (EXDEV or
 * ELOOP for a refused escape or symlink).
 */
int path_open(int rootfd, const char *rel, bool no_symlinks);
/* The same with the walk chosen by the caller (tests). */
int path_open_mode(int rootfd, const char *rel, bool no_symlinks,
    enum path_mode mode);

#endif
