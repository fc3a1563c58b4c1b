// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: HTML pages (libxml2 HTML parser in SAX mode).
 * Input: the bytes of one document. Corpus: corpus/extract_html/.
 */
#include "fuzz_extract.h"
#include "extract/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract(extract_html, data, size);
	return 0;
}
