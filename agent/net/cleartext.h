/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cleartext inspection of TCP flows: reassembles each direction (net/tcp_reasm.h), recognises
 * the application protocol from the first client bytes (HTTP/1.x, SMTP, FTP control) or from an
 * FTP data connection announced on a control connection, and turns what a client uploads into
 * objects: each file part of an HTTP request body (decoded: chunked, gzip, deflate, multipart),
 * each mail of an SMTP DATA, each file an FTP STOR sends. Each object goes through text
 * extraction and the rules; the verdict is handed to the object sink with the object's name.
 */
#ifndef RAQIB_AGENT_CLEARTEXT_H
#define RAQIB_AGENT_CLEARTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raqib/rules.h"
#include "extract/extract.h"
#include "pipeline/flow_table.h"

struct cleartext;
struct cleartext_flow;

/* One uploaded object and what the rules concluded; borrowed for the call. */
struct cleartext_object {
	const char *protocol; /* "http", "smtp", "ftp" */
	const char *
		file_name; /* uploaded file's name (multipart filename, attachment, STOR); or NULL */
	const char *host; /* HTTP Host, or NULL */
	const char *url; /* HTTP: "host/path" of the request (http_upload_url()), or NULL */
	/* SMTP: the recipients' domains; a NULL item stands for those beyond the kept number */
	const char *mail_domains[17];
	size_t n_mail_domains;
	uint64_t size; /* bytes of the object as uploaded (after transfer decoding) */
	bool is_truncated; /* larger than the object limit: only the start was inspected */
	bool has_gap; /* bytes of the stream were missing: inspected around the hole */
	const char *sha256; /* hex SHA-256 of the bytes inspected */
	const struct rules_verdict *verdict;
};

typedef void (*cleartext_object_fn)(void *ctx, const struct flow *flow,
				    const struct cleartext_object *object);

struct cleartext_config {
	uint64_t max_object_bytes; /* bytes of one object inspected */
	uint64_t max_buffered_bytes; /* out-of-order and object bytes held by all flows */
	uint32_t max_flow_window; /* out-of-order bytes held per direction of a flow */
	/* extraction limits of an object (depth, ratio, time...); NULL: the defaults */
	const struct extract_limits *limits;
};

struct cleartext_stats {
	uint64_t objects; /* objects inspected */
	uint64_t gaps;
	uint64_t out_of_window;
	uint64_t overlaps;
	uint64_t dropped; /* bytes dropped at a buffer bound */
	uint64_t truncated; /* objects larger than max_object_bytes */
	uint64_t parse_errors;
};

/* rules must outlive the object. NULL + errno. */
struct cleartext *cleartext_new(const struct rules *rules, const struct cleartext_config *config,
				cleartext_object_fn sink, void *sink_ctx);
void cleartext_free(struct cleartext *ct);

/*
 * Per-flow state for a new TCP flow (whose sides are settled), or NULL when the flow cannot be
 * inspected (out of memory: counted). Freed by cleartext_flow_end().
 */
struct cleartext_flow *cleartext_flow_new(struct cleartext *ct, const struct flow *flow,
					  uint64_t now_us);

/*
 * A TCP segment of the flow: direction, sequence number, flags (SYN, FIN, RST bits) and
 * payload. Returns true while the flow is worth more segments; false once the flow is known to
 * carry nothing to inspect (TLS, an unknown protocol): the caller may then stop calling.
 */
bool cleartext_segment(struct cleartext *ct, struct cleartext_flow *cf, const struct flow *flow,
		       enum flow_dir dir, uint32_t seq, uint8_t tcp_flags, const uint8_t *payload,
		       size_t len, uint64_t now_us);

/* The flow ended: inspects what is still buffered, reports it, frees cf. Accepts NULL cf. */
void cleartext_flow_end(struct cleartext *ct, struct cleartext_flow *cf, const struct flow *flow);

/* Switches to new rules. Returns 0, or -ENOMEM (the old ones stay in use). */
int cleartext_set_rules(struct cleartext *ct, const struct rules *rules);

void cleartext_get_stats(const struct cleartext *ct, struct cleartext_stats *stats);

#endif /* RAQIB_AGENT_CLEARTEXT_H */
