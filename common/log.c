/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* Longer lines are cut: one event, one line. */
#define LOG_LINE_MAX 2048

static int log_debug_on;
static int log_journal;
static const char *log_progname = "";

/* The batch: whole lines, oldest first. 64 KiB is hundreds of access-log
 * lines, a few loop passes' worth under load. */
static char log_batch_buf[65536];
static size_t log_batch_len;
static void (*log_batch_wake)(void *arg);
static void *log_batch_arg;

/* Writes buf whole if it can; a failed log write has nowhere to go. */
static void
log_write(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDERR_FILENO, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void
log_flush(void)
{
	log_write(log_batch_buf, log_batch_len);
	log_batch_len = 0;
}

void
log_batch(void (*wake)(void *arg), void *arg)
{
	if (!wake)
		log_flush();
	log_batch_wake = wake;
	log_batch_arg = arg;
}

void
log_init(const char *progname, int debug)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	log_progname = progname;
	log_debug_on = debug;
	/* Only prefix priorities when stderr really is that journal stream:
	 * a redirected stderr inherits the variable but not the meaning. */
	log_journal = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(2, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

int
log_debug_enabled(void)
{
	return log_debug_on;
}

/* The line's start: the journal's priority, or the program's name for
 * warnings and errors. Returns its length (< size). */
static size_t
log_prefix(int prio, char *buf, size_t size)
{
	int n;

	if (log_journal)
		n = snprintf(buf, size, "<%d>", prio);
	else if (prio <= LOG_WARNING)
		n = snprintf(buf, size, "%s: %s", log_progname,
		    prio <= LOG_ERR ? "error: " : "warning: ");
	else
		return 0;
	if (n <= 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

/*
 * The journal takes "<N>" at the start of a line for the line's priority.
 * Without our own prefix first (stderr is not JOURNAL_STREAM, yet it may
 * still reach the journal: a container's stderr passed through), a line
 * that starts with outside text, an fd name, could choose its priority.
 * So a line never starts with '<': it becomes "\x3c", as logesc.h writes
 * it. Returns the new length, at most max.
 */
static size_t
log_defuse(char *line, size_t len, size_t max)
{
	size_t keep = len - 1;

	if (keep > max - 4)
		keep = max - 4;
	memmove(line + 4, line + 1, keep);
	memcpy(line, "\\x3c", 4);
	return keep + 4;
}

/* A whole line (newline included): written now, or added to the batch. */
static void
log_emit(const char *line, size_t len)
{
	if (!log_batch_wake) {
		/* One write per line, so lines never interleave with other
		 * output to the same stream. */
		log_write(line, len);
		return;
	}
	if (len > sizeof(log_batch_buf) - log_batch_len)
		log_flush();
	memcpy(log_batch_buf + log_batch_len, line, len);
	log_batch_len += len;
	if (log_batch_len == len)
		log_batch_wake(log_batch_arg);
}

void
log_printf(int prio, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	size_t len, plen;
	va_list ap;
	int n;

	if (prio == LOG_DEBUG && !log_debug_on)
		return;
	len = plen = log_prefix(prio, line, sizeof(line));
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len += (size_t)n;
	/* A longer line is cut, not split: one event, one line. */
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	if (plen == 0 && len > 0 && line[0] == '<')
		len = log_defuse(line, len, sizeof(line) - 2);
	line[len++] = '\n';
	log_emit(line, len);
}

void
log_line(int prio, const char *text, size_t tlen)
{
	char line[LOG_LINE_MAX];
	size_t len, plen;

	if (prio == LOG_DEBUG && !log_debug_on)
		return;
	len = plen = log_prefix(prio, line, sizeof(line));
	if (tlen > sizeof(line) - 2 - len)
		tlen = sizeof(line) - 2 - len;
	memcpy(line + len, text, tlen);
	len += tlen;
	if (plen == 0 && len > 0 && line[0] == '<')
		len = log_defuse(line, len, sizeof(line) - 2);
	line[len++] = '\n';
	log_emit(line, len);
}
