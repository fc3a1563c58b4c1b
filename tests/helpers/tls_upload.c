// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test client for the host sensor's end-to-end tests: a stand-in for an app that uploads files
 * over TLS with OpenSSL (linked dynamically, like a real client, so the TLS uprobes can hook it).
 * The tests copy it under a messaging app's name to make it a watched app.
 *
 *   tls_upload [--open-only FILE]... [--send FILE]... [--early FILE] [--sni NAME]
 *              [--wait-ms N] HOST PORT
 *
 * It connects and completes the handshake (asking for server NAME with --sni), waits
 * --wait-ms, then reads each --open-only file (an app previewing a document) and reads and sends
 * each --send file, in the order given, and closes the connection cleanly. An --early file is
 * opened before connecting (as curl opens what it uploads) and sent after the handshake. Certificates are not checked: the server is the test's own.
 * Exit status: 0 when everything was sent, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_STEPS 16

struct step {
	const char *path;
	int send; /* 0: read only */
};

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, rc;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		fprintf(stderr, "tls_upload: cannot resolve '%s': %s\n", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "tls_upload: cannot connect to %s:%s\n", host, port);
	return fd;
}

static int open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "tls_upload: cannot open '%s': %s\n", path, strerror(errno));
	return fd;
}

/* Reads the open file fd, sends it through ssl when ssl is not NULL, closes it. 0 or -1. */
static int send_fd(SSL *ssl, int fd, const char *path)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (ssl && SSL_write(ssl, buf, (int)n) != (int)n) {
			fprintf(stderr, "tls_upload: cannot send '%s'\n", path);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

/* Reads path whole, and sends it through ssl when ssl is not NULL. Returns 0 or -1. */
static int do_file(SSL *ssl, const char *path)
{
	int fd = open_file(path);

	return fd < 0 ? -1 : send_fd(ssl, fd, path);
}

int main(int argc, char **argv)
{
	struct step steps[MAX_STEPS];
	struct timespec wait = { 0 };
	const char *sni = NULL, *early = NULL;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int n_steps = 0, i, fd = -1, early_fd = -1, ret = 1;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--wait-ms") == 0) {
			long ms = strtol(argv[i + 1], NULL, 10);

			wait.tv_sec = ms / 1000;
			wait.tv_nsec = (ms % 1000) * 1000000;
		} else if (strcmp(argv[i], "--sni") == 0) {
			sni = argv[i + 1];
		} else if (strcmp(argv[i], "--early") == 0) {
			early = argv[i + 1];
		} else if (n_steps < MAX_STEPS && (strcmp(argv[i], "--send") == 0 ||
						   strcmp(argv[i], "--open-only") == 0)) {
			steps[n_steps].path = argv[i + 1];
			steps[n_steps++].send = strcmp(argv[i], "--send") == 0;
		} else {
			break;
		}
	}
	if (argc - i != 2) {
		fprintf(stderr,
			"usage: tls_upload [--open-only FILE]... [--send FILE]... [--early FILE] [--sni NAME] [--wait-ms N] HOST PORT\n");
		return 2;
	}
	if (early) {
		early_fd = open_file(early);
		if (early_fd < 0)
			return 1;
	}
	fd = connect_to(argv[i], argv[i + 1]);
	if (fd < 0)
		return 1;
	ctx = SSL_CTX_new(TLS_client_method());
	ssl = ctx ? SSL_new(ctx) : NULL;
	if (ssl && sni)
		SSL_set_tlsext_host_name(ssl, sni);
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1) {
		ERR_print_errors_fp(stderr);
		goto out;
	}
	nanosleep(&wait, NULL);
	if (early_fd >= 0) {
		int rc = send_fd(ssl, early_fd, early);

		early_fd = -1;
		if (rc)
			goto out;
	}
	for (int s = 0; s < n_steps; s++)
		if (do_file(steps[s].send ? ssl : NULL, steps[s].path))
			goto out;
	SSL_shutdown(ssl);
	ret = 0;
out:
	if (early_fd >= 0)
		close(early_fd);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return ret;
}
