// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the detection engine through its public API (include/raqib/rules.h) with the
 * default packs: detectors (context, checksums, boundaries, priorities, table columns), Arabic
 * normalisation, document decisions (official, classification as whole lines, bulk), streaming
 * across chunk borders, the app catalog and the policy. Every identifier here is synthetic;
 * checksums were computed with the spec's formulas.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "raqib/rules.h"
#include "raqib/schema.h"

/* 0077800001234567890123 + key 96 */
#define RIB_OK "007780000123456789012396"
#define RIB_BAD "007780000123456789012397"
/* MA + 64 + RIB_OK */
#define IBAN_OK "MA64007780000123456789012396"
/* 0012345670000 + key 62 (97 - first13 * 100 mod 97) */
#define ICE_OK "001234567000062"

static int setup(void **state)
{
	struct rules_error err;

	*state = rules_new_builtin(&err);
	if (!*state)
		fprintf(stderr, "%s:%u:%u: %s\n", err.file, err.line, err.column, err.text);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	rules_free(*state);
	return 0;
}

static struct rules_verdict scan_text(void **state, const char *text)
{
	struct rules_verdict v;

	assert_int_equal(rules_scan_buffer(*state, text, strlen(text), &v), 0);
	return v;
}

static size_t count(void **state, const char *text, const char *type)
{
	struct rules_verdict v = scan_text(state, text);
	size_t n = rules_verdict_count(&v, type);

	rules_verdict_release(&v);
	return n;
}

static const struct rules_finding *first_of(const struct rules_verdict *v, const char *type)
{
	for (size_t i = 0; i < v->n_findings; i++)
		if (!strcmp(v->findings[i].type, type))
			return &v->findings[i];
	return NULL;
}

static void test_cin_context(void **state)
{
	struct rules_verdict v = scan_text(state, "titulaire de la CIN n\xc2\xb0 BK734021, ne le");
	const struct rules_finding *f = first_of(&v, "CIN");

	assert_non_null(f);
	assert_string_equal(f->value, "BK734021");
	assert_string_equal(f->masked, "BK73****");
	assert_string_equal(f->context, "CIN");
	assert_string_equal(f->rule_id, "pii.cin");
	rules_verdict_release(&v);
	/* no context word: a product code */
	assert_int_equal(count(state, "article BK734021 en stock", "CIN"), 0);
	/* "cin" inside "medecin" is no context word */
	assert_int_equal(count(state, "le medecin BK734021 a signe", "CIN"), 0);
	/* glued letters or digits: another token */
	assert_int_equal(count(state, "CIN: XAB123456 CIN: AB1234567 CIN: J456789", "CIN"), 1);
	/* a separator inside the CIN, as the spec allows */
	assert_int_equal(count(state, "C.I.N : JC 954981", "CIN"), 1);
}

static void test_cin_arabic(void **state)
{
	/* الحامل للبطاقة الوطنية رقم AB123456: the article is fused with the preposition */
	assert_int_equal(count(state, "الحامل للبطاقة الوطنية رقم AB123456", "CIN"), 1);
	/* Arabic-Indic digits and a right-to-left mark inside the number */
	assert_int_equal(count(state, "رقم البطاقة الوطنية: DA\xe2\x80\x8f٩٨٣٢١٧", "CIN"), 1);
	/* hamza-seated alef and teh marbuta folded: بطاقة written with a final ه still matches */
	assert_int_equal(count(state, "ب.ت.و عدد EE123456", "CIN"), 1);
}

static void test_phones(void **state)
{
	struct rules_verdict v = scan_text(state, "Tel : 06 12 34 56 78\n"
						  "WhatsApp +212 6 12 34 56 78\n"
						  "fixe 0522-03-75-35, +212 (0)7 71 52 88 79\n"
						  "etranger +33 6 12 34 56 78, 0412345678\n");

	/* the first two are the same number */
	assert_int_equal(rules_verdict_count(&v, "PHONE_MA"), 3);
	assert_string_equal(first_of(&v, "PHONE_MA")->value, "612345678");
	rules_verdict_release(&v);
	/* a bare 212 number counts only under a phone column header */
	assert_int_equal(count(state, "numero 212612345678", "PHONE_MA"), 0);
	assert_int_equal(count(state, "Nom;Telephone\nAmina;212612345678\n", "PHONE_MA"), 1);
}

static void test_bank_identifiers(void **state)
{
	struct rules_verdict v = scan_text(state, "RIB : " RIB_OK " et " RIB_BAD "\n"
						  "IBAN : MA64 0077 8000 0123 4567 8901 2396\n"
						  "groupes 007 780 0001234567890123 96\n");

	/* the RIB inside the IBAN is not a second RIB; the bad key is none */
	assert_int_equal(rules_verdict_count(&v, "IBAN_MA"), 1);
	assert_int_equal(rules_verdict_count(&v, "RIB"), 1);
	assert_string_equal(first_of(&v, "IBAN_MA")->value, IBAN_OK);
	assert_true(first_of(&v, "RIB")->checksum);
	rules_verdict_release(&v);
	/* a wrong IBAN check digit: neither an IBAN nor, being glued to it, a RIB */
	assert_int_equal(count(state, "IBAN MA65 0077 8000 0123 4567 8901 2396", "IBAN_MA"), 0);
	assert_int_equal(count(state, "IBAN MA65 0077 8000 0123 4567 8901 2396", "RIB"), 0);
	/* RIB digits grouped by four: a 16-digit run inside is not a card */
	assert_int_equal(count(state, "0077 8000 0123 4567 8901 2397", "CARD"), 0);
}

static void test_cards_and_ice(void **state)
{
	/* 4111 1111 1111 1111 passes Luhn; 4111 1111 1111 1112 does not; masked cards do not count */
	assert_int_equal(count(state, "carte 4111 1111 1111 1111", "CARD"), 1);
	assert_int_equal(count(state, "carte 4111 1111 1111 1112", "CARD"), 0);
	assert_int_equal(count(state, "carte 411111******1111", "CARD"), 0);
	assert_int_equal(count(state, "carte 4111-1111-1111-1111", "CARD"), 1);
	assert_int_equal(count(state, "ICE : " ICE_OK, "ICE"), 1);
	assert_int_equal(count(state, "ICE : 001234567000061", "ICE"), 0);
}

static void test_context_required_types(void **state)
{
	assert_int_equal(count(state, "N\xc2\xb0 d'immatriculation CNSS : 123456789", "CNSS"), 1);
	assert_int_equal(count(state, "facture 123456789", "CNSS"), 0);
	assert_int_equal(count(state, "Code Massar : M145092428", "MASSAR"), 1);
	assert_int_equal(count(state, "Facture F202400123", "MASSAR"), 0);
	assert_int_equal(count(state, "passeport n\xc2\xb0 AB1234567", "PASSPORT"), 1);
	assert_int_equal(count(state, "colis AB1234567", "PASSPORT"), 0);
	assert_int_equal(count(state, "ecrire a prenom.nom@example.ma.", "EMAIL"), 1);
	assert_int_equal(count(state, "suivez @handle", "EMAIL"), 0);
}

static void test_passport_mrz(void **state)
{
	/* TD3 line 2: AB1234567, check digit 7*A(10)... computed by the spec's MRZ formula */
	char mrz[160];
	const char *num = "AB1234567";
	static const int w[3] = { 7, 3, 1 };
	int sum = 0;

	for (int i = 0; i < 9; i++) {
		int c = num[i] >= 'A' ? num[i] - 'A' + 10 : num[i] - '0';

		sum += c * w[i % 3];
	}
	snprintf(mrz, sizeof(mrz), "P<MARDEMO<<KARIM<<<<<<<<<<<<<<<<<<<<<<<<<<<\n%s%dMAR8001014M3001017<<<<<<<<<<<<<<00",
		 num, sum % 10);
	assert_int_equal(count(state, mrz, "PASSPORT"), 1);
	mrz[strlen("P<MARDEMO<<KARIM<<<<<<<<<<<<<<<<<<<<<<<<<<<\n") + 9] ^= 1; /* a wrong check digit */
	assert_int_equal(count(state, mrz, "PASSPORT"), 0);
}

static void test_table_column_header(void **state)
{
	const char *csv = "N\xc2\xb0;Nom;CIN;Ville\n"
			  "1;Amina Demo;AB123456;Rabat\n"
			  "2;Karim Demo;J456789;Fes\n";
	const char *arabic = "ر.ت\tالاسم\tرقم البطاقة الوطنية\n1\tكريم\tEE654321\n";

	assert_int_equal(count(state, csv, "CIN"), 2);
	assert_int_equal(count(state, arabic, "CIN"), 1);
	/* the same codes under a product column are not CINs */
	assert_int_equal(count(state, "SKU;Designation\nZR756058;Cable\nAB52311;Tube\n", "CIN"), 0);
}

/* Fixed-width tables: no separator character, columns aligned with spaces. */
static void test_aligned_columns(void **state)
{
	/* a full cell leaves one space; the CIN column still starts where its header does */
	const char *report = "Nom      CIN        Telephone\n"
			     "Alaoui   AB123456   0612345678\n"
			     "Benkiran J456789    0661234567\n";
	const char *arabic = "الاسم      رقم البطاقة الوطنية   المدينة\n"
			     "كريم       EE654321              فاس\n";

	assert_int_equal(count(state, report, "CIN"), 2);
	assert_int_equal(count(state, arabic, "CIN"), 1);
	/* codes under another column, or in a line that is not a row, are not CINs */
	assert_int_equal(count(state, "Code       CIN\nAB123456   sans\n", "CIN"), 0);
	assert_int_equal(count(state, "Nom      CIN\nVoir la piece AB123456 jointe\n", "CIN"), 0);
}

static const char *letter = "ROYAUME DU MAROC\n"
			    "MINISTERE DE L'INTERIEUR\n"
			    "PREFECTURE DE DEMO\n"
			    "- SECRET -\n"
			    "N\xc2\xb0 2501/DAS/2020\n"
			    "Temara, le 25 mars 2020\n"
			    "Objet : Dossier de Mme Demo.\n"
			    "Je vous prie de me faire parvenir un rapport.\n"
			    "Le Gouverneur\n";

static void test_official_letter(void **state)
{
	struct rules_verdict v = scan_text(state, letter);

	assert_true(v.is_official);
	assert_int_equal(v.level, RULES_LEVEL_SECRET);
	assert_true(v.official_score >= 6);
	assert_non_null(strstr(v.official_evidence, "letterhead+3"));
	assert_true(rules_verdict_is_sensitive(&v));
	rules_verdict_release(&v);
}

static void test_not_official(void **state)
{
	struct rules_verdict v;

	/* news about a ministry: negative cue */
	v = scan_text(state, "Le ministere de l'Interieur a annonce hier, selon nos sources,\n"
			     "une circulaire. Lire aussi notre dossier.\n");
	assert_false(v.is_official);
	rules_verdict_release(&v);
	/* "secret" in prose, "سري" inside "سريع": no level, no official document */
	v = scan_text(state, "le secret de la recette\nقطار سريع\nSECRET professionnel oblige\n");
	assert_false(v.is_official);
	assert_int_equal(v.level, RULES_LEVEL_NONE);
	assert_false(rules_verdict_is_sensitive(&v));
	rules_verdict_release(&v);
	/* a company letter that ends its address with "Royaume du Maroc" */
	v = scan_text(state, "DEMO INFORMATIQUE SARL\nSiege : 8 rue X, Tanger - Royaume du Maroc\n"
			     "CONFIDENTIEL\nRef. : 631/DG/2025\nTanger, le 21 juin 2025\n"
			     "Objet : offre\nVeuillez agreer nos salutations.\n");
	assert_false(v.is_official);
	rules_verdict_release(&v);
}

static void test_arabic_classification_whole_line(void **state)
{
	char text[512];
	struct rules_verdict v;

	snprintf(text, sizeof(text), "المملكة المغربية\nوزارة الداخلية\nعمالة الرباط\n« سري للغاية »\n"
				     "عدد: 1808/م.ش.ع\nالرباط في: 16 غشت 2022\nالموضوع: ملف.\nوالسلام.\nالعامل\n");
	v = scan_text(state, text);
	assert_true(v.is_official);
	assert_int_equal(v.level, RULES_LEVEL_TOP_SECRET);
	assert_string_equal(rules_level_name(v.level), "TOP_SECRET");
	rules_verdict_release(&v);
}

static void test_bulk(void **state)
{
	char text[1024] = "Nom;CIN\n";

	for (int i = 0; i < 5; i++) {
		char row[64];

		snprintf(row, sizeof(row), "Personne %d;AB12345%d\n", i, i);
		strcat(text, row);
	}
	struct rules_verdict v = scan_text(state, text);

	assert_int_equal(rules_verdict_count(&v, "CIN"), 5);
	assert_true(v.is_bulk);
	rules_verdict_release(&v);
	/* 5 ICEs are companies, not persons */
	v = scan_text(state, "ICE " ICE_OK "\n");
	assert_false(v.is_bulk);
	rules_verdict_release(&v);
}

static void test_streaming(void **state)
{
	const char *text = letter;
	struct rules_scan *scan = rules_scan_new(*state);
	struct rules_verdict v;
	char doc[2048];

	snprintf(doc, sizeof(doc), "%sCIN : BK734021\nRIB " RIB_OK "\nتلفون الهاتف: ٠٦١٢٣٤٥٦٧٨\n",
		 text);
	assert_non_null(scan);
	/* one byte at a time: every finding, mark and UTF-8 character cut by a chunk border */
	for (size_t i = 0; doc[i]; i++)
		assert_int_equal(rules_scan_feed(scan, doc + i, 1), 0);
	assert_int_equal(rules_scan_finish(scan, &v), 0);
	assert_int_equal(rules_verdict_count(&v, "CIN"), 1);
	assert_int_equal(rules_verdict_count(&v, "RIB"), 1);
	assert_int_equal(rules_verdict_count(&v, "PHONE_MA"), 1);
	assert_true(v.is_official);
	assert_int_equal(v.level, RULES_LEVEL_SECRET);
	rules_verdict_release(&v);

	/* the context serves a new stream after finish */
	assert_int_equal(rules_scan_feed(scan, "rien", 4), 0);
	assert_int_equal(rules_scan_finish(scan, &v), 0);
	assert_int_equal(v.n_findings, 0);
	assert_false(v.is_official);
	rules_verdict_release(&v);
	rules_scan_free(scan);
	assert_true(rules_scan_state_size() < 4096);
}

static void test_long_line(void **state)
{
	/* a 100 KiB line (minified export) with a CIN near a cut and one at the end */
	size_t len = 100 * 1024;
	char *text = malloc(len + 64);
	struct rules_verdict v;

	assert_non_null(text);
	memset(text, 'x', len);
	for (size_t i = 0; i < len; i += 64)
		text[i] = ' ';
	memcpy(text + 2040, " CIN BK734021 ", 14);
	strcpy(text + len, " CIN JA501287");
	assert_int_equal(rules_scan_buffer(*state, text, strlen(text), &v), 0);
	assert_int_equal(rules_verdict_count(&v, "CIN"), 2);
	rules_verdict_release(&v);
	free(text);
}

static void test_document_parts(void **state)
{
	struct rules_scan *scan = rules_scan_new(*state);
	struct rules_verdict v;
	const char *body = "ROYAUME DU MAROC\nMINISTERE DE LA SANTE\nN\xc2\xb0 12/DS/2024\n"
			   "Rabat, le 2 mai 2024\nObjet : note\nLe Ministre\n";

	assert_non_null(scan);
	/* a classification mark in a page footer counts */
	assert_int_equal(rules_scan_begin_part(scan, RULES_PART_BODY), 0);
	assert_int_equal(rules_scan_feed(scan, body, strlen(body)), 0);
	assert_int_equal(rules_scan_begin_part(scan, RULES_PART_FOOTER), 0);
	assert_int_equal(rules_scan_feed(scan, "Diffusion restreinte", 20), 0);
	assert_int_equal(rules_scan_finish(scan, &v), 0);
	assert_true(v.is_official);
	assert_int_equal(v.level, RULES_LEVEL_RESTRICTED);
	rules_verdict_release(&v);
	/* a table part: its first row heads the columns */
	assert_int_equal(rules_scan_begin_part(scan, RULES_PART_TABLE), 0);
	assert_int_equal(rules_scan_feed(scan, "Nom\tCNSS\nDemo\t123456789\n", 24), 0);
	assert_int_equal(rules_scan_finish(scan, &v), 0);
	assert_int_equal(rules_verdict_count(&v, "CNSS"), 1);
	rules_verdict_release(&v);
	assert_int_equal(rules_scan_begin_part(scan, (enum rules_part)99), -EINVAL);
	rules_scan_free(scan);
}

static void test_shared_worker(void **state)
{
	struct rules_worker *w = rules_worker_new(*state);
	struct rules_scan *a = rules_scan_new_shared(*state, w);
	struct rules_scan *b = rules_scan_new_shared(*state, w);
	struct rules_verdict va, vb;

	assert_non_null(a);
	assert_non_null(b);
	/* two interleaved streams on one worker keep their own partial lines */
	assert_int_equal(rules_scan_feed(a, "CIN : BK73", 10), 0);
	assert_int_equal(rules_scan_feed(b, "RIB " RIB_OK, 28), 0);
	assert_int_equal(rules_scan_feed(a, "4021\n", 5), 0);
	assert_int_equal(rules_scan_finish(a, &va), 0);
	assert_int_equal(rules_scan_finish(b, &vb), 0);
	assert_int_equal(rules_verdict_count(&va, "CIN"), 1);
	assert_int_equal(rules_verdict_count(&va, "RIB"), 0);
	assert_int_equal(rules_verdict_count(&vb, "RIB"), 1);
	rules_verdict_release(&va);
	rules_verdict_release(&vb);
	rules_scan_free(a);
	rules_scan_free(b);
	rules_worker_free(w);
}

static void test_app_catalog(void **state)
{
	struct in_addr telegram_dc, other;
	struct in6_addr telegram6;
	size_t n = 0;
	const char *const *names = rules_app_exe_names(*state, &n);

	assert_true(n > 10);
	assert_non_null(names[0]);
	assert_string_equal(rules_app_by_exe(*state, "/usr/bin/telegram-desktop")->id, "telegram");
	assert_string_equal(rules_app_by_exe(*state, "/opt/Signal/signal-desktop")->name, "Signal");
	assert_string_equal(rules_app_by_exe(*state, "/snap/whatsapp-for-linux/42/usr/bin/x")->id,
			    "whatsapp");
	assert_string_equal(rules_app_by_exe(*state,
					     "/var/lib/flatpak/app/org.telegram.desktop/x86_64/stable/"
					     "active/files/bin/Telegram")
				    ->id,
			    "telegram");
	assert_null(rules_app_by_exe(*state, "/usr/bin/cat"));
	/* comm keeps 15 bytes: "telegram-desktop" becomes "telegram-deskto" */
	assert_string_equal(rules_app_by_comm(*state, "telegram-deskto")->id, "telegram");
	assert_null(rules_app_by_comm(*state, "telegram-desk"));
	assert_string_equal(rules_app_by_server_name(*state, "mmg-fna.whatsapp.net")->id, "whatsapp");
	assert_string_equal(rules_app_by_server_name(*state, "whatsapp.net")->id, "whatsapp");
	assert_string_equal(rules_app_by_server_name(*state, "WEB.TELEGRAM.ORG")->id, "telegram");
	assert_null(rules_app_by_server_name(*state, "notwhatsapp.net"));
	assert_string_equal(rules_app_by_ndpi(*state, "TLS.WhatsAppFiles")->id, "whatsapp");
	assert_null(rules_app_by_ndpi(*state, "TLS.Google"));
	assert_int_equal(inet_pton(AF_INET, "91.108.56.130", &telegram_dc), 1);
	assert_int_equal(inet_pton(AF_INET, "91.108.60.1", &other), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:b28:f23d:f001::a", &telegram6), 1);
	assert_string_equal(rules_app_by_ip(*state, AF_INET, &telegram_dc)->id, "telegram");
	assert_string_equal(rules_app_by_ip(*state, AF_INET6, &telegram6)->id, "telegram");
	assert_null(rules_app_by_ip(*state, AF_INET, &other));
	assert_int_equal(rules_app_by_exe(*state, "/usr/bin/firefox")->kind, RULES_APP_BROWSER);
	assert_int_equal(rules_app_by_exe(*state, "/usr/bin/whatsapp-for-linux")->overhead_bytes, 26);
}

static void test_decide(void **state)
{
	struct rules_verdict v = scan_text(state, "CIN : BK734021");
	struct rules_event_info info = { .event = RULES_EVENT_FILE_READ };
	struct rules_decision d;

	assert_int_equal(rules_decide(*state, &v, &info, &d), 0);
	assert_true(d.matched);
	assert_string_equal(d.rule_id, "policy.read.personal_data");
	assert_int_equal(d.severity, RAQIB_SEVERITY_LOW);
	info.event = RULES_EVENT_FILE_UPLOAD;
	assert_int_equal(rules_decide(*state, &v, &info, &d), 0);
	assert_string_equal(d.rule_id, "policy.upload.sensitive");
	assert_string_equal(d.confidence, "high");
	rules_verdict_release(&v);

	v = scan_text(state, letter);
	assert_int_equal(rules_decide(*state, &v, &info, &d), 0);
	assert_string_equal(d.rule_id, "policy.upload.classified");
	assert_int_equal(d.severity, RAQIB_SEVERITY_CRITICAL);
	rules_verdict_release(&v);

	/* an e-mail address alone in a network stream is not worth an alert */
	v = scan_text(state, "contact: demo@example.ma");
	info.event = RULES_EVENT_CLEARTEXT;
	assert_int_equal(rules_decide(*state, &v, &info, &d), 0);
	assert_false(d.matched);
	rules_verdict_release(&v);

	v = scan_text(state, "rien de personnel");
	assert_int_equal(rules_decide(*state, &v, &info, &d), 0);
	assert_false(d.matched);
	rules_verdict_release(&v);
	assert_int_equal(strlen(rules_hash(*state)), 64);
}

static void test_empty_input(void **state)
{
	struct rules_verdict v;

	assert_int_equal(rules_scan_buffer(*state, "", 0, &v), 0);
	assert_int_equal(v.n_findings, 0);
	rules_verdict_release(&v);
	rules_verdict_release(NULL);
	rules_scan_free(NULL);
	rules_worker_free(NULL);
	rules_free(NULL);
	assert_null(rules_level_name(RULES_LEVEL_NONE));
	assert_string_equal(rules_level_name(RULES_LEVEL_RESTRICTED), "RESTRICTED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cin_context),
		cmocka_unit_test(test_cin_arabic),
		cmocka_unit_test(test_phones),
		cmocka_unit_test(test_bank_identifiers),
		cmocka_unit_test(test_cards_and_ice),
		cmocka_unit_test(test_context_required_types),
		cmocka_unit_test(test_passport_mrz),
		cmocka_unit_test(test_table_column_header),
		cmocka_unit_test(test_aligned_columns),
		cmocka_unit_test(test_official_letter),
		cmocka_unit_test(test_not_official),
		cmocka_unit_test(test_arabic_classification_whole_line),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_document_parts),
		cmocka_unit_test(test_shared_worker),
		cmocka_unit_test(test_app_catalog),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_empty_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
