// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: archives and compressed streams (libarchive), members extracted recursively.
 * Input: the bytes of one document. Corpus: corpus/extract_archive/.
 */
#include "fuzz_extract.h"
#include "extract/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract(extract_archive, data, size);
	return 0;
}
