// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checksum validators for identifier candidates found by the detectors. Decimal strings are
 * reduced modulo 97 digit by digit, so no bignum is needed (ISO 7064 MOD 97-10).
 */
#include "validators.h"

int mod97_digits(const char *digits, size_t len)
{
	int r = 0;

	for (size_t i = 0; i < len; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
		r = (r * 10 + (digits[i] - '0')) % 97;
	}
	return r;
}

bool is_valid_rib(const char *digits, size_t len)
{
	/* 3 bank + 3 city + 16 account + 2 key digits; the key makes the whole number 0 mod 97. */
	return len == 24 && mod97_digits(digits, len) == 0;
}
