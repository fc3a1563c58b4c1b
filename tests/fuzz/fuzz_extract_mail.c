// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: e-mail messages (GMime), attachments extracted recursively.
 * Input: the bytes of one document. Corpus: corpus/extract_mail/.
 */
#include "fuzz_extract.h"
#include "extract/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract(extract_mail, data, size);
	return 0;
}
