// SPDX-License-Identifier: GPL-2.0-only
/* Text from alerts made safe for a terminal (see term_text.h). */
#include "term_text.h"

#include <stdio.h>
#include <time.h>

size_t term_utf8_at(const unsigned char *s, size_t avail, unsigned *cp)
{
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		*cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		*cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		*cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* a NUL terminator stops here too */
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && *cp < 0x800) || (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

bool term_is_unsafe(unsigned cp, bool allow_newlines)
{
	if (allow_newlines && (cp == '\n' || cp == '\t'))
		return false;
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t term_text_clean(char *text)
{
	unsigned char *r = (unsigned char *)text, *w = r;
	size_t replaced = 0;

	while (*r) {
		unsigned cp = 0;
		size_t n = term_utf8_at(r, 4, &cp);

		if (n == 0 || term_is_unsafe(cp, false)) {
			*w++ = '?';
			r += n ? n : 1;
			replaced++;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			*w++ = *r++;
	}
	*w = '\0';
	return replaced;
}

void term_time_utc(int64_t ms, char *out, size_t len)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !gmtime_r(&secs, &tm)) {
		snprintf(out, len, "-");
		return;
	}
	strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}
