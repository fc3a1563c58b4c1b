/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Streaming multipart/form-data parser (RFC 7578, on RFC 2046 section 5.1.1): splits a request
 * body into its parts as the body arrives, in pieces of any size, and hands each part to an
 * upload sink as one object named by its Content-Disposition filename (or NULL for a plain form
 * field). Part headers are bounded; a body without a closing delimiter ends with the stream.
 */
#ifndef RAQIB_AGENT_MULTIPART_H
#define RAQIB_AGENT_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "upload_sink.h"

#define MULTIPART_BOUNDARY_MAX 70 /* RFC 2046: 1 to 70 characters */
#define MULTIPART_HEADERS_MAX  4096

struct multipart {
	const struct upload_sink *sink;
	const char *protocol;
	char delim[MULTIPART_BOUNDARY_MAX + 5]; /* "\r\n--" + boundary */
	size_t delim_len;
	uint8_t state; /* preamble, headers, body, epilogue */
	uint8_t carry[MULTIPART_BOUNDARY_MAX + 5]; /* bytes that may start a delimiter */
	size_t carry_len;
	char headers[MULTIPART_HEADERS_MAX];
	size_t headers_len;
	bool in_part; /* the sink has an object open */
};

/*
 * Reads the boundary parameter of a Content-Type value ("multipart/form-data; boundary=x").
 * Returns 0 with out filled, or -ENOENT when the type is not multipart or has no valid boundary.
 */
int multipart_boundary(const char *content_type, char *out, size_t out_len);

/* Prepares m for a body delimited by boundary. Returns 0 or -EINVAL. */
int multipart_init(struct multipart *m, const char *boundary, const struct upload_sink *sink,
		   const char *protocol);

/* The next bytes of the body. */
void multipart_feed(struct multipart *m, const uint8_t *data, size_t len);

/* End of the body: what is open is ended. */
void multipart_finish(struct multipart *m);

/*
 * The file name in a header section: the value of filename= (quoted or not; filename*= with
 * RFC 5987 encoding is taken verbatim after the charset), and with with_name, failing those,
 * of a name= parameter (Content-Type's, in mail). Returns true with out filled. Used for
 * multipart parts and mail attachments.
 */
bool multipart_header_filename(const char *headers, size_t len, bool with_name, char *out,
			       size_t out_len);

#endif /* RAQIB_AGENT_MULTIPART_H */
