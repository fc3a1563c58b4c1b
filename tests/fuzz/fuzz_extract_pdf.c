// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: PDF documents (poppler text boxes, line layout, bidi).
 * Input: the bytes of one document. Corpus: corpus/extract_pdf/.
 */
#include "fuzz_extract.h"
#include "extract/pdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract(extract_pdf_inprocess, data, size);
	return 0;
}
