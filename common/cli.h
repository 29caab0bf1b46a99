/* SPDX-License-Identifier: MIT */
#ifndef SA_CLI_H
#define SA_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

/*
 * The command line. The options both servers share (--listen,
 * --exit-idle, --max-connections, --shutdown-timeout, --no-sandbox,
 * --start-sleep, --debug, --help, --version) are one table here, with one
 * usage text; a program adds only its own options (struct cli_prog).
 */

/* What the shared options set. */
struct cli {
	struct server_conf server;
	char **listen;		/* --listen addresses, in order */
	size_t nlisten;
	bool debug;
};

/*
 * One option, as a row: its long name, its short one (or 0), what it takes
 * and where its value goes (offset into the program's context for its own
 * options, into struct cli for the shared ones). min and max bound
 * CLI_UNSIGNED and CLI_SIZE; for CLI_MS, max is in seconds and min in ms;
 * for CLI_FIELD, they bound its length.
 *
 * The row is also the option's whole --help entry: arg names the value,
 * help says what it does, and the default, the range and the suffixes
 * are printed from the row and the program's defaults, never typed, so
 * --help cannot disagree with what the parser enforces. The man pages
 * quote help and "Default: ..." verbatim (tests/06-docs.bats checks).
 */
enum cli_kind {
	CLI_SET,		/* a bool, set */
	CLI_CLEAR,		/* a bool, cleared */
	CLI_IGNORE,		/* accepted for compatibility */
	CLI_HELP,
	CLI_VERSION,
	/* Those below take an argument. */
	CLI_UNSIGNED,		/* unsigned: "4096" */
	CLI_SIZE,		/* size_t bytes: "64K", "1M" */
	CLI_MS,			/* unsigned ms, from seconds: "2", "0.25" */
	CLI_STRING,		/* const char *, the argument itself */
	CLI_FIELD,		/* the same, a valid HTTP field value */
	CLI_LISTEN,		/* --listen: appended to struct cli */
};

struct cli_option {
	const char *name;
	int key;
	enum cli_kind kind;
	size_t offset;
	unsigned long min, max;
	const char *arg;	/* "BYTES", "SECONDS"; NULL without a value */
	const char *help;	/* one sentence or more, no default in it;
				 * NULL: the program's (see struct cli_prog) */
	const char *zero;	/* the default's name when it is 0 or NULL
				 * ("never", "none"); NULL: print it */
};

/* A program's own part of the command line and of its --help. */
struct cli_prog {
	const char *name;		/* "socket-activate-echo" */
	const char *summary;		/* what it does, after "Usage:" */
	const struct cli_option *options; /* its own, ended by a NULL name */
	size_t ctx_size;		/* of the context its options fill */
	unsigned types;			/* ACTIVATE_* bits it serves */
	const char *types_refused;	/* why other --listen types are refused */
	const char *sandbox_help;	/* --no-sandbox: what the sandbox closes */
	const char *debug_help;		/* --debug: what it logs */
	const char *notes;		/* paragraphs after the options, or NULL */
	const char *exit_status;	/* the "Exit status:" paragraph */
	/* How to start it, for the "no sockets to serve" error. */
	const char *example;
	/* After the options and log_init(), before taking the sockets;
	 * may be NULL. Returns 0, or -1 to exit 1 (it logged why). */
	int (*prepare)(void *ctx, struct cli *cli);
	/* Attaches the program's module to srv. 0, or -errno. */
	int (*attach)(void *ctx, struct server *srv);
	/* After the server is freed; may be NULL. */
	void (*cleanup)(void *ctx);
};

/*
 * A whole program: parse the command line, take the sockets, attach the
 * module, serve, free. Returns the exit status.
 */
int cli_main(const struct cli_prog *prog, void *ctx, int argc, char **argv);

/*
 * Parses argv into *cli (defaults first) and the program's own options.
 * Returns -1 to go on, or the status to exit with at once: 0 after --help
 * or --version (printed), 2 after a usage error (explained on stderr).
 */
int cli_parse(const struct cli_prog *prog, void *ctx, int argc, char **argv,
    struct cli *cli);
void cli_free(struct cli *cli);

/* Command-line values: each returns 0, or -EINVAL/-ERANGE. */
int cli_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out);
/* "1024", "64K", "1M": bytes. */
int cli_size(const char *s, unsigned long min, unsigned long max,
    unsigned long *out);
/* Seconds, with an optional fraction ("2", "0.25"): milliseconds out. */
int cli_seconds(const char *s, unsigned max_s, unsigned *ms);
/* A header field value to send as it is (RFC 9110 5.5): printable ASCII,
 * spaces and tabs inside, min to max bytes. */
int cli_field(const char *s, size_t min, size_t max);

#endif
