// SPDX-License-Identifier: Apache-2.0
/* Reading and parsing the Landlock plan (the format is in landlock-plan.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "landlock-plan.h"

#define PLAN_MAGIC "vigil-landlock-1"
#define PLAN_MAX (64u << 20)

int ll_plan_read(int fd, struct ll_plan *p)
{
	size_t cap = 1 << 16;
	ssize_t n;

	memset(p, 0, sizeof(*p));
	p->buf = malloc(cap);
	if (!p->buf)
		return -ENOMEM;
	for (;;) {
		if (p->len == cap) {
			char *more = cap < PLAN_MAX ? realloc(p->buf, cap * 2) : NULL;

			if (!more)
				return -EFBIG;
			p->buf = more;
			cap *= 2;
		}
		n = read(fd, p->buf + p->len, cap - p->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		p->len += n;
	}
}

void ll_plan_free(struct ll_plan *p)
{
	free(p->buf);
	p->buf = NULL;
}

/* The next NUL-terminated field; NULL at the end, or on bytes without their NUL (*cut is set). */
static const char *next_field(struct ll_plan *p, int *cut)
{
	const char *s = p->buf + p->at;
	const char *nul;

	if (p->at >= p->len)
		return NULL;
	nul = memchr(s, '\0', p->len - p->at);
	if (!nul) {
		*cut = 1;
		return NULL;
	}
	p->at += nul - s + 1;
	return s;
}

/* A decimal mask: digits only (strtoull alone would take "-1" or " 6"). */
static int parse_rights(const char *s, __u64 *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int ll_plan_header(struct ll_plan *p)
{
	int cut = 0;
	const char *magic = next_field(p, &cut);

	p->mode = next_field(p, &cut);
	if (!magic || strcmp(magic, PLAN_MAGIC) || !p->mode || parse_rights(next_field(p, &cut), &p->handled))
		return -1;
	return 0;
}

int ll_plan_next_rule(struct ll_plan *p, __u64 *rights, const char **path)
{
	int cut = 0;
	const char *rights_text = next_field(p, &cut);

	if (!rights_text)
		return cut ? -1 : 0;
	*path = next_field(p, &cut);
	if (!*path || parse_rights(rights_text, rights))
		return -1;
	return 1;
}
