// SPDX-License-Identifier: GPL-2.0-only
/*
 * The awareness notice's socket and sink (see notice.h). Connections are few (one per desktop
 * session) and kept in a small array; a dead one is noticed when it is written to, or when the
 * next helper connects.
 */
#include "notice.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "raqib/fsutil.h"
#include "raqib/log.h"

#define MAX_CLIENTS	     64
#define MAX_CLIENTS_PER_USER 4

struct client {
	int fd; /* -1: free */
	uid_t uid;
};

struct notice_server {
	int fd;
	char path[108];
	struct client clients[MAX_CLIENTS];
	struct notice_stats stats;
};

struct notice_server *notice_server_new(const char *path, char *err, size_t err_len)
{
	struct notice_server *ns = calloc(1, sizeof(*ns));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;

	if (!ns) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		ns->clients[i].fd = -1;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, err_len, "notice socket path '%s' is too long", path);
		goto fail;
	}
	snprintf(ns->path, sizeof(ns->path), "%s", path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (raqib_make_parent_dirs(path)) {
		snprintf(err, err_len, "cannot create the directory of '%s': %s", path,
			 strerror(errno));
		goto fail;
	}
	/* a socket left by an earlier run (never another kind of file) */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	ns->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ns->fd < 0 || bind(ns->fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    chmod(path, 0666) || listen(ns->fd, 16)) {
		snprintf(err, err_len, "cannot listen on notice socket '%s': %s", path,
			 strerror(errno));
		goto fail;
	}
	return ns;
fail:
	if (ns->fd > 0)
		close(ns->fd);
	free(ns);
	return NULL;
}

int notice_server_fd(const struct notice_server *ns)
{
	return ns->fd;
}

static void drop(struct notice_server *ns, struct client *c)
{
	close(c->fd);
	c->fd = -1;
	ns->stats.clients--;
}

/* A helper that closed its end: readable with nothing to read. */
static bool is_gone(const struct client *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	char byte;

	if (poll(&p, 1, 0) <= 0)
		return false;
	return (p.revents & (POLLHUP | POLLERR)) ||
	       recv(c->fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK) == 0;
}

int notice_server_accept(void *ctx, int fd)
{
	struct notice_server *ns = ctx;
	int cfd;

	(void)fd;
	while ((cfd = accept4(ns->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct client *slot = NULL, *oldest_of_user = NULL;
		int of_user = 0;

		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
			close(cfd);
			continue;
		}
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &ns->clients[i];

			if (c->fd >= 0 && is_gone(c))
				drop(ns, c);
			if (c->fd < 0 && !slot)
				slot = c;
			if (c->fd >= 0 && c->uid == cred.uid && of_user++ == 0)
				oldest_of_user = c;
		}
		/* a user's newest helpers are kept: a session restarted replaces its helper */
		if (of_user >= MAX_CLIENTS_PER_USER) {
			drop(ns, oldest_of_user);
			slot = oldest_of_user;
		}
		if (!slot) {
			close(cfd);
			continue;
		}
		slot->fd = cfd;
		slot->uid = cred.uid;
		ns->stats.clients++;
		log_debug("notice", "helper of uid %u connected", (unsigned)cred.uid);
	}
	return 0;
}

static const char *kind_of(const struct alert *a)
{
	if (a->upload)
		return "upload";
	return a->kind == ALERT_KIND_FILE ? "read" : "network";
}

static char *notice_json(const struct alert *a, const char *guidance)
{
	const char *doc = a->file_name;
	json_t *j;
	char *text;

	if (!doc && a->file_path) {
		doc = strrchr(a->file_path, '/');
		doc = doc ? doc + 1 : a->file_path;
	}
	j = json_pack("{s:i, s:s, s:s?, s:s?, s:s, s:s, s:s, s:I}", "v", 1, "kind", kind_of(a),
		      "document", doc, "app", a->app, "rule_id", a->rule_id, "rule_name",
		      a->rule_name, "guidance", guidance ? guidance : "", "ts",
		      (json_int_t)a->ts_ms);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return text;
}

void notice_server_send(struct notice_server *ns, const struct alert *a, const char *guidance)
{
	char *line = notice_json(a, guidance);
	size_t len;
	bool any = false;

	if (!line) {
		ns->stats.dropped++;
		return;
	}
	len = strlen(line);
	line[len++] = '\n'; /* json_dumps leaves room: its NUL */
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &ns->clients[i];
		ssize_t n;

		if (c->fd < 0 || a->uid < 0 || c->uid != (uid_t)a->uid)
			continue;
		any = true;
		n = send(c->fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)len) {
			ns->stats.sent++;
			continue;
		}
		ns->stats.dropped++;
		/* a partial line would garble the next: a helper that cannot take a whole line
		 * is let go (it connects again) */
		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			drop(ns, c);
	}
	if (!any)
		ns->stats.no_helper++;
	explicit_bzero(line, len);
	free(line);
}

void notice_server_get_stats(const struct notice_server *ns, struct notice_stats *stats)
{
	*stats = ns->stats;
}

void notice_server_free(struct notice_server *ns)
{
	if (!ns)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ns->clients[i].fd >= 0)
			close(ns->clients[i].fd);
	close(ns->fd);
	unlink(ns->path);
	free(ns);
}

int notice_sink(void *ctx, const struct alert *alert)
{
	struct notice_sink *s = ctx;
	int rc = s->next(s->next_ctx, alert);

	if (rc == 0 && alert->notify && s->server)
		notice_server_send(s->server, alert,
				   s->guidance ? s->guidance(s->guidance_ctx) : NULL);
	return rc;
}
