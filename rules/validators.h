/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validators of identifier candidates (../shared/spec/moroccan-pii.md sections 2 and 6). Each
 * gets the matched text as it stands in the normalised line (separators included) and writes
 * the normalised value: what distinct values are counted on.
 */
#ifndef RAQIB_RULES_VALIDATORS_H
#define RAQIB_RULES_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

enum validation {
	VALIDATION_REJECT, /* not this type (bad checksum, range, shape) */
	VALIDATION_SHAPE, /* the right shape, nothing more to check */
	VALIDATION_CHECKSUM, /* a checksum confirmed it */
};

/*
 * Validates text[0..len) as kind; writes the value (NUL-terminated, at most value_len bytes)
 * and a score adjustment (a penalty is negative).
 */
enum validation validate(enum validator_kind kind, const char *text, size_t len, char *value,
			 size_t value_len, float *adjust);

/* Remainder modulo 97 of a decimal digit string; -1 if it holds a non-digit. */
int mod97_digits(const char *digits, size_t len);

bool is_valid_rib(const char *digits, size_t len);
bool is_valid_iban_ma(const char *compact, size_t len);
bool is_valid_ice(const char *digits, size_t len);
bool luhn_ok(const char *digits, size_t len);
/* ICAO 9303 check digit of a field (digits, A-Z, '<'). */
int mrz_check_digit(const char *field, size_t len);

/*
 * Whether validators of kind need the extended digit boundary: a candidate must not continue,
 * through one separator, into more digits (a 16-digit run inside a grouped 24-digit RIB).
 */
bool validator_needs_digit_boundary(enum validator_kind kind);

#endif /* RAQIB_RULES_VALIDATORS_H */
