// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: zip packages: DOCX, XLSX, PPTX, ODT, ODS, or plain zip archives.
 * Input: the bytes of one document. Corpus: corpus/extract_zip/.
 */
#include "fuzz_extract.h"
#include "extract/zip_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract(extract_zip_doc, data, size);
	return 0;
}
