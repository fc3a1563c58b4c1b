/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one C++ seam of the agent: poppler-cpp's text boxes handed to C. poppler-glib's text
 * calls go through its selection code, which on the corpus's right-to-left PDFs drops whole
 * lines and reorders words; poppler-cpp's page::text_list() exposes what the layout needs
 * (each word with the box of each of its characters), straight from poppler's TextOutputDev.
 * MuPDF would do as well but is AGPL-3.0, which a GPL-2.0-only program cannot link.
 */
#ifndef RAQIB_AGENT_EXTRACT_PDF_POPPLER_H
#define RAQIB_AGENT_EXTRACT_PDF_POPPLER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One character of a word and its box in page space (points, y down). */
struct pdf_glyph {
	uint32_t cp; /* Unicode code point */
	float x0, y0, x1, y1;
};

enum pdf_open_status {
	PDF_OPEN_OK,
	PDF_OPEN_DAMAGED, /* poppler cannot read it */
	PDF_OPEN_ENCRYPTED, /* a user password is needed */
};

struct pdf_word_sink {
	/* A page starts (0-based). Returns 0 or a negative errno that stops the reading. */
	int (*page)(void *arg, int index);
	/* A word, in poppler's reading order; rotation 0-3 (quarter turns). Same return. */
	int (*word)(void *arg, const struct pdf_glyph *glyphs, size_t n, int rotation);
	void *arg;
};

/*
 * Reads the words of every page of the PDF in buf. Sets *status; returns 0, the sink's error,
 * or -ENOMEM. Pages poppler cannot render are skipped and counted in *damaged_pages.
 */
int pdf_poppler_words(const void *buf, size_t len, const struct pdf_word_sink *sink,
		      enum pdf_open_status *status, unsigned *damaged_pages);

#ifdef __cplusplus
}
#endif

#endif /* RAQIB_AGENT_EXTRACT_PDF_POPPLER_H */
