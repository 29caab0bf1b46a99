/* SPDX-License-Identifier: MIT */
/* The C unit tests' result lines: see unit.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static int unit_checks, unit_failed;

/* How often each FILE:LINE ran, for the " #K" of checks in loops. */
static struct {
	const char *file;
	int line, runs;
} unit_seen[4096];
static size_t unit_nseen;

static int
unit_run(const char *file, int line)
{
	size_t i;

	for (i = 0; i < unit_nseen; i++)
		if (unit_seen[i].line == line &&
		    strcmp(unit_seen[i].file, file) == 0)
			return ++unit_seen[i].runs;
	if (unit_nseen == sizeof(unit_seen) / sizeof(unit_seen[0])) {
		fprintf(stderr, "unit: more than %zu checks\n", unit_nseen);
		exit(2);
	}
	unit_seen[unit_nseen].file = file;
	unit_seen[unit_nseen].line = line;
	unit_seen[unit_nseen].runs = 1;
	return unit_seen[unit_nseen++].runs;
}

void
unit_check(int ok, const char *file, int line, const char *expr)
{
	const char *base = strrchr(file, '/');
	int run = unit_run(file, line);

	unit_checks++;
	if (!ok)
		unit_failed++;
	printf("%s %s:%d %s", ok ? "ok" : "not ok", base ? base + 1 : file,
	    line, expr);
	if (run > 1)
		printf(" #%d", run);
	putchar('\n');
	fflush(stdout);
}

void
unit_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int
unit_end(void)
{
	printf("1..%d\n", unit_checks);
	fprintf(stderr, "%d checks, %d failed\n", unit_checks, unit_failed);
	return unit_failed ? 1 : 0;
}
