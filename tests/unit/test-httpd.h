/* SPDX-License-Identifier: MIT */
#ifndef SA_TESTS_UNIT_TEST_HTTPD_H
#define SA_TESTS_UNIT_TEST_HTTPD_H

/* Between the files of the test-httpd program. */

#include "request.h"

/* request_parse() on a whole head: its status (0: accepted), -1 when the
 * head is incomplete. */
int parse_status(const char *head, struct request *req);
/* test-request.c */
void test_requests(void);
/* test-content.c */
void test_content(void);

#endif
