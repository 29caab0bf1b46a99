/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int log_debug_on;
static int log_journal;
static const char *log_progname = "";

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

void
log_printf(int prio, const char *fmt, ...)
{
	char line[2048];
	size_t len = 0;
	va_list ap;
	int n;

	if (prio == LOG_DEBUG && !log_debug_on)
		return;
	if (log_journal)
		n = snprintf(line, sizeof(line), "<%d>", prio);
	else if (prio <= LOG_WARNING)
		n = snprintf(line, sizeof(line), "%s: %s", log_progname,
		    prio <= LOG_ERR ? "error: " : "warning: ");
	else
		n = 0;
	if (n > 0)
		len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len += (size_t)n;
	/* A longer line is cut, not split: one event, one line. */
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* One write per line, so lines never interleave with other output
	 * to the same stream; a failed log write has nowhere to go. */
	(void)!write(STDERR_FILENO, line, len);
}
