/* SPDX-License-Identifier: MIT */
#ifndef SA_LOG_H
#define SA_LOG_H

#include <stddef.h>
#include <syslog.h>

/*
 * The one place that prints. Lines go to stderr; when stderr is connected to
 * the journal (JOURNAL_STREAM names it), each line starts with an sd-daemon
 * priority prefix ("<6>") so journalctl keeps the level; without one, a
 * line never starts with '<'. Text from outside (names, addresses, paths,
 * request bytes) goes in escaped: logesc.h.
 */
void log_init(const char *progname, int debug);
int log_debug_enabled(void);
void log_printf(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A line already formatted (len bytes, no newline): the same as
 * log_printf(prio, "%.*s", len, line), without printf's cost. */
void log_line(int prio, const char *line, size_t len);

/*
 * Batching, for a busy event loop: from log_batch(wake, arg) on, lines are
 * collected whole and in order, and written together by log_flush(), one
 * write(2) for many access-log lines instead of one each. wake(arg) is
 * called when a line lands in an empty batch: the caller arranges a
 * log_flush() at the end of the current loop pass. A full batch is
 * written at once. log_batch(NULL, NULL) flushes and ends batching.
 */
void log_batch(void (*wake)(void *arg), void *arg);
void log_flush(void);

#define log_debug(...)   log_printf(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_printf(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_printf(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_printf(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_printf(LOG_ERR, __VA_ARGS__)

#endif
