// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of text extraction, one synthetic document per format (tests/data/extract/, made
 * by make_docs.py there): the text that reaches the scanner, the document parts announced, the
 * type detected from the content, the limits, and the hand-over to a rules scan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "extract_capture.h"
#include "raqib/rules.h"

static const char *extract_ok(struct fixture *f, const char *path)
{
	capture_release(&f->cap);
	assert_int_equal(capture_file(path, &f->limits, &f->cap, &f->res), 0);
	return f->cap.text;
}

static void assert_lacks(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle))
		fail_msg("'%s' should not be in extracted text:\n%s", needle, haystack);
}

static void assert_starts(const char *haystack, const char *prefix)
{
	if (strncmp(haystack, prefix, strlen(prefix)) != 0)
		fail_msg("extracted text does not start with '%s':\n%s", prefix, haystack);
}

static void assert_before(const char *haystack, const char *first, const char *second)
{
	const char *a = strstr(haystack, first), *b = strstr(haystack, second);

	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
}

static void test_docx(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/letter.docx");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_string_equal(
		f->res.mime_type,
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	/* header first, then body, table, body, footer */
	assert_starts(t, "\n[[HEADER]]\nConfidentiel\nN\u00b0 125/DGSN\n");
	assert_before(t, "[[HEADER]]", "\n[[BODY]]\n\u0627\u0644\u0645\u0645\u0644\u0643\u0629");
	/* runs split inside an identifier are joined */
	assert_has(t, "Le titulaire de la CIN BK734021 est convoqu\u00e9.\n");
	assert_has(t, "Avant\ttab\napr\u00e8s\n");
	/* the fallback copy of a text box, field codes and tab stops are not text */
	assert_has(t, "boite\n");
	assert_lacks(t, "DOUBLON");
	assert_lacks(t, "PAGE");
	assert_has(
		t,
		"\n[[TABLE]]\nNom\tCIN\tRIB\nAmal Idrissi\tJA501287\t007 780 0001234567890123 96\n"
		"\n[[BODY]]\nApr\u00e8s le tableau\n");
	assert_has(t, "\n[[FOOTER]]\nDiffusion restreinte\n");
	assert_before(t, "Apr\u00e8s le tableau", "[[FOOTER]]");
}

static void test_xlsx(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/list.xlsx");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	/*
	 * Sheets in workbook order (sheet2 listed first), one SHEET part each; a title row of
	 * one cell before the header row is body text.
	 */
	assert_string_equal(t, "\n[[BODY]]\nSecond\n\n[[SHEET]]\nTRUE\t\t\tformule\n"
			       "\n[[SHEET]]\nNom\tCIN\tCNSS\tT\u00e9l\u00e9phone\n"
			       "Amal Idrissi\tBK734021\t795440022\t0612345678\n"
			       "Saad\t\t795440023\t3.5\n");
}

static void test_pptx(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/slides.pptx");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_before(t, "R\u00e9union du comit\u00e9",
		      "CIN JA501287\nligne 2\n"); /* slide2, slide10 */
	assert_has(t, "\n[[TABLE]]\nNom\tCIN\nAmal\tBK734021\n");
	assert_has(t, "Note orale\n");
}

static void test_odt(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/letter.odt");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_starts(t, "\n[[HEADER]]\nTr\u00e8s secret\n");
	assert_has(t, "Royaume du Maroc\nCIN BK734021 fin\tx\nsuite\n");
	assert_has(t, "\n[[TABLE]]\nNom\tRIB\nAmal Idrissi\t007 780 0001234567890123 96\n");
	assert_has(t, "\n[[FOOTER]]\nPied de page\n");
	assert_before(t, "Fin du document", "[[FOOTER]]");
}

static void test_ods(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/list.ods");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	/* repeated empty cells keep columns; a million repeated empty rows cost nothing */
	assert_has(t, "\n[[SHEET]]\nNom\t\t\tCNSS\nAmal\t\t\t795440022\n");
	assert_has(t, "\n[[BODY]]\nFeuille B\n"); /* one cell: a title, not a table */
	assert_true(f->res.text_bytes < 200);
}

static void test_rtf(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/letter.rtf");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_string_equal(f->res.mime_type, "text/rtf");
	assert_has(t, "\n[[HEADER]]\nConfidentiel\n");
	assert_has(t, "\n[[FOOTER]]\nPage\n");
	/* \ansicpg1256 bytes, \u characters with their fallbacks skipped */
	assert_has(t, "\u0631\u0642\u0645 \u0627\u0644\u0628\u0637\u0627\u0642\u0629 BK734021\n");
	assert_has(t, "Caf\u00e9 \u0645\u0648 \u0644 fin\n");
	assert_has(t, "\n[[TABLE]]\nNom\tCIN\nAmal\tJA501287\n\n[[BODY]]\nApr\u00e8s\n");
	assert_lacks(t, "SECRET-AUTHOR");
	assert_lacks(t, "ignored");
	assert_lacks(t, "Arial");
	assert_lacks(t, "89504e47");
}

static void test_html(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/page.html");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_has(t, "CIN BK734021 \u00e9t\u00e9");
	assert_has(t, "\n[[TABLE]]\nNom\tCIN\nAmal  Idrissi\tJA501287\n");
	assert_lacks(t, "XX999999");
	assert_lacks(t, "color");

	t = extract_ok(f, "extract/page-cp1256.html");
	assert_has(t, "\u0631\u0642\u0645 \u0627\u0644\u0628\u0637\u0627\u0642\u0629 "
		      "\u0627\u0644\u0648\u0637\u0646\u064a\u0629 BK734021");
}

static void test_mail(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/message.eml");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_string_equal(f->res.mime_type, "message/rfc822");
	assert_has(t, "Subject: Dossier confidentiel\n");
	assert_has(t, "la CIN de Mme Idrissi est BK734021 ; merci.");
	assert_has(t, "Tableau HTML");
	/* a base64 zip named .jpg: typed from its content, one level deeper for its member */
	assert_has(t, "\n[[ATTACHMENT]]\n\n[[ATTACHMENT]]\nListe: CIN JA501287\n");
	/* a quoted-printable CSV attachment in CP1256 */
	assert_has(
		t,
		"\n[[ATTACHMENT]]\n\n[[TABLE]]\n\u0627\u0644\u0627\u0633\u0645\t\u0631\u0642\u0645 "
		"\u0627\u0644\u0628\u0637\u0627\u0642\u0629\n\u0623\u0645\u0644\tBK734021\n");
}

static void test_archives(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/archive.tar.gz");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_string_equal(t, "\n[[ATTACHMENT]]\nB\u00e9n\u00e9ficiaire: CIN BK734021\n");
	t = extract_ok(f, "extract/plain.txt.bz2");
	assert_string_equal(t, "\n[[ATTACHMENT]]\nCIN JA501287\n");
	t = extract_ok(f, "extract/archive.7z");
	assert_string_equal(f->res.mime_type, "application/x-7z-compressed");
	assert_string_equal(
		t, "\n[[ATTACHMENT]]\n\u00c9l\u00e8ve: Am\u00e9lie Dupr\u00e9, n\u00e9e \u00e0 "
		   "F\u00e8s, CIN BK734021, \u00c9galit\u00e9.\n\n[[ATTACHMENT]]\n"
		   "\u0627\u0644\u0627\u0633\u0645: \u0623\u0645\u0644 \u0627\u0644\u0625"
		   "\u062f\u0631\u064a\u0633\u064a\u060c \u0631\u0642\u0645 \u0627\u0644"
		   "\u0628\u0637\u0627\u0642\u0629 \u0627\u0644\u0648\u0637\u0646\u064a"
		   "\u0629 BK734021\u060c \u0627\u0644\u0647\u0627\u062a\u0641 0612345678\n"
		   "Fin de la liste.\n");
}

static void test_encodings(void **state)
{
	static const char arabic[] =
		"\u0627\u0644\u0627\u0633\u0645: \u0623\u0645\u0644 \u0627\u0644\u0625\u062f\u0631"
		"\u064a\u0633\u064a\u060c \u0631\u0642\u0645 \u0627\u0644\u0628\u0637\u0627\u0642"
		"\u0629 \u0627\u0644\u0648\u0637\u0646\u064a\u0629 BK734021\u060c \u0627\u0644\u0647"
		"\u0627\u062a\u0641 0612345678\nFin de la liste.\n";
	static const char *const same[] = { "extract/utf16le-bom.txt", "extract/utf16be-nobom.txt",
					    "extract/cp1256.txt", "extract/utf8-bom.txt" };
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_string_equal(extract_ok(f, same[i]), arabic);
		assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	}
	assert_string_equal(extract_ok(f, "extract/iso8859-6.txt"),
			    "\u0627\u0644\u0627\u0633\u0645: \u0623\u0645\u0644 \u0627\u0644\u0625"
			    "\u062f\u0631\u064a\u0633\u064a\u060c \u0631\u0642\u0645 \u0627\u0644"
			    "\u0628\u0637\u0627\u0642\u0629 BK734021\n");
	assert_string_equal(
		extract_ok(f, "extract/latin1.txt"),
		"\u00c9l\u00e8ve: Am\u00e9lie Dupr\u00e9, n\u00e9e \u00e0 F\u00e8s, CIN "
		"BK734021, \u00c9galit\u00e9.\n");
}

static void test_csv(void **state)
{
	struct fixture *f = *state;

	/* CP1256, ';' delimiter, a quoted delimiter and a quoted line break */
	assert_string_equal(
		extract_ok(f, "extract/list-cp1256.csv"),
		"\n[[TABLE]]\nNom\tCIN\tAdresse\nIdrissi; Amal\tBK734021\t12 rue Tanger\n"
		"Saad\tJA501287\tF\u00e8s\n");
}

static void test_pdf(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/letter.pdf");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_string_equal(t, "\n[[BODY]]\nROYAUME DU MAROC\nMinistere de l'Interieur\n"
			       "CIN : BK734021\nRIB : 007 780 0001234567890123 96\n\n"
			       "CIN JA501287\n"); /* split over TJ operators with kerning */
}

/*
 * A table drawn cell by cell (as office suites export them), which poppler reads column by
 * column: rebuilt row by row, cells parted by tabs, so the "CIN" header stands above its
 * numbers in one column, as the rules read tables.
 */
static void test_pdf_table_rows(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/table.pdf");

	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_string_equal(t, "\n[[BODY]]\nListe des beneficiaires\nNom\tCIN\tTelephone\n"
			       "Alaoui\tBK734021\t0612345678\nBennani\tJA501287\t0661234567\n");
}

static void test_type_from_content(void **state)
{
	struct fixture *f = *state;
	const char *t = extract_ok(f, "extract/scan.jpg");

	assert_string_equal(f->res.mime_type, "application/pdf");
	assert_has(t, "CIN : BK734021");
}

static void test_hash_and_read_limit(void **state)
{
	struct fixture *f = *state;
	unsigned char want[32];
	unsigned int n;

	extract_ok(f, "extract/letter.docx");
	assert_true(f->res.sha256_complete);
	assert_int_equal(f->res.bytes_read, 1527);
	assert_non_null(f->cap.text);
	{
		char path[512];
		FILE *fp;
		unsigned char buf[4096];
		size_t len;

		snprintf(path, sizeof(path), "%s/extract/letter.docx", RAQIB_TEST_DATA_DIR);
		fp = fopen(path, "rb");
		assert_non_null(fp);
		len = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		assert_true(EVP_Digest(buf, len, want, &n, EVP_sha256(), NULL));
	}
	assert_memory_equal(f->res.sha256, want, 32);

	f->limits.max_read_bytes = 50;
	extract_ok(f, "extract/cp1256.txt");
	assert_int_equal(f->res.status, EXTRACT_PARTIAL);
	assert_false(f->res.sha256_complete);
	assert_int_equal(f->res.bytes_read, 50);
	assert_non_null(strstr(f->res.reason, "read limit"));
}

static void test_text_and_depth_limits(void **state)
{
	struct fixture *f = *state;

	f->limits.max_text_bytes = 10;
	extract_ok(f, "extract/letter.docx");
	assert_int_equal(f->res.status, EXTRACT_PARTIAL);
	assert_int_equal(f->res.text_bytes, 10);
	assert_non_null(strstr(f->res.reason, "text limit"));

	extract_limits_default(&f->limits);
	f->limits.max_depth = 0;
	extract_ok(f, "extract/archive.tar.gz");
	assert_int_equal(f->res.status, EXTRACT_PARTIAL);
	assert_non_null(strstr(f->res.reason, "nesting depth"));
	assert_lacks(f->cap.text, "BK734021");
}

static void test_buffer_and_empty(void **state)
{
	struct fixture *f = *state;
	struct extract_sink sink = { capture_part, capture_feed, &f->cap };
	static const char csv[] = "CIN,Nom\nBK734021,Amal\nJA501287,Saad\n";
	static const char titled[] = "Liste des b\u00e9n\u00e9ficiaires\n\nCIN;Nom\nBK734021;Amal\n"
				     "JA501287;\"Saad; Idrissi\"\n";
	static const char letter[] = "Madame,\nVeuillez trouver ci-joint le dossier.\n";

	capture_release(&f->cap);
	assert_int_equal(extract_buffer_sink(csv, sizeof(csv) - 1, &f->limits, &sink, &f->res), 0);
	assert_string_equal(f->cap.text, "\n[[TABLE]]\nCIN\tNom\nBK734021\tAmal\nJA501287\tSaad\n");
	/* title lines before the header row stay body text */
	capture_release(&f->cap);
	assert_int_equal(
		extract_buffer_sink(titled, sizeof(titled) - 1, &f->limits, &sink, &f->res), 0);
	assert_string_equal(f->cap.text,
			    "Liste des b\u00e9n\u00e9ficiaires\n\n\n[[TABLE]]\nCIN\tNom\n"
			    "BK734021\tAmal\nJA501287\tSaad; Idrissi\n");
	capture_release(&f->cap);
	assert_int_equal(
		extract_buffer_sink(letter, sizeof(letter) - 1, &f->limits, &sink, &f->res), 0);
	assert_string_equal(f->cap.text, letter);
	assert_int_equal(extract_buffer_sink("", 0, &f->limits, &sink, &f->res), 0);
	assert_int_equal(f->res.status, EXTRACT_COMPLETE);
	assert_int_equal(f->res.text_bytes, 0);
	assert_true(f->res.sha256_complete);
}

/* The text reaches a real rules scan: the built-in CIN and RIB detectors find them. */
static void test_scan_docx(void **state)
{
	struct fixture *f = *state;
	struct rules_error rerr;
	struct rules *rules = rules_new_builtin(&rerr);
	struct rules_scan *scan = rules_scan_new(rules);
	struct rules_verdict verdict;
	char path[512];
	bool rib = false;
	int fd;

	assert_non_null(scan);
	snprintf(path, sizeof(path), "%s/extract/letter.docx", RAQIB_TEST_DATA_DIR);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(extract_fd(fd, &f->limits, scan, &f->res), 0);
	close(fd);
	assert_int_equal(rules_scan_finish(scan, &verdict), 0);
	for (size_t i = 0; i < verdict.n_findings; i++)
		rib |= strcmp(verdict.findings[i].type, "RIB") == 0;
	assert_true(rib);
	rules_verdict_release(&verdict);
	rules_scan_free(scan);
	rules_free(rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_docx, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_xlsx, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pptx, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_odt, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ods, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rtf, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_html, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mail, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_archives, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_encodings, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_csv, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pdf, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pdf_table_rows, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_type_from_content, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_hash_and_read_limit, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_text_and_depth_limits, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_buffer_and_empty, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_scan_docx, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
