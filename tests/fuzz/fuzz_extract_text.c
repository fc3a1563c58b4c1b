// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: plain text: encoding detection, iconv conversion, CSV tables.
 * Input: the bytes of one document. Corpus: corpus/extract_text/.
 */
#include "fuzz_extract.h"
#include "extract/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract(extract_text, data, size);
	return 0;
}
