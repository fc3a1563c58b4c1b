// SPDX-License-Identifier: GPL-2.0-only
/*
 * App catalog of the built-in rules: which executables are messaging apps and browsers, and how
 * their servers are recognised (server-name suffixes, nDPI protocol names, IP ranges). The
 * rule packs' `app` kind (rules/packs/messaging-apps.yml) replaces these tables.
 */
#include "engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "raqib/events.h"

struct builtin_app {
	struct rules_app app;
	const char *exe_names[6]; /* NULL-terminated */
	const char *server_suffixes[6]; /* NULL-terminated; "whatsapp.net" matches its subdomains */
	const char *ndpi_names[4]; /* NULL-terminated; matched against each dotted component */
	const char *ipv4_ranges[10]; /* NULL-terminated CIDR */
};

static const struct builtin_app builtin_apps[] = {
	{
		/* AES-256-CBC rounds up to 16 bytes, then a 10-byte MAC (DESIGN.md). */
		.app = { "whatsapp", "WhatsApp", RULES_APP_MESSAGING, 0.0, 26, 0.05, false },
		.exe_names = { "whatsapp-for-linux", "whatsapp-desktop", "whatsdesk", "zapzap" },
		.server_suffixes = { "whatsapp.net", "whatsapp.com", "web.whatsapp.com" },
		.ndpi_names = { "WhatsApp", "WhatsAppFiles", "WhatsAppCall" },
	},
	{
		/* files go in parts of up to 512 KiB, over several connections */
		.app = { "telegram", "Telegram", RULES_APP_MESSAGING, 0.02, 0, 0.10, true },
		.exe_names = { "telegram-desktop", "Telegram", "telegram" },
		.server_suffixes = { "telegram.org", "t.me", "web.telegram.org" },
		.ndpi_names = { "Telegram" },
		/* Telegram's published data-centre ranges (core.telegram.org/resources/cidr.txt) */
		.ipv4_ranges = { "91.108.4.0/22", "91.108.8.0/21", "91.108.16.0/21", "91.108.56.0/22",
				 "95.161.64.0/20", "149.154.160.0/20", "185.76.151.0/24" },
	},
	{
		/* attachments padded to size buckets ~5 % apart before encryption */
		.app = { "signal", "Signal", RULES_APP_MESSAGING, 0.05, 0, 0.05, false },
		.exe_names = { "signal-desktop" },
		.server_suffixes = { "signal.org", "whispersystems.org" },
		.ndpi_names = { "Signal", "SignalVoip" },
	},
	{
		.app = { "viber", "Viber", RULES_APP_MESSAGING, 0.02, 0, 0.10, false },
		.exe_names = { "Viber", "viber" },
		.server_suffixes = { "viber.com" },
		.ndpi_names = { "Viber" },
	},
	{
		.app = { "messenger", "Messenger", RULES_APP_MESSAGING, 0.02, 0, 0.10, false },
		.exe_names = { "caprine", "messenger" },
		.server_suffixes = { "messenger.com", "mqtt-mini.facebook.com" },
		.ndpi_names = { "Messenger", "FacebookMessenger" },
	},
	{
		.app = { "browser", "Web browser", RULES_APP_BROWSER, 0.02, 0, 0.10, false },
		.exe_names = { "firefox", "firefox-esr", "chrome", "chromium", "msedge", "brave" },
	},
};

#define N_APPS (sizeof(builtin_apps) / sizeof(builtin_apps[0]))

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

size_t rules_app_count(const struct rules *rules)
{
	(void)rules;
	return N_APPS;
}

const struct rules_app *rules_app_at(const struct rules *rules, size_t i)
{
	(void)rules;
	return i < N_APPS ? &builtin_apps[i].app : NULL;
}

const struct rules_app *rules_app_by_exe(const struct rules *rules, const char *exe_path)
{
	const char *name = base_name(exe_path);

	(void)rules;
	for (size_t i = 0; i < N_APPS; i++)
		for (const char *const *e = builtin_apps[i].exe_names; *e; e++)
			if (strcmp(*e, name) == 0)
				return &builtin_apps[i].app;
	return NULL;
}

const struct rules_app *rules_app_by_comm(const struct rules *rules, const char *comm)
{
	size_t len = strnlen(comm, RAQIB_COMM_LEN);

	(void)rules;
	if (len == 0)
		return NULL;
	for (size_t i = 0; i < N_APPS; i++) {
		for (const char *const *e = builtin_apps[i].exe_names; *e; e++) {
			/* comm is the executable name cut at RAQIB_COMM_LEN - 1 bytes */
			if (strlen(*e) >= RAQIB_COMM_LEN - 1 ? len == RAQIB_COMM_LEN - 1 &&
								       strncmp(*e, comm, len) == 0
							     : strcmp(*e, comm) == 0)
				return &builtin_apps[i].app;
		}
	}
	return NULL;
}

const char *const *rules_app_exe_names(const struct rules *rules, size_t *n)
{
	*n = rules->n_exe_names;
	return rules->exe_names;
}

/* host equals suffix or ends with "." + suffix, ignoring ASCII case. */
static bool has_domain_suffix(const char *host, const char *suffix)
{
	size_t hl = strlen(host), sl = strlen(suffix);

	if (hl < sl || strcasecmp(host + hl - sl, suffix) != 0)
		return false;
	return hl == sl || host[hl - sl - 1] == '.';
}

const struct rules_app *rules_app_by_server_name(const struct rules *rules, const char *host)
{
	(void)rules;
	for (size_t i = 0; i < N_APPS; i++)
		for (const char *const *s = builtin_apps[i].server_suffixes; *s; s++)
			if (has_domain_suffix(host, *s))
				return &builtin_apps[i].app;
	return NULL;
}

/* nDPI names look like "TLS.WhatsApp" (master.app): compare each dotted component. */
static bool ndpi_name_has(const char *name, const char *want)
{
	size_t wl = strlen(want);

	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (len == wl && strncmp(p, want, len) == 0)
			return true;
		p += len + (dot ? 1 : 0);
	}
	return false;
}

const struct rules_app *rules_app_by_ndpi(const struct rules *rules, const char *ndpi_name)
{
	(void)rules;
	for (size_t i = 0; i < N_APPS; i++)
		for (const char *const *n = builtin_apps[i].ndpi_names; *n; n++)
			if (ndpi_name_has(ndpi_name, *n))
				return &builtin_apps[i].app;
	return NULL;
}

static bool ipv4_in_cidr(uint32_t addr_host, const char *cidr)
{
	char net[32];
	const char *slash = strchr(cidr, '/');
	struct in_addr in;
	unsigned bits;
	uint32_t mask;

	if (!slash || (size_t)(slash - cidr) >= sizeof(net))
		return false;
	memcpy(net, cidr, (size_t)(slash - cidr));
	net[slash - cidr] = '\0';
	if (inet_pton(AF_INET, net, &in) != 1)
		return false;
	bits = (unsigned)strtoul(slash + 1, NULL, 10);
	mask = bits == 0 ? 0 : bits >= 32 ? 0xffffffffu : ~((1u << (32 - bits)) - 1);
	return (addr_host & mask) == (ntohl(in.s_addr) & mask);
}

const struct rules_app *rules_app_by_ip(const struct rules *rules, int family, const void *addr)
{
	uint32_t a;

	(void)rules;
	if (family != AF_INET)
		return NULL;
	memcpy(&a, addr, 4);
	a = ntohl(a);
	for (size_t i = 0; i < N_APPS; i++)
		for (const char *const *r = builtin_apps[i].ipv4_ranges; *r; r++)
			if (ipv4_in_cidr(a, *r))
				return &builtin_apps[i].app;
	return NULL;
}

int apps_collect_exe_names(struct rules *rules)
{
	size_t n = 0;

	for (size_t i = 0; i < N_APPS; i++)
		for (const char *const *e = builtin_apps[i].exe_names; *e; e++)
			n++;
	rules->exe_names = calloc(n, sizeof(*rules->exe_names));
	if (!rules->exe_names)
		return -ENOMEM;
	for (size_t i = 0; i < N_APPS; i++)
		for (const char *const *e = builtin_apps[i].exe_names; *e; e++)
			rules->exe_names[rules->n_exe_names++] = *e;
	return 0;
}
