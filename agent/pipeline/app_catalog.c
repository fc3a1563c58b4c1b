// SPDX-License-Identifier: GPL-2.0-only
/*
 * Built-in messaging-app catalog of the walking skeleton: executable names of the desktop
 * clients as Debian packages, snaps, flatpaks and upstream tarballs install them. Matching is
 * by file name because that is what the kernel's exec tracepoint and comm give cheaply.
 */
#include "app_catalog.h"

#include <string.h>

#include "raqib/events.h"

static const struct app_entry builtin_apps[] = {
	{ "whatsapp-for-linux", "WhatsApp" }, /* deb/snap/flatpak com.github.eneshecan */
	{ "whatsapp-desktop", "WhatsApp" },
	{ "whatsdesk", "WhatsApp" },
	{ "zapzap", "WhatsApp" },
	{ "telegram-desktop", "Telegram" }, /* deb, snap, flatpak org.telegram.desktop */
	{ "Telegram", "Telegram" }, /* upstream tarball */
	{ "signal-desktop", "Signal" }, /* deb /opt/Signal, snap, flatpak */
	{ "Viber", "Viber" }, /* /opt/viber/Viber */
	{ "viber", "Viber" },
	{ "caprine", "Messenger" },
	{ "messenger", "Messenger" },
};

#define N_APPS (sizeof(builtin_apps) / sizeof(builtin_apps[0]))

const struct app_entry *app_catalog_match_exe(const char *exe_name)
{
	for (size_t i = 0; i < N_APPS; i++)
		if (strcmp(builtin_apps[i].exe_name, exe_name) == 0)
			return &builtin_apps[i];
	return NULL;
}

const struct app_entry *app_catalog_match_comm(const char *comm)
{
	size_t len = strnlen(comm, RAQIB_COMM_LEN);

	if (len == 0)
		return NULL;
	for (size_t i = 0; i < N_APPS; i++) {
		const char *name = builtin_apps[i].exe_name;

		/* comm is the name cut at RAQIB_COMM_LEN - 1 characters */
		if (strlen(name) >= RAQIB_COMM_LEN - 1 ? strncmp(name, comm, len) == 0 &&
								len == RAQIB_COMM_LEN - 1
						       : strcmp(name, comm) == 0)
			return &builtin_apps[i];
	}
	return NULL;
}

size_t app_catalog_size(void)
{
	return N_APPS;
}

const struct app_entry *app_catalog_entry(size_t i)
{
	return i < N_APPS ? &builtin_apps[i] : NULL;
}
