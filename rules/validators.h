/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checksum validators of identifier types (../shared/spec/moroccan-pii.md section 6). Each takes
 * the value with separators already removed.
 */
#ifndef RAQIB_RULES_VALIDATORS_H
#define RAQIB_RULES_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>

/* Remainder modulo 97 of a decimal digit string; -1 if it holds a non-digit. */
int mod97_digits(const char *digits, size_t len);

/* A Moroccan RIB: exactly 24 digits whose integer is 0 modulo 97. */
bool is_valid_rib(const char *digits, size_t len);

#endif /* RAQIB_RULES_VALIDATORS_H */
