// SPDX-License-Identifier: GPL-2.0-only
/*
 * poppler-cpp text boxes for pdf_layout.c (see pdf_poppler.h). Exceptions never cross into C:
 * std::bad_alloc becomes -ENOMEM, anything else a damaged document. poppler's error messages
 * are silenced: they can quote document content.
 */
#include "pdf_poppler.h"

#include <cerrno>
#include <climits>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

static void ignore_message(const std::string &, void *)
{
}

/* The code points of a UTF-16 string, surrogate pairs joined. */
static void decode_utf16(const poppler::ustring &text, std::vector<uint32_t> &out)
{
	out.clear();
	for (size_t i = 0; i < text.size(); i++) {
		uint32_t u = text[i];

		if (u >= 0xd800 && u <= 0xdbff && i + 1 < text.size() && text[i + 1] >= 0xdc00 &&
		    text[i + 1] <= 0xdfff) {
			u = 0x10000 + ((u - 0xd800) << 10) + (text[i + 1] - 0xdc00);
			i++;
		} else if (u >= 0xd800 && u <= 0xdfff) {
			u = 0xfffd;
		}
		out.push_back(u);
	}
}

static int page_words(poppler::page &page, const struct pdf_word_sink *sink)
{
	std::vector<poppler::text_box> boxes = page.text_list();
	std::vector<struct pdf_glyph> glyphs;
	std::vector<uint32_t> cps;

	for (poppler::text_box &box : boxes) {
		int err;

		decode_utf16(box.text(), cps);
		glyphs.clear();
		for (size_t k = 0; k < cps.size(); k++) {
			poppler::rectf r = box.char_bbox(k);
			struct pdf_glyph g;

			g.cp = cps[k];
			g.x0 = (float)r.left();
			g.y0 = (float)r.top();
			g.x1 = (float)r.right();
			g.y1 = (float)r.bottom();
			glyphs.push_back(g);
		}
		err = sink->word(sink->arg, glyphs.data(), glyphs.size(), box.rotation());
		if (err)
			return err;
	}
	return 0;
}

extern "C" int pdf_poppler_words(const void *buf, size_t len, const struct pdf_word_sink *sink,
				 enum pdf_open_status *status, unsigned *damaged_pages)
{
	*status = PDF_OPEN_DAMAGED;
	*damaged_pages = 0;
	if (len > INT_MAX)
		return 0;
	try {
		poppler::set_debug_error_function(ignore_message, nullptr);
		std::unique_ptr<poppler::document> doc(
			poppler::document::load_from_raw_data(static_cast<const char *>(buf), (int)len));

		if (!doc)
			return 0;
		if (doc->is_locked()) {
			*status = PDF_OPEN_ENCRYPTED;
			return 0;
		}
		*status = PDF_OPEN_OK;
		for (int i = 0; i < doc->pages(); i++) {
			std::unique_ptr<poppler::page> page(doc->create_page(i));
			int err;

			if (!page) {
				(*damaged_pages)++;
				continue;
			}
			err = sink->page(sink->arg, i);
			if (!err)
				err = page_words(*page, sink);
			if (err)
				return err;
		}
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	} catch (...) {
		*status = PDF_OPEN_DAMAGED;
	}
	return 0;
}
