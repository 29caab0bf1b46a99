/* SPDX-License-Identifier: MIT */
#ifndef SA_TESTS_UNIT_H
#define SA_TESTS_UNIT_H

/*
 * The C unit tests' one check. Each CHECK prints one result line, "ok ID"
 * or "not ok ID", where ID is "FILE:LINE EXPRESSION" (with " #K" for the
 * K-th run of a check in a loop), and unit_note() adds "# ..." lines to
 * the last one. tests/unit/gen-bats.sh turns the IDs into one bats test
 * each, so every failing check is its own test in the suite's output.
 */
#define CHECK(cond) unit_check((cond) != 0, __FILE__, __LINE__, #cond)

void unit_check(int ok, const char *file, int line, const char *expr);
/* A diagnostic for the check just made (printf format). */
void unit_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "1..N": every check ran. Returns the exit status: 1 if one failed. */
int unit_end(void);

#endif
