/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * FTP control connections (RFC 959, RFC 2428): which data connection will carry which file.
 * The client's PORT/EPRT and the server's 227 (PASV) and 229 (EPSV) replies announce where the
 * next data connection will be opened; STOR, STOU and APPE say that a file goes up (and its
 * name), RETR that one comes down. The cleartext path matches new flows against the
 * announcements and inspects the bytes an upload's data connection carries.
 */
#ifndef RAQIB_AGENT_FTP_CONTROL_H
#define RAQIB_AGENT_FTP_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "upload_sink.h"

#define FTP_LINE_MAX 512

/* What the data connection now being prepared is for. */
enum ftp_transfer {
	FTP_TRANSFER_NONE,
	FTP_TRANSFER_UPLOAD, /* STOR, STOU, APPE */
	FTP_TRANSFER_OTHER, /* RETR, LIST, NLST...: nothing leaves */
};

/* A data connection announced on the control connection. */
struct ftp_announce {
	bool active; /* PORT/EPRT: the server connects to the client */
	int family; /* AF_INET or AF_INET6; 0: the control connection's */
	uint8_t addr[16]; /* the listener's address as announced (may be unusable behind NAT) */
	uint16_t port; /* the listener's port */
};

/*
 * Shared by a control connection and the data connections it announces (reference counted):
 * the transfer in progress and the name of the file.
 */
struct ftp_session {
	unsigned refs;
	enum ftp_transfer transfer;
	char file_name[UPLOAD_NAME_MAX];
};

struct ftp_control {
	struct ftp_session *session;
	char line[2][FTP_LINE_MAX]; /* per direction: client commands, server replies */
	size_t line_len[2];
	bool tls; /* AUTH TLS accepted: the rest is encrypted */
};

/* Prepares c with a new session. Returns 0 or -ENOMEM. */
int ftp_control_init(struct ftp_control *c);

/* Drops c's reference to its session. */
void ftp_control_release(struct ftp_control *c);

struct ftp_session *ftp_session_get(struct ftp_session *s);
void ftp_session_put(struct ftp_session *s);

/*
 * The next bytes of the control connection, from the client (from_client) or the server.
 * Each data connection announced is passed to fn. Returns 0, or -EPROTO once encrypted.
 */
int ftp_control_feed(struct ftp_control *c, bool from_client, const uint8_t *data, size_t len,
		     void (*fn)(void *ctx, const struct ftp_announce *a), void *ctx);

/* True when the client's first bytes look like an FTP login (USER, AUTH, FEAT...). */
bool ftp_control_is_client_start(const uint8_t *data, size_t len);

#endif /* RAQIB_AGENT_FTP_CONTROL_H */
