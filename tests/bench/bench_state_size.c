// SPDX-License-Identifier: GPL-2.0-only
/* Prints the per-stream state of the scanner, for bench_rules.sh. */
#include <stdio.h>

#include "raqib/rules.h"

int main(void)
{
	printf("%zu\n", rules_scan_state_size());
	return 0;
}
