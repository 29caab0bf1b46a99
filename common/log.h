/* SPDX-License-Identifier: MIT */
#ifndef SA_LOG_H
#define SA_LOG_H

#include <syslog.h>

/*
 * The one place that prints. Lines go to stderr; when stderr is connected to
 * the journal (JOURNAL_STREAM names it), each line starts with an sd-daemon
 * priority prefix ("<6>") so journalctl keeps the level.
 */
void log_init(const char *progname, int debug);
int log_debug_enabled(void);
void log_printf(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...)   log_printf(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_printf(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_printf(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_printf(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_printf(LOG_ERR, __VA_ARGS__)

#endif
