/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The desk's web UI: plain HTML, CSS and JavaScript from collector/ui/, embedded into the
 * collector at build time (cmake/EmbedUi.cmake writes desk_ui_files.c), so that the collector
 * serves it with nothing else installed and the browser loads nothing from anywhere else.
 */
#ifndef RAQIB_COLLECTOR_DESK_UI_H
#define RAQIB_COLLECTOR_DESK_UI_H

#include <stddef.h>

struct desk_ui_file {
	const char *path; /* "/desk.js"; "/" serves index.html */
	const char *content_type;
	const unsigned char *data;
	size_t len;
};

extern const struct desk_ui_file desk_ui_files[];
extern const size_t desk_ui_file_count;

#endif /* RAQIB_COLLECTOR_DESK_UI_H */
