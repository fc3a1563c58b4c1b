/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the protocol parsers (HTTP, SMTP, FTP) hand what a client uploads: objects (a file part,
 * a mail, a stored file), each announced with its name, given in pieces, then ended.
 * net/cleartext.c implements it: it buffers each object within bounds and inspects it.
 */
#ifndef RAQIB_AGENT_UPLOAD_SINK_H
#define RAQIB_AGENT_UPLOAD_SINK_H

#include <stddef.h>
#include <stdint.h>

#define UPLOAD_NAME_MAX 256

struct upload_sink {
	/* Starts an object; file_name may be NULL. Ends the previous one if it is still open. */
	void (*begin)(void *ctx, const char *protocol, const char *file_name);
	/* Names the open object (a mail's attachment name is known only after its headers). */
	void (*name)(void *ctx, const char *file_name);
	/* The next bytes of the object. */
	void (*data)(void *ctx, const uint8_t *data, size_t len);
	/* Ends the object: it is inspected now. */
	void (*end)(void *ctx);
	void *ctx;
};

#endif /* RAQIB_AGENT_UPLOAD_SINK_H */
