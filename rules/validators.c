// SPDX-License-Identifier: GPL-2.0-only
/*
 * Identifier validators: the checksums and ranges of ../shared/spec/moroccan-pii.md. Decimal
 * strings are reduced modulo 97 digit by digit (ISO 7064 MOD 97-10), so no bignum is needed.
 */
#include "validators.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

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
	/* 3 bank + 3 city + 16 account + 2 key digits; the key makes the whole number 0 mod 97 */
	return len == 24 && mod97_digits(digits, len) == 0;
}

bool is_valid_iban_ma(const char *s, size_t len)
{
	/* ISO 13616: BBAN, then M=22 A=10, then the check digits; mod 97 must be 1. The BBAN is a
	 * RIB, so it must be 0 mod 97 as well (which forces the check digits to 64). */
	char rearranged[40];

	if (len != 28 || s[0] != 'M' || s[1] != 'A')
		return false;
	memcpy(rearranged, s + 4, 24);
	memcpy(rearranged + 24, "2210", 4);
	memcpy(rearranged + 28, s + 2, 2);
	return mod97_digits(rearranged, 30) == 1 && is_valid_rib(s + 4, 24);
}

bool is_valid_ice(const char *digits, size_t len)
{
	/* 9 enterprise + 4 establishment + 2 control digits: the whole number is 0 mod 97 */
	return len == 15 && mod97_digits(digits, len) == 0;
}

bool luhn_ok(const char *d, size_t len)
{
	int sum = 0;

	for (size_t i = 0; i < len; i++) {
		int v = d[len - 1 - i] - '0';

		if (i % 2) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

int mrz_check_digit(const char *f, size_t len)
{
	static const int weights[3] = { 7, 3, 1 };
	int sum = 0;

	for (size_t i = 0; i < len; i++) {
		int v;

		if (f[i] >= '0' && f[i] <= '9')
			v = f[i] - '0';
		else if (f[i] >= 'A' && f[i] <= 'Z')
			v = f[i] - 'A' + 10;
		else if (f[i] == '<')
			v = 0;
		else
			return -1;
		sum += v * weights[i % 3];
	}
	return sum % 10;
}

/* Keeps the letters and digits of text (upper-cased letters when upper is set). */
static size_t compact(const char *text, size_t len, char *out, size_t out_len, bool upper)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < out_len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x80 && isalnum(c))
			out[n++] = (char)(upper ? toupper(c) : c);
	}
	out[n] = '\0';
	return n;
}

static size_t count_digits(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += isdigit((unsigned char)*s) != 0;
	return n;
}

static enum validation check_cin(char *v, size_t n, float *adjust)
{
	size_t letters = 0;

	while (letters < n && isupper((unsigned char)v[letters]))
		letters++;
	if (letters < 1 || letters > 2 || n > 8 || n - letters < 5 || n - letters > 6 ||
	    count_digits(v) != n - letters)
		return VALIDATION_REJECT;
	/* one public validator forbids a leading zero: a penalty, not a rejection (spec 2.1) */
	if (v[letters] == '0')
		*adjust = -0.1f;
	return VALIDATION_SHAPE;
}

/* The 9-digit national significant number of a phone match: prefix (0, +212, 00212,
 * +212 (0), 212) removed. */
static enum validation check_phone(const char *text, size_t len, char *value, size_t value_len)
{
	char digits[32];
	size_t n = compact(text, len, digits, sizeof(digits), false);
	const char *nsn;

	if (n >= 5 && !strncmp(digits, "00212", 5))
		nsn = digits + 5;
	else if (n >= 3 && !strncmp(digits, "212", 3))
		nsn = digits + 3;
	else if (n >= 1 && digits[0] == '0')
		nsn = digits + 1;
	else
		return VALIDATION_REJECT;
	/* "+212 (0)6 ..." keeps a trunk 0 after the country code */
	if (strlen(nsn) == 10 && nsn[0] == '0')
		nsn++;
	if (strlen(nsn) != 9 || nsn[0] < '5' || nsn[0] > '8' || value_len < 10)
		return VALIDATION_REJECT;
	memcpy(value, nsn, 10);
	return VALIDATION_SHAPE;
}

/* Issuer prefixes: Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, UnionPay 62,
 * Discover 6011/65, JCB 35. */
static bool has_card_prefix(const char *d, size_t len)
{
	int p2 = (d[0] - '0') * 10 + (d[1] - '0');
	int p4 = p2 * 100 + (d[2] - '0') * 10 + (d[3] - '0');

	if (d[0] == '4')
		return len == 13 || len == 16 || len == 19;
	if (p2 >= 51 && p2 <= 55)
		return len == 16;
	if (p4 >= 2221 && p4 <= 2720)
		return len == 16;
	if (p2 == 34 || p2 == 37)
		return len == 15;
	if (p2 == 62 || p2 == 65 || p4 == 6011 || p2 == 35)
		return len >= 16 && len <= 19;
	return false;
}

/* Separators in a card number only between groups: 4-4-4-4(-3), or 4-6-5 (Amex). */
static bool card_groups_ok(const char *text, size_t len)
{
	size_t groups[8], ng = 0, cur = 0;
	bool any_sep = false;

	for (size_t i = 0; i < len; i++) {
		if (isdigit((unsigned char)text[i])) {
			cur++;
			continue;
		}
		any_sep = true;
		if (ng == 7 || cur == 0)
			return false;
		groups[ng++] = cur;
		cur = 0;
	}
	if (!any_sep)
		return true;
	groups[ng++] = cur;
	if (ng == 3 && groups[0] == 4 && groups[1] == 6 && groups[2] == 5)
		return true;
	for (size_t i = 0; i < ng; i++)
		if (groups[i] != 4 && !(i == ng - 1 && groups[i] >= 1 && groups[i] <= 3))
			return false;
	return true;
}

static bool email_ok(const char *v)
{
	const char *at = strchr(v, '@');

	/* no leading, trailing or doubled dots in the local part (RFC 5322 dot-atom) */
	return at && at != v && v[0] != '.' && at[-1] != '.' && !strstr(v, "..");
}

enum validation validate(enum validator_kind kind, const char *text, size_t len, char *value,
			 size_t value_len, float *adjust)
{
	char v[RULES_VALUE_MAX];
	size_t n;

	*adjust = 0;
	if (len >= RULES_VALUE_MAX * 2)
		return VALIDATION_REJECT;
	switch (kind) {
	case VAL_PHONE_MA:
		return check_phone(text, len, value, value_len);
	case VAL_EMAIL:
		if (len >= value_len)
			return VALIDATION_REJECT;
		for (size_t i = 0; i < len; i++)
			value[i] = (char)tolower((unsigned char)text[i]);
		value[len] = '\0';
		return email_ok(value) ? VALIDATION_SHAPE : VALIDATION_REJECT;
	default:
		break;
	}
	n = compact(text, len, v, sizeof(v), kind == VAL_IBAN_MA);
	if (n >= value_len)
		return VALIDATION_REJECT;
	memcpy(value, v, n + 1);
	switch (kind) {
	case VAL_NONE:
	case VAL_DIGITS:
	case VAL_MASSAR:
		return VALIDATION_SHAPE;
	case VAL_CIN:
		return check_cin(value, n, adjust);
	case VAL_RIB:
		return is_valid_rib(v, n) ? VALIDATION_CHECKSUM : VALIDATION_REJECT;
	case VAL_IBAN_MA:
		return is_valid_iban_ma(v, n) ? VALIDATION_CHECKSUM : VALIDATION_REJECT;
	case VAL_ICE:
		return is_valid_ice(v, n) ? VALIDATION_CHECKSUM : VALIDATION_REJECT;
	case VAL_CARD:
		if (n < 13 || n > 19 || !has_card_prefix(v, n) || !card_groups_ok(text, len) ||
		    !luhn_ok(v, n))
			return VALIDATION_REJECT;
		return VALIDATION_CHECKSUM;
	case VAL_PASSPORT:
		/* the MRZ form: number (9), check digit, "MAR", birth date */
		if (n > 9) {
			if (n < 19 || mrz_check_digit(v, 9) != v[9] - '0')
				return VALIDATION_REJECT;
			value[9] = '\0';
			return VALIDATION_CHECKSUM;
		}
		return VALIDATION_SHAPE;
	default:
		return VALIDATION_REJECT;
	}
}

bool validator_needs_digit_boundary(enum validator_kind kind)
{
	return kind == VAL_RIB || kind == VAL_CARD || kind == VAL_ICE || kind == VAL_DIGITS ||
	       kind == VAL_IBAN_MA;
}
