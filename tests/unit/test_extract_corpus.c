// SPDX-License-Identifier: GPL-2.0-only
/*
 * Extraction of the shared corpus (../shared/corpus/docs, synthetic documents): every document
 * is read completely, and the text of documents of each format comes out whole and in logical
 * order: marks in DOCX headers, identifiers split across Word runs, Arabic PDFs stored in
 * visual order (numbers and signs included), spreadsheet rows, UTF-16 and CP1256 text.
 * Skipped when the corpus is not beside the tree.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "extract_capture.h"

#define DOCS RAQIB_SHARED_DIR "/corpus/docs"

static const char *corpus_text(struct fixture *f, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", DOCS, name);
	if (stat(path, &st) != 0)
		skip();
	capture_release(&f->cap);
	assert_int_equal(capture_file(path, &f->limits, &f->cap, &f->res), 0);
	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	return f->cap.text;
}

static void test_every_document_complete(void **state)
{
	struct fixture *f = *state;
	DIR *dir = opendir(DOCS);
	struct dirent *de;
	unsigned n = 0;

	if (!dir)
		skip();
	for (de = readdir(dir); de; de = readdir(dir)) {
		if (de->d_name[0] == '.')
			continue;
		corpus_text(f, de->d_name);
		if (f->res.text_bytes == 0)
			fail_msg("no text from '%s'", de->d_name);
		n++;
	}
	closedir(dir);
	assert_true(n >= 300);
}

static void test_docx_header_and_runs(void **state)
{
	struct fixture *f = *state;
	const char *t = corpus_text(f, "doc_053.docx");

	/* the classification mark lives in the page header part */
	assert_ptr_equal(strstr(t, "\n[[HEADER]]\n\u00ab \u0633\u0631\u064a \u00bb\n"), t);
	assert_has(t, "\n[[BODY]]\n\u0627\u0644\u0645\u0645\u0644\u0643\u0629 \u0627\u0644\u0645"
		      "\u063a\u0631\u0628\u064a\u0629   ROYAUME DU MAROC\n");
	t = corpus_text(f, "doc_204.docx");
	assert_has(t,
		   "\u0627\u0644\u062d\u0627\u0645\u0644 \u0644\u0644\u0628\u0637\u0627\u0642"
		   "\u0629 \u0627\u0644\u0648\u0637\u0646\u064a\u0629 \u0631\u0642\u0645 F658242");
	assert_has(t, "+212-692-982354");
	assert_has(t, "secretariat.marrakech@interieur.gov.ma");
	assert_has(t, "[[FOOTER]]");
}

static void test_arabic_pdf_logical_order(void **state)
{
	struct fixture *f = *state;
	const char *t = corpus_text(f, "doc_057.pdf");

	/* stored in visual order; each line must read as written, digits and signs included */
	assert_has(t, "\u0627\u0644\u0645\u0645\u0644\u0643\u0629 \u0627\u0644\u0645\u063a\u0631"
		      "\u0628\u064a\u0629\n\u0648\u0632\u0627\u0631\u0629 \u0627\u0644\u062f\u0627"
		      "\u062e\u0644\u064a\u0629\n");
	assert_has(t, "\u0639\u062f\u062f: 2343/\u0642.\u0639.\u0625\n");
	assert_has(t, "\u0627\u0644\u0648\u0637\u0646\u064a\u0629 \u0631\u0642\u0645 "
		      "K\u0669\u0662\u0662\u0660\u0665\u0669\u060c\n");
	assert_has(t, "\u0627\u0644\u0647\u0627\u062a\u0641: +\u0662\u0661\u0662\u0666\u0666"
		      "\u0666\u0663\u0668\u0660\u0662\u0664\u0669.\n");
	assert_has(t, "\u0627\u0644\u0647\u0627\u062a\u0641: +212522308207 - \u0627\u0644\u0641"
		      "\u0627\u0643\u0633: 0537137013\n");
	t = corpus_text(f, "doc_072.pdf");
	assert_has(t, "IBAN : MA64022330820236825040922788\n");
	assert_has(t, "RC : 784748 - IF : 41108725 - Patente : 18265289 - CNSS : 6606773 - "
		      "ICE : 002549883000073\n");
}

static void test_xlsx_rows(void **state)
{
	struct fixture *f = *state;
	const char *t = corpus_text(f, "doc_007.xlsx");

	/* the letterhead rows above the list are body text; the sheet starts at its header row */
	assert_ptr_equal(strstr(t, "\n[[BODY]]\n\u0627\u0644\u0645\u0645\u0644\u0643\u0629 "
				   "\u0627\u0644\u0645\u063a\u0631\u0628\u064a\u0629\n"),
			 t);
	assert_has(t, "\n[[SHEET]]\n\u0631.\u062a\t\u0631\u0645\u0632 \u0645\u0633\u0627\u0631\t");
	assert_has(t, "\n1\tK128414110\t\u0647\u0634\u0627\u0645 \u0644\u062d\u0644\u0648\t"
		      "08/09/1998\t0641498746\n");
}

static void test_csv_with_title(void **state)
{
	struct fixture *f = *state;

	/* a title line and a blank line (lines keep their numbers), then the table */
	assert_has(corpus_text(f, "doc_100.csv"),
		   "\u0644\u0627\u0626\u062d\u0629 \u0627\u0644\u0632\u0628\u0646\u0627\u0621\r\n\r\n\n"
		   "[[TABLE]]\n\u0631.\u062a\t\u0627\u0644\u0627\u0633\u0645 \u0627\u0644\u0643"
		   "\u0627\u0645\u0644\t\u0627\u0644\u0647\u0627\u062a\u0641\t\u0627\u0644\u0645"
		   "\u062f\u064a\u0646\u0629\n1\t\u062e\u062f\u064a\u062c\u0629 \u0628\u0646\u0639"
		   "\u0644\u064a\t+\u0662\u0661\u0662\u0667\u0660\u0664\u0662\u0662\u0662\u0668"
		   "\u0669\u0666\t\u0648\u062c\u062f\u0629\n");
}

static void test_text_encodings(void **state)
{
	struct fixture *f = *state;

	assert_has(
		corpus_text(f, "doc_016.txt"), /* CP1256 */
		"\u0627\u0644\u062d\u0627\u0645\u0644 \u0644\u0644\u0628\u0637\u0627\u0642\u0629 "
		"\u0627\u0644\u0648\u0637\u0646\u064a\u0629 \u0631\u0642\u0645 IA214562");
	assert_has(
		corpus_text(f, "doc_038.txt"), /* UTF-16 */
		"\n[[TABLE]]\n\u00c9quipement\tN\u00b0 de s\u00e9rie\tDate d'achat\n"
		"Routeur\t5169 5462 6580 3111\t13/11/2021\nImprimante\t4503942613522500\t13/11/2022\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_document_complete, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_docx_header_and_runs, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_arabic_pdf_logical_order, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_xlsx_rows, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_csv_with_title, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_text_encodings, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
