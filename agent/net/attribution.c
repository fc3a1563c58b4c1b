// SPDX-License-Identifier: GPL-2.0-only
/*
 * App attribution (see attribution.h): the clues are tried strongest first; the first that
 * names an app of the catalog wins.
 */
#include "attribution.h"

#include <stddef.h>

const struct rules_app *attribute_flow(const struct rules *rules, const struct attribution_clues *c,
				       enum attribution_source *source)
{
	const struct rules_app *app = NULL;

	*source = ATTRIBUTION_NONE;
	if (c->owner_app && c->owner_app->kind == RULES_APP_MESSAGING) {
		*source = ATTRIBUTION_PROCESS;
		return c->owner_app;
	}
	if (c->ndpi_name && c->ndpi_name[0])
		app = rules_app_by_ndpi(rules, c->ndpi_name);
	if (app) {
		*source = ATTRIBUTION_NDPI;
		return app;
	}
	if (c->signature)
		app = rules_app_by_ndpi(rules, c->signature);
	if (app) {
		*source = ATTRIBUTION_SIGNATURE;
		return app;
	}
	if (c->server_name && c->server_name[0])
		app = rules_app_by_server_name(rules, c->server_name);
	if (app) {
		*source = ATTRIBUTION_SNI;
		return app;
	}
	if (c->dns_name && c->dns_name[0])
		app = rules_app_by_server_name(rules, c->dns_name);
	if (app) {
		*source = ATTRIBUTION_DNS;
		return app;
	}
	if (c->server_addr)
		app = rules_app_by_endpoint(rules, c->family, c->server_addr, c->server_port);
	if (app) {
		*source = ATTRIBUTION_IP;
		return app;
	}
	if (c->service_app) {
		*source = ATTRIBUTION_SERVICE;
		return c->service_app;
	}
	if (c->endpoint_app) {
		*source = ATTRIBUTION_ENDPOINT;
		return c->endpoint_app;
	}
	return NULL;
}

const char *attribution_source_name(enum attribution_source source)
{
	switch (source) {
	case ATTRIBUTION_PROCESS:
		return "process";
	case ATTRIBUTION_NDPI:
		return "ndpi";
	case ATTRIBUTION_SIGNATURE:
		return "signature";
	case ATTRIBUTION_SNI:
		return "sni";
	case ATTRIBUTION_DNS:
		return "dns";
	case ATTRIBUTION_IP:
		return "ip";
	case ATTRIBUTION_SERVICE:
		return "service";
	case ATTRIBUTION_ENDPOINT:
		return "endpoint";
	case ATTRIBUTION_NONE:
		break;
	}
	return NULL;
}
