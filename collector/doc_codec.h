/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How a stored alert document is encoded: raw DEFLATE (zlib) with a preset dictionary of what
 * every alert says (ECS field names, raqib's values), behind a one-byte version mark. A stored
 * alert takes about a third of its JSON's size, which is most of what a national deployment
 * keeping 90 days holds (docs/scaling.md). The encoding is deterministic, so the same document
 * always stores as the same bytes (the store script finds duplicates by comparing them).
 *
 * A document that starts with '{' is plain JSON (older stores, or a document that would not
 * shrink): readers take both.
 */
#ifndef RAQIB_COLLECTOR_DOC_CODEC_H
#define RAQIB_COLLECTOR_DOC_CODEC_H

#include <stddef.h>

struct doc_packer;

/* A packer keeps its DEFLATE state between documents (one allocation, not one per alert). */
struct doc_packer *doc_packer_new(void);
void doc_packer_free(struct doc_packer *p);

/* Encodes json into *out (malloc'ed). Returns 0, or -ENOMEM / -EIO. Not thread-safe per packer. */
int doc_pack(struct doc_packer *p, const char *json, size_t len, char **out, size_t *out_len);

/*
 * Decodes what doc_pack() made, or copies plain JSON, into *json (malloc'ed, NUL-terminated).
 * Returns 0, -EINVAL (neither) or -ENOMEM. Output is bounded to 4 MiB.
 */
int doc_unpack(const char *data, size_t len, char **json, size_t *json_len);

#endif /* RAQIB_COLLECTOR_DOC_CODEC_H */
