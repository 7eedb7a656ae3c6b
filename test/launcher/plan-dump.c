// SPDX-License-Identifier: Apache-2.0
/*
 * Test driver, never installed: runs the launcher's own Landlock plan parser
 * (native/launcher/landlock-plan.c) on stdin and prints what it understood, so
 * test/unit/launcher/landlock-plan-parse.test.ts can hold it to the TypeScript encoder without
 * applying a ruleset. Strings are printed in hex: a path may hold any byte but NUL.
 *   mode <hex>\nhandled <n>\n(rule <rights> <hex path>\n)*end\n   exit 0
 *   ...malformed\n   exit 2;   cannot read the plan: exit 1
 */
#include <stdio.h>
#include <string.h>

#include "landlock-plan.h"

static void hex(const char *s)
{
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
}

int main(void)
{
	struct ll_plan p;
	const char *path;
	__u64 rights;
	int r;

	if (ll_plan_read(0, &p)) {
		ll_plan_free(&p);
		return 1;
	}
	if (ll_plan_header(&p)) {
		printf("malformed\n");
		ll_plan_free(&p);
		return 2;
	}
	printf("mode ");
	hex(p.mode);
	printf("\nhandled %llu\n", (unsigned long long)p.handled);
	while ((r = ll_plan_next_rule(&p, &rights, &path)) > 0) {
		printf("rule %llu ", (unsigned long long)rights);
		hex(path);
		printf("\n");
	}
	printf(r < 0 ? "malformed\n" : "end\n");
	ll_plan_free(&p);
	return r < 0 ? 2 : 0;
}
