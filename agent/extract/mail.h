/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * E-mail messages (.eml, RFC 5322 with MIME parts) through GMime 3: the subject and
 * addresses, text parts (converted from their charset), HTML parts (html.c), and every other
 * part or attached message decoded (base64, quoted-printable) and extracted as a
 * RULES_PART_ATTACHMENT one level deeper.
 */
#ifndef RAQIB_AGENT_EXTRACT_MAIL_H
#define RAQIB_AGENT_EXTRACT_MAIL_H

#include <stddef.h>

#include "extract_ctx.h"

int extract_mail(struct extract_ctx *ctx, const void *buf, size_t len);

#endif /* RAQIB_AGENT_EXTRACT_MAIL_H */
