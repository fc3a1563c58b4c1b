// SPDX-License-Identifier: GPL-2.0-only
/*
 * Notifications (see notify.h): a queue, a thread, libcurl for the webhook, a socket for
 * syslog.
 */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"
#include "raqib/log.h"
#include "raqib/redis_conn.h"

#define QUEUE_MAX	 4096
#define SECRET_MAX	 256
#define BACKOFF_MIN_MS	 200
#define LOG_INTERVAL_MS	 10000
#define SIGNATURE_HEADER "X-Raqib-Signature"

struct note {
	char *body; /* ECS JSON */
	int severity;
	int64_t ts_ms;
};

struct notifier {
	int min_severity;
	char url[1024];
	char secret[SECRET_MAX];
	size_t secret_len;
	unsigned retries;
	struct raqib_redis_addr syslog;
	bool syslog_on, syslog_tcp;
	int syslog_fd;
	char host[256];

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	struct note queue[QUEUE_MAX];
	size_t head, n;
	bool stop, busy;
	struct notifier_stats stats;
	uint64_t failed_log_ms;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int notifier_signature(const char *secret, size_t secret_len, const char *body, size_t len,
		       char *out, size_t out_len)
{
	unsigned char md[32];
	unsigned md_len = 0;
	int n;

	if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)body, len, md,
		  &md_len) ||
	    md_len != sizeof(md))
		return -ENOMEM;
	n = snprintf(out, out_len, "sha256=");
	for (unsigned i = 0; i < md_len && n > 0 && (size_t)n + 3 <= out_len; i++)
		n += snprintf(out + n, out_len - (size_t)n, "%02x", md[i]);
	return (size_t)n == 7 + 64 ? 0 : -ENOSPC;
}

/* The syslog severity (RFC 5424, 6.2.1) of an ECS event.severity. */
static int syslog_severity(int severity)
{
	if (severity >= 99)
		return 2; /* critical */
	if (severity >= 73)
		return 3; /* error */
	if (severity >= 47)
		return 4; /* warning */
	return 5; /* notice */
}

int notifier_syslog_line(int severity, int64_t ts_ms, const char *host, const char *msg, char *out,
			 size_t out_len)
{
	time_t secs = (time_t)(ts_ms / 1000);
	struct tm tm;
	char stamp[32];
	int n;

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	/* facility local0 (16); MSGID "ALERT"; no structured data; the MSG is the JSON */
	n = snprintf(out, out_len, "<%d>1 %s.%03dZ %s raqib-collector - ALERT - %s",
		     16 * 8 + syslog_severity(severity), stamp, (int)(ts_ms % 1000), host, msg);
	return n < 0 || (size_t)n >= out_len ? -ENOSPC : n;
}

static int read_secret(struct notifier *n, const char *path, char *err, size_t err_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0) {
		snprintf(err, err_len, "cannot open notify.webhook.secret_file '%s': %s", path,
			 strerror(errno));
		return -errno;
	}
	len = read(fd, n->secret, sizeof(n->secret) - 1);
	close(fd);
	while (len > 0 && (n->secret[len - 1] == '\n' || n->secret[len - 1] == '\r'))
		len--;
	if (len <= 0) {
		snprintf(err, err_len, "notify.webhook.secret_file '%s' is empty", path);
		return -EINVAL;
	}
	n->secret_len = (size_t)len;
	return 0;
}

static int syslog_connect(struct notifier *n)
{
	struct addrinfo hints = { .ai_socktype = n->syslog_tcp ? SOCK_STREAM : SOCK_DGRAM };
	struct addrinfo *res = NULL;
	char port[16];
	int fd = -1;

	snprintf(port, sizeof(port), "%d", n->syslog.port);
	if (getaddrinfo(n->syslog.host, port, &hints, &res) != 0)
		return -EHOSTUNREACH;
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -ECONNREFUSED;
	n->syslog_fd = fd;
	return 0;
}

static int send_syslog(struct notifier *n, const struct note *note)
{
	size_t cap = strlen(note->body) + 512;
	char *line = malloc(cap), *frame = NULL;
	int len, rc = -ENOMEM;

	if (!line)
		return -ENOMEM;
	len = notifier_syslog_line(note->severity, note->ts_ms, n->host, note->body, line, cap);
	if (len < 0)
		goto out;
	if (n->syslog_fd < 0 && syslog_connect(n)) {
		rc = -ECONNREFUSED;
		goto out;
	}
	if (n->syslog_tcp) {
		/* octet counting (RFC 6587, 3.4.1): "LEN SP MSG" */
		frame = malloc((size_t)len + 24);
		if (!frame)
			goto out;
		len = snprintf(frame, (size_t)len + 24, "%d %s", len, line);
	}
	if (send(n->syslog_fd, frame ? frame : line, (size_t)len, MSG_NOSIGNAL) != len) {
		close(n->syslog_fd);
		n->syslog_fd = -1;
		rc = -EIO;
		goto out;
	}
	rc = 0;
out:
	free(frame);
	free(line);
	return rc;
}

static size_t discard(void *ptr, size_t size, size_t nmemb, void *ctx)
{
	(void)ptr;
	(void)ctx;
	return size * nmemb;
}

static int send_webhook(struct notifier *n, const struct note *note)
{
	char sig[96], header[160];
	struct curl_slist *headers = NULL;
	long status = 0;
	CURL *curl;
	CURLcode rc;

	if (notifier_signature(n->secret, n->secret_len, note->body, strlen(note->body), sig,
			       sizeof(sig)))
		return -ENOMEM;
	snprintf(header, sizeof(header), "%s: %s", SIGNATURE_HEADER, sig);
	curl = curl_easy_init();
	if (!curl)
		return -ENOMEM;
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, header);
	curl_easy_setopt(curl, CURLOPT_URL, n->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, note->body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return rc == CURLE_OK && status >= 200 && status < 300 ? 0 : -EIO;
}

/* Delivers one note to every receiver, retrying with backoff; false when one gave up. */
static bool deliver(struct notifier *n, const struct note *note)
{
	bool ok = true;

	for (int which = 0; which < 2; which++) {
		unsigned delay = BACKOFF_MIN_MS;
		int rc = 0;

		if ((which == 0 && !n->url[0]) || (which == 1 && !n->syslog_on))
			continue;
		for (unsigned attempt = 0; attempt <= n->retries; attempt++) {
			rc = which == 0 ? send_webhook(n, note) : send_syslog(n, note);
			if (rc == 0)
				break;
			pthread_mutex_lock(&n->lock);
			if (n->stop) {
				pthread_mutex_unlock(&n->lock);
				break;
			}
			pthread_mutex_unlock(&n->lock);
			usleep(delay * 1000u);
			delay = delay * 2 > 10000 ? 10000 : delay * 2;
		}
		if (rc) {
			ok = false;
			if (!n->failed_log_ms || mono_ms() - n->failed_log_ms >= LOG_INTERVAL_MS) {
				n->failed_log_ms = mono_ms();
				log_warn("notify", "cannot notify %s after %u attempts: %s",
					 which == 0 ? "the webhook" : "syslog", n->retries + 1,
					 strerror(-rc));
			}
		}
	}
	return ok;
}

static void *notifier_main(void *arg)
{
	struct notifier *n = arg;

	pthread_mutex_lock(&n->lock);
	for (;;) {
		struct note note;
		bool ok;

		while (!n->n && !n->stop)
			pthread_cond_wait(&n->wake, &n->lock);
		if (!n->n)
			break;
		note = n->queue[n->head];
		n->head = (n->head + 1) % QUEUE_MAX;
		n->n--;
		n->busy = true;
		pthread_mutex_unlock(&n->lock);
		ok = deliver(n, &note);
		free(note.body);
		pthread_mutex_lock(&n->lock);
		n->busy = false;
		if (ok)
			n->stats.sent++;
		else
			n->stats.failed++;
		pthread_cond_broadcast(&n->idle);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

struct notifier *notifier_new(const struct collector_config *cfg, char *err, size_t err_len)
{
	struct notifier *n;

	err[0] = '\0';
	if (!cfg->webhook_url[0] && !cfg->syslog_address[0])
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	n->syslog_fd = -1;
	n->min_severity = cfg->notify_min_severity;
	n->retries = cfg->webhook_retries;
	snprintf(n->url, sizeof(n->url), "%s", cfg->webhook_url);
	if (gethostname(n->host, sizeof(n->host) - 1))
		snprintf(n->host, sizeof(n->host), "-");
	if (n->url[0] && strncmp(n->url, "http://", 7) != 0 &&
	    strncmp(n->url, "https://", 8) != 0) {
		snprintf(err, err_len,
			 "notify.webhook.url '%.200s' is not an http:// or https:// URL", n->url);
		goto err_free;
	}
	if (n->url[0] && !cfg->webhook_secret_file[0]) {
		snprintf(
			err, err_len,
			"notify.webhook.url needs notify.webhook.secret_file (the HMAC key of the signature header)");
		goto err_free;
	}
	if (n->url[0] && read_secret(n, cfg->webhook_secret_file, err, err_len))
		goto err_free;
	if (cfg->syslog_address[0]) {
		if (raqib_redis_addr_parse(cfg->syslog_address, &n->syslog)) {
			snprintf(err, err_len, "notify.syslog.address '%.200s': expected HOST:PORT",
				 cfg->syslog_address);
			goto err_free;
		}
		n->syslog_on = true;
		n->syslog_tcp = strcmp(cfg->syslog_transport, "tcp") == 0;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, err_len, "cannot initialise libcurl");
		goto err_free;
	}
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->wake, NULL);
	pthread_cond_init(&n->idle, NULL);
	if (pthread_create(&n->thread, NULL, notifier_main, n)) {
		snprintf(err, err_len, "cannot start the notifier thread");
		goto err_free;
	}
	return n;

err_free:
	explicit_bzero(n->secret, sizeof(n->secret));
	free(n);
	return NULL;
}

void notifier_free(struct notifier *n, unsigned timeout_ms)
{
	uint64_t end = mono_ms() + timeout_ms;

	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	while ((n->n || n->busy) && mono_ms() < end) {
		pthread_mutex_unlock(&n->lock);
		usleep(10000);
		pthread_mutex_lock(&n->lock);
	}
	n->stop = true;
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->thread, NULL);
	while (n->n) {
		free(n->queue[n->head].body);
		n->head = (n->head + 1) % QUEUE_MAX;
		n->n--;
	}
	if (n->syslog_fd >= 0)
		close(n->syslog_fd);
	explicit_bzero(n->secret, sizeof(n->secret));
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->wake);
	pthread_cond_destroy(&n->idle);
	curl_global_cleanup();
	free(n);
}

/* The alert with raqib.incident: {"id", "new"} added, as compact JSON; NULL on failure. */
static char *ecs_body(const char *json, const char *incident, bool incident_new)
{
	json_t *doc = json_loads(json, 0, NULL);
	json_t *raqib = json_object_get(doc, "raqib");
	char *body;

	if (!doc)
		return NULL;
	if (json_is_object(raqib) && incident[0])
		json_object_set_new(raqib, "incident",
				    json_pack("{s:s, s:b}", "id", incident, "new", incident_new));
	body = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(doc);
	return body;
}

void notifier_alert(struct notifier *n, const char *json, int severity, const char *incident,
		    bool incident_new)
{
	struct timespec ts;
	char *body;

	if (!n || severity < n->min_severity)
		return;
	body = ecs_body(json, incident, incident_new);
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&n->lock);
	if (!body || n->n == QUEUE_MAX) {
		n->stats.failed++;
		free(body);
	} else {
		n->queue[(n->head + n->n) % QUEUE_MAX] = (struct note){
			.body = body,
			.severity = severity,
			.ts_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
		};
		n->n++;
		pthread_cond_signal(&n->wake);
	}
	pthread_mutex_unlock(&n->lock);
}

void notifier_get_stats(struct notifier *n, struct notifier_stats *stats)
{
	if (!n) {
		memset(stats, 0, sizeof(*stats));
		return;
	}
	pthread_mutex_lock(&n->lock);
	*stats = n->stats;
	pthread_mutex_unlock(&n->lock);
}
