/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading the XML parts of OOXML and OpenDocument packages safely with libxml2's xmlReader:
 * no network, no external DTD or entity loading, no entity substitution, and a document type
 * declaration refused outright (neither format allows one: ECMA-376 Part 2 §8.1.4, ODF 1.2
 * Part 3 §2.4), which stops entity-expansion attacks ("billion laughs") before any reference
 * is expanded. libxml2's own limits (depth 256, text node 10 MB without XML_PARSE_HUGE) apply.
 */
#ifndef RAQIB_AGENT_EXTRACT_XML_PART_H
#define RAQIB_AGENT_EXTRACT_XML_PART_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/xmlreader.h>

#include "extract_ctx.h"

struct xml_part {
	xmlTextReaderPtr reader;
	const char *name; /* the part's name in its package, for reasons */
	struct extract_ctx *ctx;
};

/* Opens a reader over buf (which must outlive it). Returns 0 or -ENOMEM. */
int xml_part_open(struct xml_part *part, struct extract_ctx *ctx, const char *name, const void *buf,
		  size_t len);

/*
 * Moves to the next node. Returns true on a node; false at the end, on malformed XML or a DTD
 * (the result becomes partial, naming the part), or when the extraction must stop.
 */
bool xml_part_next(struct xml_part *part);

/* Skips the current element's subtree (an mc:Fallback, a phonetic run). */
bool xml_part_skip(struct xml_part *part);

/* Local name of the current node ("" when none); node type; empty-element test. */
const char *xml_part_name(const struct xml_part *part);
int xml_part_type(const struct xml_part *part);
bool xml_part_is_empty(const struct xml_part *part);

/* Value of the current text node, or of the named attribute of the current element; NULL. */
const char *xml_part_value(const struct xml_part *part);
/* Caller frees the attribute with xml_part_free_attr() (it may hold document text). */
char *xml_part_attr(const struct xml_part *part, const char *local_name);
void xml_part_free_attr(char *value);

void xml_part_close(struct xml_part *part);

#endif /* RAQIB_AGENT_EXTRACT_XML_PART_H */
