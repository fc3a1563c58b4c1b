// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the host path, fed records as the BPF sensor would hand them (no BPF here): a
 * watched app opens a file with personal data and uploads it (one high-confidence upload alert,
 * with destination and bytes, no read alert afterwards); opens another and sends nothing (one
 * medium read alert when the agent stops); opens a library (not inspected, no alert); writes a
 * list of citizens through TLS (one TLS-plaintext alert), and the TLS plaintext of a matched
 * upload (no second alert). Connection owners reach the conn_table.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "pipeline/host_events.h"
#include "sensors/event_decode.h"

#define S 1000000000ull
#define START 77ull

struct seen {
	enum alert_kind kind;
	char rule_id[64];
	char confidence[8];
	char path[256];
	char dst[64];
	uint64_t upload_bytes;
	size_t cins;
	char channel[32];
};

struct fixture {
	struct rules *rules;
	struct conn_table *conns;
	struct host_events *host;
	struct seen alerts[8];
	size_t n;
	char dir[64];
};

static int sink(void *ctx, const struct alert *a)
{
	struct fixture *fx = ctx;
	struct seen *s = &fx->alerts[fx->n++];

	assert_true(fx->n <= 8);
	s->kind = a->kind;
	snprintf(s->rule_id, sizeof(s->rule_id), "%s", a->rule_id);
	snprintf(s->confidence, sizeof(s->confidence), "%s", a->confidence);
	snprintf(s->path, sizeof(s->path), "%s", a->file_path ? a->file_path : "");
	snprintf(s->dst, sizeof(s->dst), "%s", a->destination_ip ? a->destination_ip : "");
	s->upload_bytes = a->upload ? a->upload->bytes : 0;
	s->cins = a->verdict ? rules_verdict_count(a->verdict, "CIN") : 0;
	snprintf(s->channel, sizeof(s->channel), "%s", a->channel_id ? a->channel_id : "");
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct host_events_config cfg;
	struct rules_error err;

	assert_non_null(fx);
	fx->rules = rules_new_builtin(&err);
	assert_non_null(fx->rules);
	fx->conns = conn_table_new(64);
	assert_non_null(fx->conns);
	host_events_config_default(&cfg);
	cfg.conns = fx->conns;
	cfg.corr.window_ns = 60 * S;
	fx->host = host_events_new(fx->rules, sink, fx, &cfg);
	assert_non_null(fx->host);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/raqib-host-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	host_events_free(fx->host);
	conn_table_free(fx->conns);
	rules_free(fx->rules);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static void hdr(struct raqib_event_hdr *h, __u16 kind, __u32 size, uint64_t ts)
{
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->version = RAQIB_EVENT_VERSION;
	h->size = size;
	h->ts_ns = ts;
	h->pid = (__u32)getpid();
	h->tid = h->pid;
	h->ppid = 1;
	h->proc_start_ns = START;
	snprintf(h->comm, sizeof(h->comm), "telegram-deskto");
}

/* An absolute path the way the kernel side writes it: "/home/u/doc.pdf" as "doc.pdf/u/home/". */
static __u32 leaf_first(const char *path, char *out)
{
	const char *end = path + strlen(path);
	__u32 n = 0;

	while (end > path) {
		const char *start = end;

		while (start > path && start[-1] != '/')
			start--;
		memcpy(out + n, start, (size_t)(end - start));
		n += (__u32)(end - start);
		out[n++] = '/';
		end = start - 1;
	}
	out[n] = '\0';
	return n;
}

/* Hands a record through event_decode(), as the sensor does. */
static void feed(struct fixture *fx, const void *rec, size_t size)
{
	static union event_buf buf;

	assert_int_equal(event_decode(rec, size, &buf), 0);
	assert_int_equal(host_events_on_event(fx->host, &buf.hdr), 0);
}

static void exec_as(struct fixture *fx, const char *exe, const char *comm)
{
	static struct raqib_event_exec e;

	hdr(&e.hdr, RAQIB_EV_EXEC, 0, 1);
	snprintf(e.hdr.comm, sizeof(e.hdr.comm), "%s", comm);
	e.flags = RAQIB_EVF_WATCHED;
	e.filename_len = (__u32)strlen(exe);
	memcpy(e.filename, exe, e.filename_len + 1);
	e.hdr.size = (__u32)(offsetof(struct raqib_event_exec, filename) + e.filename_len + 1);
	feed(fx, &e, e.hdr.size);
}

static void exec_app(struct fixture *fx)
{
	exec_as(fx, "/usr/bin/telegram-desktop", "telegram-deskto");
}

/* Writes text to dir/name, opens it as the app; returns the fd (closed by the caller). */
static int open_file(struct fixture *fx, const char *path, const char *text, uint64_t ts)
{
	static struct raqib_event_open e;
	struct stat st;
	int fd;

	if (text) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	hdr(&e.hdr, RAQIB_EV_OPEN, 0, ts);
	e.flags = RAQIB_EVF_WATCHED;
	e.fd = fd;
	e.dev = (__u64)major(st.st_dev) << 20 | minor(st.st_dev);
	e.ino = st.st_ino;
	e.size = st.st_size;
	e.mode = st.st_mode;
	e.path_len = leaf_first(path, e.path);
	e.hdr.size = (__u32)(offsetof(struct raqib_event_open, path) + e.path_len + 1);
	feed(fx, &e, e.hdr.size);
	return fd;
}

static void flow(struct fixture *fx, uint64_t sk, const char *dst, uint64_t bytes, __u32 reason,
		 uint64_t ts)
{
	struct raqib_event_flow e;

	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, RAQIB_EV_FLOW, sizeof(e), ts);
	e.sk = sk;
	e.bytes = bytes;
	e.first_ns = ts;
	e.family = AF_INET;
	e.proto = IPPROTO_TCP;
	e.sport = 41000;
	e.dport = 443;
	inet_pton(AF_INET, "10.1.2.3", e.saddr);
	inet_pton(AF_INET, dst, e.daddr);
	e.reason = reason;
	feed(fx, &e, sizeof(e));
}

static const char letter[] = "ROYAUME DU MAROC\nMINISTERE DE L'INTERIEUR\nSECRET\n"
			     "Objet : dossier de Mme Demo, titulaire de la CIN n\xc2\xb0 BK734021.\n";

static void test_upload_then_nothing_more(void **state)
{
	struct fixture *fx = *state;
	struct host_events_stats st;
	char path[128];
	uint8_t a[4], b[4];
	int fd;

	exec_app(fx);
	flow(fx, 0x10, "149.154.167.50", 700, RAQIB_FLOW_OPEN, 1 * S); /* a handshake before */
	snprintf(path, sizeof(path), "%s/letter.txt", fx->dir);
	fd = open_file(fx, path, letter, 2 * S);
	flow(fx, 0x10, "149.154.167.50", 700 + sizeof(letter) + 300, RAQIB_FLOW_SCAN, 3 * S);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->alerts[0].kind, ALERT_KIND_FILE);
	assert_string_equal(fx->alerts[0].confidence, "high");
	assert_string_equal(fx->alerts[0].path, path);
	assert_string_equal(fx->alerts[0].dst, "149.154.167.50");
	assert_int_equal(fx->alerts[0].upload_bytes, sizeof(letter) + 300);
	assert_int_equal(fx->alerts[0].cins, 1);
	/* the connection's owner is known to the network path */
	inet_pton(AF_INET, "10.1.2.3", a);
	inet_pton(AF_INET, "149.154.167.50", b);
	assert_non_null(conn_table_lookup(fx->conns, AF_INET, IPPROTO_TCP, b, 443, a, 41000));
	/* the window closing and the agent stopping add nothing */
	host_events_tick(fx->host, 100 * S);
	host_events_flush(fx->host);
	assert_int_equal(fx->n, 1);
	host_events_get_stats(fx->host, &st);
	assert_int_equal(st.uploads, 1);
	assert_int_equal(st.read_only, 0);
	close(fd);
}

/* Copies the file at src to dst (an executable, for the ELF test). */
static void copy_file(const char *src, const char *dst)
{
	char buf[65536];
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
}

/*
 * One read alert, for the letter alone: an ELF library is not a document; the app's own files
 * (a system file, a file in a hidden directory such as a profile) are not even inspected; a
 * file whose only personal data is an e-mail address (a launcher's maintainer) is no alert.
 */
static void test_read_only_and_library(void **state)
{
	struct fixture *fx = *state;
	struct host_events_stats st;
	char path[128], elf[128], hidden[160], launcher[128];
	int fd, lib, sys, own, mail;

	exec_app(fx);
	snprintf(path, sizeof(path), "%s/letter.txt", fx->dir);
	snprintf(elf, sizeof(elf), "%s/helper.so", fx->dir);
	copy_file("/proc/self/exe", elf);
	snprintf(hidden, sizeof(hidden), "%s/.config", fx->dir);
	assert_int_equal(mkdir(hidden, 0700), 0);
	snprintf(hidden, sizeof(hidden), "%s/.config/letter-copy.txt", fx->dir);
	snprintf(launcher, sizeof(launcher), "%s/launcher.sh", fx->dir);
	fd = open_file(fx, path, letter, 2 * S);
	lib = open_file(fx, elf, NULL, 2 * S); /* an ELF file outside system directories */
	sys = open_file(fx, "/proc/self/exe", NULL, 2 * S); /* under a system directory */
	own = open_file(fx, hidden, letter, 2 * S);
	mail = open_file(fx, launcher,
			 "#!/bin/sh\n# Maintainer: Jane Demo <jane.demo@example.org>\nexec app\n",
			 2 * S);
	flow(fx, 0x20, "149.154.167.50", 90000, RAQIB_FLOW_OPEN, 3 * S); /* something else */
	assert_int_equal(fx->n, 0);
	host_events_flush(fx->host); /* the agent stops: the read is reported */
	assert_int_equal(fx->n, 1);
	assert_string_equal(fx->alerts[0].confidence, "medium");
	assert_string_equal(fx->alerts[0].path, path);
	assert_int_equal(fx->alerts[0].upload_bytes, 0);
	host_events_get_stats(fx->host, &st);
	assert_int_equal(st.binaries, 1);
	assert_int_equal(st.own_files[OWN_FILE_SYSTEM], 1);
	assert_int_equal(st.own_files[OWN_FILE_HIDDEN], 1);
	assert_int_equal(st.staged, 1); /* the launcher's address alone stages nothing */
	assert_int_equal(st.emails_only, 1);
	assert_int_equal(st.read_only, 1);
	close(fd);
	close(lib);
	close(sys);
	close(own);
	close(mail);
}

/* The first flight of an OpenSSL client asking for host, as TLS records. */
static size_t client_hello(const char *host, uint8_t *out, size_t out_len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = SSL_new(ctx);
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	int n;

	SSL_set_bio(ssl, rb, wb);
	SSL_set_tlsext_host_name(ssl, host);
	SSL_set_connect_state(ssl);
	SSL_do_handshake(ssl);
	n = BIO_read(wb, out, (int)out_len);
	assert_true(n > 100);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return (size_t)n;
}

/* The names tier's copy of a ClientHello for host, 10.1.2.3:41000 -> dst:443. */
static void hello_packet(struct fixture *fx, const char *dst, const char *host, uint64_t ts)
{
	static struct raqib_event_packet e;
	uint8_t *ip = e.data, *tcp = e.data + 20;
	size_t n;

	memset(&e, 0, sizeof(e));
	n = client_hello(host, e.data + 40, sizeof(e.data) - 40);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((40 + n) >> 8);
	ip[3] = (uint8_t)(40 + n);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	inet_pton(AF_INET, "10.1.2.3", ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	tcp[0] = 41000 >> 8;
	tcp[1] = 41000 & 0xff;
	tcp[3] = 443 & 0xff;
	tcp[2] = 443 >> 8;
	tcp[12] = 5 << 4;
	tcp[13] = 0x18;
	e.len = (__u32)(40 + n);
	hdr(&e.hdr, RAQIB_EV_PACKET, (__u32)(offsetof(struct raqib_event_packet, data) + e.len),
	    ts);
	e.hdr.pid = 0;
	e.what = RAQIB_PKT_TLS_HELLO;
	e.wire_len = e.len;
	feed(fx, &e, e.hdr.size);
}

/*
 * A browser's connection is a channel's when the names tier saw its ClientHello ask for the
 * channel's server: the upload to mmg.whatsapp.net matches; the same bytes to an unnamed
 * server did not.
 */
static void test_browser_named_by_hello(void **state)
{
	struct fixture *fx = *state;
	char path[128];
	struct stat st;
	int fd;

	exec_as(fx, "/usr/bin/chromium", "chromium");
	snprintf(path, sizeof(path), "%s/letter.txt", fx->dir);
	fd = open_file(fx, path, letter, 2 * S);
	assert_int_equal(fstat(fd, &st), 0);
	flow(fx, 0x30, "10.9.9.8", (uint64_t)st.st_size + 26 + 600, RAQIB_FLOW_OPEN, 3 * S);
	assert_int_equal(fx->n, 0); /* a browser to a server nobody named */
	hello_packet(fx, "10.9.9.9", "mmg.whatsapp.net", 4 * S);
	flow(fx, 0x31, "10.9.9.9", (uint64_t)st.st_size + 26 + 600, RAQIB_FLOW_OPEN, 4 * S + 1);
	assert_int_equal(fx->n, 1);
	assert_string_equal(fx->alerts[0].confidence, "high");
	assert_string_equal(fx->alerts[0].channel, "whatsapp");
	assert_string_equal(fx->alerts[0].dst, "10.9.9.9");
	close(fd);
}

/*
 * A program the catalog does not name connects to a channel (the kernel's DEST record): it is
 * that channel's app from then on, and its upload says how it was recognised.
 */
static void test_watched_by_destination(void **state)
{
	struct fixture *fx = *state;
	static struct raqib_event_dest d;
	struct host_events_stats hs;
	char path[128];
	struct stat st;
	int fd;

	exec_as(fx, "/tmp/bin/notes-helper", "notes-helper");
	memset(&d, 0, sizeof(d));
	hdr(&d.hdr, RAQIB_EV_DEST, sizeof(d), 2 * S);
	snprintf(d.hdr.comm, sizeof(d.hdr.comm), "notes-helper");
	snprintf(d.app_id, sizeof(d.app_id), "whatsapp");
	d.how = RAQIB_DEST_BY_SNI;
	d.family = AF_INET;
	d.port = 443;
	feed(fx, &d, sizeof(d));
	snprintf(path, sizeof(path), "%s/letter.txt", fx->dir);
	fd = open_file(fx, path, letter, 2 * S + 1);
	assert_int_equal(fstat(fd, &st), 0);
	flow(fx, 0x40, "10.9.9.7", (uint64_t)st.st_size + 26 + 300, RAQIB_FLOW_OPEN, 3 * S);
	assert_int_equal(fx->n, 1);
	assert_string_equal(fx->alerts[0].confidence, "high");
	assert_string_equal(fx->alerts[0].channel, "whatsapp");
	host_events_get_stats(fx->host, &hs);
	assert_int_equal(hs.watched_by_dest, 1);
	close(fd);
}

static void tls(struct fixture *fx, uint64_t conn, const char *text, uint64_t ts)
{
	static struct raqib_event_tls_data e;
	size_t len = strlen(text);

	hdr(&e.hdr, RAQIB_EV_TLS_DATA, (__u32)(offsetof(struct raqib_event_tls_data, data) + len),
	    ts);
	e.conn = conn;
	e.lib = RAQIB_TLS_OPENSSL;
	e.call_len = (__u32)len;
	e.len = (__u32)len;
	memcpy(e.data, text, len);
	feed(fx, &e, e.hdr.size);
}

static void tls_bind(struct fixture *fx, uint64_t conn, uint64_t sk, uint64_t ts)
{
	struct raqib_event_tls_bind e;

	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, RAQIB_EV_TLS_BIND, sizeof(e), ts);
	e.conn = conn;
	e.sk = sk;
	e.family = AF_INET;
	e.proto = IPPROTO_TCP;
	e.dport = 443;
	inet_pton(AF_INET, "10.9.9.9", e.daddr);
	feed(fx, &e, sizeof(e));
}

static void test_tls_plaintext(void **state)
{
	struct fixture *fx = *state;
	struct host_events_stats st;
	char path[128];
	int fd;

	exec_app(fx);
	/* a list of citizens typed into a web form: no file, only TLS plaintext */
	tls(fx, 0xaa, "nom=Demo&cin=BK734021&nom2=Exemple&cin2=", 2 * S);
	tls_bind(fx, 0xaa, 0x30, 2 * S);
	tls(fx, 0xaa, "JA501287\n", 2 * S + 1);
	flow(fx, 0x30, "10.9.9.9", 400, RAQIB_FLOW_CLOSE, 3 * S);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->alerts[0].kind, ALERT_KIND_NETWORK);
	assert_string_equal(fx->alerts[0].dst, "10.9.9.9");
	assert_int_equal(fx->alerts[0].cins, 2);
	/* an upload whose plaintext is seen too: one alert, the upload's */
	snprintf(path, sizeof(path), "%s/letter.txt", fx->dir);
	fd = open_file(fx, path, letter, 4 * S);
	flow(fx, 0x40, "10.9.9.9", 300, RAQIB_FLOW_OPEN, 4 * S + 10);
	tls(fx, 0xbb, letter, 5 * S);
	tls_bind(fx, 0xbb, 0x40, 5 * S);
	flow(fx, 0x40, "10.9.9.9", 300 + sizeof(letter) + 40, RAQIB_FLOW_CLOSE, 5 * S + 10);
	host_events_flush(fx->host);
	assert_int_equal(fx->n, 2);
	assert_string_equal(fx->alerts[1].confidence, "high");
	assert_int_equal(fx->alerts[1].kind, ALERT_KIND_FILE);
	host_events_get_stats(fx->host, &st);
	assert_int_equal(st.tls_confirmed, 1);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upload_then_nothing_more, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_and_library, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_plaintext, setup, teardown),
		cmocka_unit_test_setup_teardown(test_browser_named_by_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watched_by_destination, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
