// SPDX-License-Identifier: GPL-2.0-only
/*
 * raqib-notify: the employee's awareness notice, the desktop's side. Started by the desktop
 * session (XDG autostart, raqib-notify.desktop), it connects to the agent's notice socket
 * (raqib-agent run --notify-socket; the agent sends a user only the notices about that user)
 * and shows each notice through the freedesktop notification service (libnotify, D-Bus), in
 * the session's language. When the agent is not there it waits and connects again.
 *
 *   raqib-notify [--socket PATH] [--timeout-ms N] [--once]
 *
 * See docs/man/raqib-notify.1.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <libnotify/notify.h>

#include "raqib/log.h"
#include "notice_text.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.0.0"
#endif

#define SOCKET_DEFAULT "/run/raqib/notify.sock"
#define RETRY_MS       5000
#define LINE_MAX_BYTES 8192

static volatile sig_atomic_t stop_requested;

static const char usage_text[] =
	"Usage: raqib-notify [OPTIONS]\n"
	"\n"
	"Shows this user the awareness notices of raqib-agent: when a document leaves through a\n"
	"messaging app and the policy says so, a desktop notification (in Arabic, French or\n"
	"English, after the session's language) names the document, the app and the rule, and\n"
	"points to the administration's guidance. Started by the desktop session.\n"
	"\n"
	"Options:\n"
	"      --socket PATH     the agent's notice socket (default: " SOCKET_DEFAULT ")\n"
	"      --timeout-ms N    how long a notice stays on screen (default: 0, until closed)\n"
	"      --once            exit after showing one notice\n"
	"  -h, --help            show this help and exit\n"
	"  -V, --version         show the version and exit\n"
	"\n"
	"Examples:\n"
	"  raqib-notify\n"
	"  raqib-notify --socket /run/raqib/notify.sock --timeout-ms 20000\n"
	"\n"
	"Exit status: 0 when stopped (SIGTERM, or --once after a notice), 1 when the notification\n"
	"service cannot be used, 2 on a usage error.\n";

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int connect_agent(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static const char *env(const char *name)
{
	return getenv(name); /* NOLINT(concurrency-mt-unsafe): one thread */
}

/* Shows one notice line; false when the notification service refused it. */
static bool show(const char *line, size_t len, int timeout_ms)
{
	struct notice_text text;
	NotifyNotification *n;
	GError *error = NULL;
	bool ok;

	if (notice_text_format(line, len, notice_lang_of_env(env), &text)) {
		log_warn("notify", "skipping a line that is not a notice");
		return true;
	}
	n = notify_notification_new(text.title, text.body, "dialog-warning");
	notify_notification_set_urgency(n, NOTIFY_URGENCY_CRITICAL);
	notify_notification_set_timeout(n, timeout_ms ? timeout_ms : NOTIFY_EXPIRES_NEVER);
	notify_notification_set_app_name(n, "raqib");
	ok = notify_notification_show(n, &error);
	if (!ok) {
		log_error("notify", "the notification service refused the notice: %s",
			  error ? error->message : "unknown error");
		g_clear_error(&error);
	}
	g_object_unref(n);
	return ok;
}

/* Reads notices from fd until it closes or a stop; returns the notices shown. */
static unsigned read_notices(int fd, int timeout_ms, bool once)
{
	char buf[LINE_MAX_BYTES];
	size_t used = 0;
	unsigned shown = 0;

	while (!stop_requested) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char *nl;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = read(fd, buf + used, sizeof(buf) - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		while ((nl = memchr(buf, '\n', used))) {
			size_t len = (size_t)(nl - buf);

			if (show(buf, len, timeout_ms))
				shown++;
			memmove(buf, nl + 1, used - len - 1);
			used -= len + 1;
			if (once && shown)
				return shown;
		}
		if (used == sizeof(buf)) /* a line longer than any notice: not the agent's */
			used = 0;
	}
	explicit_bzero(buf, sizeof(buf));
	return shown;
}

static int parse_ms(const char *text, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 0 || v > 3600000)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	const char *path = SOCKET_DEFAULT;
	int c, timeout_ms = 0, fd;
	bool once = false, said = false;

	log_init("raqib-notify", RAQIB_LOG_INFO);
	while ((c = getopt_long(argc, argv, "hV", options, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 't':
			if (parse_ms(optarg, &timeout_ms)) {
				log_error("notify",
					  "invalid --timeout-ms '%s': expected 0 to 3600000",
					  optarg);
				return 2;
			}
			break;
		case 'o':
			once = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("raqib-notify %s\n", RAQIB_VERSION);
			return 0;
		default:
			fputs("Try 'raqib-notify --help' for more information.\n", stderr);
			return 2;
		}
	}
	if (optind != argc) {
		log_error("notify", "no arguments expected: see raqib-notify --help");
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!notify_init("raqib")) {
		log_error("notify", "cannot reach the notification service (D-Bus session bus)");
		return 1;
	}
	while (!stop_requested) {
		fd = connect_agent(path);
		if (fd < 0) {
			if (!said)
				log_info("notify", "waiting for the agent's notice socket '%s': %s",
					 path, strerror(-fd));
			said = true;
			poll(NULL, 0, RETRY_MS);
			continue;
		}
		said = false;
		log_info("notify", "connected to '%s'", path);
		c = (int)read_notices(fd, timeout_ms, once);
		close(fd);
		if (once && c)
			break;
	}
	notify_uninit();
	return 0;
}
