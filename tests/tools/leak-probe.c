/* SPDX-License-Identifier: MIT */
/*
 * A stand-in server for tests/07-leak-checks.bats, which shows that the
 * suite's ASan and valgrind passes catch a leak in a server that its test
 * never stopped. It prints "ready", waits for SIGTERM and exits 0, as our
 * servers do.
 *   leak-probe [--leak] [--ignore-term]
 * --leak loses a 77-byte block first; --ignore-term makes it ignore
 * SIGTERM, so only SIGKILL ends it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile kept;

static __attribute__((noinline)) int
lose_a_block(void)
{
	kept = malloc(77);
	if (kept == NULL)
		return -1;
	memset(kept, 1, 77);
	kept = NULL;
	return 0;
}

int
main(int argc, char *argv[])
{
	int i, leak = 0, ignore_term = 0, sig;
	sigset_t term;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--leak") == 0) {
			leak = 1;
		} else if (strcmp(argv[i], "--ignore-term") == 0) {
			ignore_term = 1;
		} else {
			fprintf(stderr, "usage: leak-probe [--leak] [--ignore-term]\n");
			return 2;
		}
	}
	if (leak && lose_a_block() < 0)
		return 1;
	if (ignore_term) {
		signal(SIGTERM, SIG_IGN);
		printf("ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	printf("ready\n");
	fflush(stdout);
	if (sigwait(&term, &sig) != 0)
		return 1;
	return 0;
}
