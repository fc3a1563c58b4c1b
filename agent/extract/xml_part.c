// SPDX-License-Identifier: GPL-2.0-only
/*
 * Safe xmlReader over one part of a document package (see xml_part.h). Parse errors are
 * silenced: libxml2 would print them to stderr with a piece of the document in them.
 */
#include "xml_part.h"

#include <errno.h>
#include <string.h>

/* XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR and XML_PARSE_HUGE stay off. */
#define XML_PART_OPTIONS                                                                 \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | \
	 XML_PARSE_COMPACT | XML_PARSE_NOXINCNODE)

static void ignore_error(void *arg, xmlErrorPtr error)
{
}

int xml_part_open(struct xml_part *part, struct extract_ctx *ctx, const char *name, const void *buf,
		  size_t len)
{
	memset(part, 0, sizeof(*part));
	part->name = name;
	part->ctx = ctx;
	if (len > INT32_MAX) {
		extract_ctx_limit(ctx, "XML part '%s' too large", name);
		return 0;
	}
	part->reader = xmlReaderForMemory(buf, (int)len, NULL, NULL, XML_PART_OPTIONS);
	if (!part->reader)
		return -ENOMEM;
	xmlTextReaderSetStructuredErrorHandler(part->reader, ignore_error, NULL);
	return 0;
}

bool xml_part_next(struct xml_part *part)
{
	int r;

	if (!part->reader || extract_ctx_stopped(part->ctx))
		return false;
	r = xmlTextReaderRead(part->reader);
	if (r == 1 && xmlTextReaderNodeType(part->reader) == XML_READER_TYPE_DOCUMENT_TYPE) {
		extract_ctx_damaged(part->ctx, "document type declaration refused in '%s'",
				    part->name);
		return false;
	}
	if (r < 0)
		extract_ctx_damaged(part->ctx, "malformed XML in '%s'", part->name);
	return r == 1;
}

bool xml_part_skip(struct xml_part *part)
{
	int r;

	if (extract_ctx_stopped(part->ctx))
		return false;
	r = xmlTextReaderNext(part->reader);
	if (r < 0)
		extract_ctx_damaged(part->ctx, "malformed XML in '%s'", part->name);
	return r == 1;
}

const char *xml_part_name(const struct xml_part *part)
{
	const xmlChar *name = xmlTextReaderConstLocalName(part->reader);

	return name ? (const char *)name : "";
}

int xml_part_type(const struct xml_part *part)
{
	return xmlTextReaderNodeType(part->reader);
}

bool xml_part_is_empty(const struct xml_part *part)
{
	return xmlTextReaderIsEmptyElement(part->reader) == 1;
}

const char *xml_part_value(const struct xml_part *part)
{
	return (const char *)xmlTextReaderConstValue(part->reader);
}

char *xml_part_attr(const struct xml_part *part, const char *local_name)
{
	char *value = NULL;

	if (xmlTextReaderMoveToFirstAttribute(part->reader) != 1)
		return NULL;
	do {
		if (strcmp(xml_part_name(part), local_name) == 0) {
			value = (char *)xmlTextReaderValue(part->reader);
			break;
		}
	} while (xmlTextReaderMoveToNextAttribute(part->reader) == 1);
	xmlTextReaderMoveToElement(part->reader);
	return value;
}

void xml_part_free_attr(char *value)
{
	if (value)
		explicit_bzero(value, strlen(value));
	xmlFree(value);
}

void xml_part_close(struct xml_part *part)
{
	if (part->reader)
		xmlFreeTextReader(part->reader);
	part->reader = NULL;
}
