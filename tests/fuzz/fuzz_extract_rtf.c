// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the RTF tokenizer.
 * Input: the bytes of one document. Corpus: corpus/extract_rtf/.
 */
#include "fuzz_extract.h"
#include "extract/rtf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract(extract_rtf, data, size);
	return 0;
}
