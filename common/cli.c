/* SPDX-License-Identifier: MIT */
/*
 * The command line both servers share: the shared options as one table of
 * rows, one --help text, the value parsers with their ranges and error
 * messages, and a program's whole life (cli_main(), see cli.h).
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "logesc.h"

/* The options both servers share: values in struct cli. A NULL help is
 * the program's own text (cli_help()). */
static const struct cli_option cli_shared_opts[] = {
	{ "listen", 'l', CLI_LISTEN, 0, 0, 0, "ADDRESS", NULL, NULL },
	/* Milliseconds in an unsigned: at most 49.7 days. */
	{ "exit-idle", 0, CLI_MS, offsetof(struct cli, server.exit_idle_ms),
	    0, 86400 * 49, "SECONDS",
	    "exit 0 after SECONDS in which no connection was open and nothing "
	    "arrived, so that systemd starts it again for the next client; 0: "
	    "never", "never" },
	{ "max-connections", 0, CLI_UNSIGNED,
	    offsetof(struct cli, server.max_conns), 1, 1000000, "N",
	    "pause accepting at N open connections and resume when one closes",
	    NULL },
	{ "shutdown-timeout", 0, CLI_MS,
	    offsetof(struct cli, server.shutdown_timeout_ms), 0, 3600,
	    "SECONDS",
	    "after SIGTERM or SIGINT, give open connections at most SECONDS to "
	    "finish, then exit", NULL },
	{ "no-sandbox", 0, CLI_CLEAR, offsetof(struct cli, server.sandbox),
	    0, 0, NULL, NULL, NULL },
	/* The C++ server took any unsigned; a day covers every demo. */
	{ "start-sleep", 't', CLI_MS, offsetof(struct cli, server.start_sleep_ms),
	    0, 86400, "SECONDS",
	    "wait SECONDS before serving and before READY=1, saying so in "
	    "STATUS= (cold-start demos)", NULL },
	{ "debug", 'd', CLI_SET, offsetof(struct cli, debug), 0, 0, NULL, NULL,
	    NULL },
	{ "help", 'h', CLI_HELP, 0, 0, 0, NULL, "show this help and exit",
	    NULL },
	{ "version", 'V', CLI_VERSION, 0, 0, 0, NULL,
	    "show the version and exit", NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL },
};

/* A byte count as the options take it: "256", "64K", "1M". */
static void
cli_bytes_text(unsigned long v, char *buf, size_t len)
{
	static const char units[] = "GMK";
	unsigned long mult = 1ul << 30;
	int i;

	for (i = 0; i < 3; i++, mult >>= 10) {
		if (v >= mult && v % mult == 0) {
			snprintf(buf, len, "%lu%c", v / mult, units[i]);
			return;
		}
	}
	snprintf(buf, len, "%lu", v);
}

/* Seconds as the options take them: "5", "0.25". */
static void
cli_seconds_text(unsigned long ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%lu", ms / 1000);
	else if (ms % 100 == 0)
		snprintf(buf, len, "%lu.%lu", ms / 1000, ms % 1000 / 100);
	else if (ms % 10 == 0)
		snprintf(buf, len, "%lu.%02lu", ms / 1000, ms % 1000 / 10);
	else
		snprintf(buf, len, "%lu.%03lu", ms / 1000, ms % 1000);
}

/* The values o takes, in its own units: for --help and error messages. */
static void
cli_range_text(const struct cli_option *o, char *buf, size_t len)
{
	char lo[32], hi[32];

	switch (o->kind) {
	case CLI_SIZE:
		cli_bytes_text(o->min, lo, sizeof(lo));
		cli_bytes_text(o->max, hi, sizeof(hi));
		snprintf(buf, len, "%s to %s", lo, hi);
		break;
	case CLI_MS:
		cli_seconds_text(o->min, lo, sizeof(lo));
		snprintf(buf, len, "%s to %lu", lo, o->max);
		break;
	case CLI_FIELD:
		snprintf(buf, len, "%lu to %lu characters", o->min, o->max);
		break;
	default:
		snprintf(buf, len, "%lu to %lu", o->min, o->max);
		break;
	}
}

/*
 * What o's value is in defaults (the program's context or struct cli
 * before any option): "256K", "5", "never". Empty for options without a
 * value to show.
 */
static void
cli_default_text(const struct cli_option *o, const char *defaults,
    char *buf, size_t len)
{
	const void *v = defaults + o->offset;
	const char *s;
	unsigned long n;

	buf[0] = '\0';
	switch (o->kind) {
	case CLI_UNSIGNED:
	case CLI_MS:
		n = *(const unsigned *)v;
		break;
	case CLI_SIZE:
		n = *(const size_t *)v;
		break;
	case CLI_STRING:
	case CLI_FIELD:
		s = *(const char *const *)v;
		if (s || o->zero)
			snprintf(buf, len, "%s", s ? s : o->zero);
		return;
	default:
		return;
	}
	if (n == 0 && o->zero)
		snprintf(buf, len, "%s", o->zero);
	else if (o->kind == CLI_SIZE)
		cli_bytes_text(n, buf, len);
	else if (o->kind == CLI_MS)
		cli_seconds_text(n, buf, len);
	else
		snprintf(buf, len, "%lu", n);
}

/* The --listen text: the forms are addr.c's, the types the program's. */
static void
cli_listen_help(const struct cli_prog *p, char *buf, size_t len)
{
	snprintf(buf, len, "bind ADDRESS itself, beside any sockets systemd "
	    "passes; repeatable. ADDRESS is PORT (every address, IPv4 and "
	    "IPv6), IPV4:PORT, [IPV6]:PORT, /PATH, @ABSTRACT, vsock:CID:PORT "
	    "or vsock::PORT (any CID), after an optional %s",
	    p->types == ACTIVATE_STREAM ?
	    "tcp: or stream: prefix; udp:, dgram:, datagram: and seqpacket: "
	    "addresses are a usage error" :
	    "type prefix: tcp: or stream: (the default), udp:, dgram: or "
	    "datagram:, seqpacket:");
}

/*
 * Words of text, wrapped at 79 columns from column 30, after head (the
 * option's names) when it fits before that column.
 */
static void
cli_wrap(FILE *f, const char *head, const char *text)
{
	const char *w = text;
	int col;

	col = fprintf(f, "%s", head);
	if (col > 28) {
		fputc('\n', f);
		col = 0;
	}
	fprintf(f, "%*s", 30 - col, "");
	col = 30;
	while (*w) {
		size_t n = strcspn(w, " ");

		if (col > 30 && col + 1 + (int)n > 79) {
			fprintf(f, "\n%30s", "");
			col = 30;
		} else if (col > 30) {
			fputc(' ', f);
			col++;
		}
		fwrite(w, 1, n, f);
		col += (int)n;
		w += n;
		w += strspn(w, " ");
	}
	fputc('\n', f);
}

/* The help text of o: its own, or the program's for the shared rows
 * whose words differ between the servers. */
static const char *
cli_help(const struct cli_prog *p, const struct cli_option *o, char *buf,
    size_t len)
{
	if (o->help)
		return o->help;
	if (o->kind == CLI_LISTEN)
		cli_listen_help(p, buf, len);
	else if (o->kind == CLI_CLEAR)
		snprintf(buf, len, "do not confine the process; by default, once "
		    "its sockets are set up, %s", p->sandbox_help);
	else
		snprintf(buf, len, "%s", p->debug_help);
	return buf;
}

/* One option's entry in --help: what it does, then "Default: X." and
 * "Range: R." as the man page says them too (tests/06-docs.bats). */
static void
cli_usage_option(FILE *f, const struct cli_prog *p,
    const struct cli_option *o, const char *defaults)
{
	char head[80], help[1024], def[128], range[80], days[16], text[1536];
	int n;

	n = snprintf(head, sizeof(head), "  %c%c%s--%s%s%s",
	    o->key ? '-' : ' ', o->key ? o->key : ' ', o->key ? ", " : "  ",
	    o->name, o->arg ? "=" : "", o->arg ? o->arg : "");
	assert(n > 0 && (size_t)n < sizeof(head));
	cli_default_text(o, defaults, def, sizeof(def));
	range[0] = '\0';
	if (o->kind == CLI_UNSIGNED || o->kind == CLI_SIZE ||
	    o->kind == CLI_MS || o->kind == CLI_FIELD)
		cli_range_text(o, range, sizeof(range));
	/* Long maximums in days too: "4233600 (49 days)". */
	days[0] = '\0';
	if (o->kind == CLI_MS && o->max >= 86400 && o->max % 86400 == 0)
		snprintf(days, sizeof(days), o->max == 86400 ? " (a day)" :
		    " (%lu days)", o->max / 86400);
	n = snprintf(text, sizeof(text), "%s.%s%s%s%s%s%s%s%s",
	    cli_help(p, o, help, sizeof(help)), def[0] ? " Default: " : "",
	    def, def[0] ? "." : "", range[0] ? " Range: " : "", range, days,
	    o->kind == CLI_SIZE ? ", with suffix K, M or G" : "",
	    range[0] ? "." : "");
	assert(n > 0 && (size_t)n < sizeof(text));
	cli_wrap(f, head, text);
}

/* --help, with each option's default as it is in the defaults given:
 * the program's context and struct cli before any option was applied. */
static void
cli_usage(const struct cli_prog *p, const void *ctx_defaults,
    const struct cli *cli_defaults, FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [OPTION]...\n%s\n", p->name, p->summary);
	for (i = 0; p->options[i].name; i++)
		cli_usage_option(f, p, &p->options[i], ctx_defaults);
	for (i = 0; cli_shared_opts[i].name; i++)
		cli_usage_option(f, p, &cli_shared_opts[i],
		    (const char *)cli_defaults);
	fprintf(f, "\n%s%s%s\nSee %s(1).\n", p->notes ? p->notes : "",
	    p->notes ? "\n" : "", p->exit_status, p->name);
}

static int
cli_listen(const struct cli_prog *p, struct cli *cli, char *arg)
{
	struct addr_spec spec;
	char err[512];
	unsigned bit;

	if (addr_parse(arg, &spec, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: --listen: %s\n", p->name, err);
		return 2;
	}
	bit = spec.type == SOCK_STREAM ? ACTIVATE_STREAM :
	    spec.type == SOCK_DGRAM ? ACTIVATE_DGRAM : ACTIVATE_SEQPACKET;
	if (!(p->types & bit)) {
		fprintf(stderr, "%s: --listen: \"%s\": %s\n", p->name,
		    logesc_str(err, sizeof(err), arg, 0), p->types_refused);
		return 2;
	}
	cli->listen[cli->nlisten++] = arg;
	return -1;
}

/* Option o with argument arg, its value at base + o->offset. Returns -1 to
 * go on, or the status to exit with. */
static int
cli_apply(const struct cli_prog *p, struct cli *cli,
    const struct cli_option *o, char *base, char *arg)
{
	void *dst = base + o->offset;
	char range[80] = "", text[128];
	unsigned long v;
	unsigned ms;
	int r = 0;

	switch (o->kind) {
	case CLI_SET:
	case CLI_CLEAR:
		*(bool *)dst = o->kind == CLI_SET;
		break;
	case CLI_IGNORE:
		break;
	case CLI_UNSIGNED:
		if ((r = cli_uint(arg, o->min, o->max, &v)) == 0)
			*(unsigned *)dst = (unsigned)v;
		break;
	case CLI_SIZE:
		if ((r = cli_size(arg, o->min, o->max, &v)) == 0)
			*(size_t *)dst = v;
		break;
	case CLI_MS:
		r = cli_seconds(arg, (unsigned)o->max, &ms);
		if (r == 0 && ms < o->min)
			r = -ERANGE;
		if (r == 0)
			*(unsigned *)dst = ms;
		break;
	case CLI_STRING:
		*(const char **)dst = arg;
		break;
	case CLI_FIELD:
		if ((r = cli_field(arg, o->min, o->max)) == 0)
			*(const char **)dst = arg;
		break;
	case CLI_LISTEN:
		return cli_listen(p, cli, arg);
	case CLI_HELP:
		/* cli_parse() prints it: it has the defaults. */
		assert(!"--help reached cli_apply()");
		return 0;
	case CLI_VERSION:
		printf("%s %s\n", p->name, VERSION);
		return 0;
	}
	if (r == 0)
		return -1;
	if (o->kind == CLI_FIELD) {
		/* Not echoed: it may hold a line break. */
		fprintf(stderr, "%s: invalid value for --%s: want %lu to %lu "
		    "printable ASCII characters (no line break or other "
		    "control character, no space at either end)\n", p->name,
		    o->name, o->min, o->max);
		return 2;
	}
	if (r == -ERANGE)
		cli_range_text(o, range, sizeof(range));
	/* Echoed escaped: under systemd, stderr is the journal. */
	fprintf(stderr, "%s: invalid value for --%s: \"%s\"%s%s%s\n", p->name,
	    o->name, logesc_str(text, sizeof(text), arg, 0),
	    r == -ERANGE ? " (out of range: " : "", range,
	    r == -ERANGE ? ")" : "");
	return 2;
}

/* The getopt_long() table and short options of both tables: val is the
 * index into the program's options, then the shared ones. */
static struct option *
cli_getopt_table(const struct cli_prog *p, char *shortopts, size_t size,
    size_t *nown)
{
	const struct cli_option *tabs[2] = { p->options, cli_shared_opts };
	struct option *opts;
	size_t n = 0, len = 0, i, t;

	while (p->options[*nown = n].name)
		n++;
	for (i = 0; cli_shared_opts[i].name; i++)
		n++;
	opts = calloc(n + 1, sizeof(*opts));
	if (!opts)
		return NULL;
	for (n = 0, t = 0; t < 2; t++) {
		for (i = 0; tabs[t][i].name; i++, n++) {
			const struct cli_option *o = &tabs[t][i];
			bool has_arg = o->kind >= CLI_UNSIGNED;

			opts[n].name = o->name;
			opts[n].has_arg = has_arg ? required_argument : no_argument;
			opts[n].val = o->key ? o->key : 256 + (int)n;
			if (o->key && len + 3 < size) {
				shortopts[len++] = (char)o->key;
				if (has_arg)
					shortopts[len++] = ':';
			}
		}
	}
	shortopts[len] = '\0';
	return opts;
}

int
cli_parse(const struct cli_prog *p, void *ctx, int argc, char **argv,
    struct cli *cli)
{
	const struct cli_option *o;
	struct option *opts;
	struct cli cli_defaults;
	void *ctx_defaults;
	char shortopts[64];
	size_t nown = 0, i;
	int opt, ret = 2;

	memset(cli, 0, sizeof(*cli));
	cli->server.max_conns = 4096;
	cli->server.shutdown_timeout_ms = 5000;
	cli->server.sandbox = true;
	/* --help shows the defaults, whatever options came before it. */
	cli_defaults = *cli;
	ctx_defaults = malloc(p->ctx_size);
	if (ctx_defaults)
		memcpy(ctx_defaults, ctx, p->ctx_size);
	opts = cli_getopt_table(p, shortopts, sizeof(shortopts), &nown);
	cli->listen = calloc((size_t)argc, sizeof(*cli->listen));
	if (!opts || !cli->listen || !ctx_defaults) {
		fprintf(stderr, "%s: out of memory\n", p->name);
		goto out;
	}
	while ((opt = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		for (i = 0; opts[i].name && opts[i].val != opt; i++)
			;
		if (!opts[i].name) {
			/* getopt_long() said why (an unknown option, a
			 * missing value): whatever came before it, no run. */
			fprintf(stderr, "Try '%s --help'.\n", p->name);
			ret = 2;
			goto out;
		}
		o = i < nown ? &p->options[i] : &cli_shared_opts[i - nown];
		if (o->kind == CLI_HELP) {
			cli_usage(p, ctx_defaults, &cli_defaults, stdout);
			ret = 0;
			goto out;
		}
		ret = cli_apply(p, cli, o, i < nown ? ctx : (char *)cli, optarg);
		if (ret >= 0)
			goto out;
	}
	if (optind < argc) {
		char text[128];

		fprintf(stderr, "%s: unexpected argument \"%s\"\n"
		    "Try '%s --help'.\n", p->name,
		    logesc_str(text, sizeof(text), argv[optind], 0), p->name);
		ret = 2;
		goto out;
	}
	ret = -1;
out:
	free(ctx_defaults);
	free(opts);
	return ret;
}

void
cli_free(struct cli *cli)
{
	free(cli->listen);
	cli->listen = NULL;
}

int
cli_main(const struct cli_prog *p, void *ctx, int argc, char **argv)
{
	struct server *srv = NULL;
	struct cli cli;
	sigset_t stop;
	int ret, r;

	ret = cli_parse(p, ctx, argc, argv, &cli);
	if (ret >= 0)
		goto out;
	ret = 1;
	log_init(p->name, cli.debug);
	if (p->prepare && p->prepare(ctx, &cli) < 0)
		goto out;
	srv = server_open(&cli.server, p->types, cli.listen, cli.nlisten,
	    p->example);
	if (!srv)
		goto out;
	r = p->attach(ctx, srv);
	if (r < 0) {
		log_error("%s", r == -ENOMEM ? "out of memory" : strerror(-r));
		goto out;
	}
	ret = server_run(srv);
	/*
	 * The loop is over and the server on its way out. A SIGTERM or SIGINT
	 * from now on (systemd stopping a server that --exit-idle is already
	 * taking down) would find the default action once server_free() gives
	 * libevent's handlers back, and turn exit status 0 into death by
	 * signal; ASan's and valgrind's checks at exit made that window wide.
	 * Blocked, such a signal stays pending until the process is gone.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
out:
	server_free(srv);
	if (p->cleanup)
		p->cleanup(ctx);
	cli_free(&cli);
	return ret;
}

int
cli_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
cli_size(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char buf[32];
	size_t n = strlen(s);
	unsigned long mult = 1, v;
	int r;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	switch (buf[n - 1]) {
	case 'k': case 'K': mult = 1024; break;
	case 'm': case 'M': mult = 1024 * 1024; break;
	case 'g': case 'G': mult = 1024 * 1024 * 1024; break;
	}
	if (mult != 1)
		buf[n - 1] = '\0';
	r = cli_uint(buf, 0, max / mult, &v);
	if (r < 0)
		return r;
	v *= mult;
	if (v < min)
		return -ERANGE;
	*out = v;
	return 0;
}

int
cli_seconds(const char *s, unsigned max_s, unsigned *ms)
{
	size_t digits = strspn(s, "0123456789");
	double v;

	/* Digits, and a fraction after a point: no sign, exponent, hex or
	 * "inf" that strtod() would take too. */
	if (digits == 0 || (s[digits] != '\0' && (s[digits] != '.' ||
	    s[digits + 1] == '\0' ||
	    s[digits + 1 + strspn(s + digits + 1, "0123456789")] != '\0')))
		return -EINVAL;
	v = strtod(s, NULL);
	if (v > max_s || v * 1000.0 + 0.5 >= (double)UINT_MAX + 1.0)
		return -ERANGE;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	/* A time below a millisecond is not 0, which means "never" or
	 * "off" to some options. */
	if (*ms == 0 && v > 0)
		*ms = 1;
	return 0;
}

int
cli_field(const char *s, size_t min, size_t max)
{
	size_t i, n = strlen(s);

	if (n < min || n > max)
		return -ERANGE;
	for (i = 0; i < n; i++)
		if ((s[i] < ' ' && s[i] != '\t') || (unsigned char)s[i] >= 0x7f)
			return -EINVAL;
	/* Whitespace at either end is not part of a field value. */
	if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		return -EINVAL;
	return 0;
}
