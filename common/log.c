/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	char line[1024];
	va_list ap;
	int n;

	if (prio == LOG_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One write per line, so lines from a busy server never interleave. */
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", prio, line);
	else if (prio <= LOG_WARNING)
		fprintf(stderr, "%s: %s%s\n", log_progname,
		    prio <= LOG_ERR ? "error: " : "warning: ", line);
	else
		fprintf(stderr, "%s\n", line);
}
