/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File-to-upload correlation, the heart of raqib's host path. Messaging apps encrypt end to end,
 * so the content of what they send is never seen; what is seen is (1) a watched app instance
 * opening a file the rules call sensitive -- the file is *staged* -- and (2) the same instance
 * sending, soon after, a volume of bytes that matches the file once the app's upload overhead
 * is added (rules_app: size * (1 + overhead_ratio) + overhead_bytes, within tolerance_ratio).
 *
 * Each staged file ends in exactly one outcome, handed to the outcome callback:
 *   - an upload: bytes matching the file left for an eligible destination within the window
 *     (decided as soon as they have); or
 *   - read only: the window closed (or the instance exited, or the table was full) without one.
 * The host path turns the first into a high-confidence RULES_EVENT_FILE_UPLOAD alert and the
 * second into at most a medium-confidence RULES_EVENT_FILE_READ alert, so an upload never also
 * yields a "file read" alert. A file opened again while staged, or within the window after its
 * upload matched, is the same staging (apps read a file several times to send it once).
 *
 * How bytes are matched. Each flow (a socket of a process of the instance) keeps a short history
 * of (time, bytes sent so far) observations: the kernel reports a socket at its first send,
 * after every idle gap (the end of a burst), every MiB, and at close, and userspace reads the
 * counters every few hundred ms. An upload is the difference between the latest observation and
 * any earlier one taken after the file was staged (or the flow's start): this tolerates traffic
 * before the upload and retries (the retry is a later start point), and chunking (many sends sum
 * up). Apps that spread an upload over several connections (upload_spans_flows: Telegram,
 * browsers) are matched on the sum of the instance's eligible flows as well. The upper bound
 * allows slack_bytes of protocol on top of the expected size (TLS handshake, HTTP headers).
 *
 * Eligible destinations: for a channel's own app (messaging, webmail or file-transfer client),
 * any address that is not loopback, link-local, multicast or unspecified (its servers, or a
 * proxy on the LAN). For a browser, only servers of a channel: by the catalog's IP ranges, or by
 * the name learnt for the address (DNS answers, TLS SNI) through the name_of hook --
 * mmg.whatsapp.net, venus.web.telegram.org, mail.google.com.
 *
 * Which file: every staged file of the instance is tried against the bytes sent; the one whose
 * expected upload is closest (relative error) wins, and the choice is reported (corr_choice).
 *
 * Pure logic on timestamps given by the caller (boot-time ns, as the kernel's records carry):
 * no I/O, no clock, so it is unit tested step by step. Not thread-safe.
 */
#ifndef RAQIB_AGENT_CORRELATOR_H
#define RAQIB_AGENT_CORRELATOR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "raqib/events.h"
#include "raqib/rules.h"

struct correlator;

#define CORR_PATH_MAX 1024

struct corr_tuple;

/*
 * The server name of a flow (the SNI its connection asked for, or a name its server's address
 * serves), if the sensors know it; NULL otherwise.
 */
typedef const char *(*correlator_name_fn)(void *ctx, const struct corr_tuple *tuple);

/* A sensitive file an app instance opened, as the host path stages it. */
struct staged_file {
	/* the app instance (root of the app's process tree) and its app */
	uint32_t inst_pid;
	uint64_t inst_start_ns;
	char inst_comm[RAQIB_COMM_LEN];
	char inst_exe[RAQIB_PATH_MAX];
	char app_id[RULES_ID_MAX]; /* rules_app.id of the process's app */
	bool by_destination; /* the app is where the process connected, not what it is named */
	/* the process that opened it */
	uint32_t pid;
	uint64_t start_ns;
	uint32_t ppid;
	uint32_t uid;
	char comm[RAQIB_COMM_LEN];
	char exe[RAQIB_PATH_MAX];
	char cmdline[512];
	char container_id[65];
	/* the file */
	char path[CORR_PATH_MAX];
	dev_t dev;
	ino_t ino;
	int64_t size;
	int64_t mtime_ns;
	char sha256[65]; /* hex; "" when the hash does not cover the whole file */
	bool is_encrypted_container;
	struct rules_verdict verdict; /* owned by the correlator once staged */
	uint64_t bytes_read; /* read through read(2) and friends, as the close reported */
	uint64_t staged_ns; /* when it was opened */
};

/* The 4-tuple of a flow, local side first; ports in host order, IPv4 in 4 bytes. */
struct corr_tuple {
	uint16_t family; /* AF_INET, AF_INET6; 0: not known */
	uint16_t proto;
	uint16_t sport;
	uint16_t dport;
	uint8_t saddr[16];
	uint8_t daddr[16];
};

/*
 * Why this file and not another: when an instance has several staged files, the bytes sent are
 * matched against each; the file whose expected upload is closest to them wins.
 */
struct corr_choice {
	unsigned candidates; /* staged files of the instance waiting for their upload */
	unsigned in_range; /* of them, those the bytes sent fit within their tolerance */
	double error; /* |bytes - expected| / expected of the chosen file */
	int64_t runner_up_size; /* the next closest file in range: its size, or -1 */
	double runner_up_error; /* and its error (0 when none) */
};

/* What matched: the upload that ends a staged file. */
struct corr_upload {
	struct corr_tuple tuple; /* the flow that completed the match */
	uint32_t sender_pid; /* the process that sent (may differ from the one that read) */
	uint64_t bytes; /* bytes sent in the matched interval */
	uint64_t expected; /* what the file should weigh on the wire */
	unsigned flows; /* flows summed: 1, or the instance's eligible flows */
	uint64_t delay_ns; /* from the open to the end of the upload */
	const char *server_name; /* from the name hook, or NULL */
	const struct rules_app *dest_app; /* the app the destination belongs to, or NULL */
	struct corr_choice choice;
};

/*
 * One outcome per staged file: upload != NULL for a matched upload, NULL for "read only".
 * Everything is borrowed for the duration of the call.
 */
typedef void (*correlator_outcome_fn)(void *ctx, const struct staged_file *file,
				      const struct corr_upload *upload);

struct correlator_config {
	uint64_t window_ns; /* how long a staged file waits for its upload */
	uint64_t exit_grace_ns; /* after the instance exits, for its last byte counts */
	uint64_t slack_bytes; /* protocol bytes allowed above the expected upload */
	size_t max_staged; /* staged files at once; the oldest is decided when full */
	size_t max_flows; /* flows followed at once; the least recently updated goes */
	correlator_name_fn name_of; /* may be NULL until a network sensor runs */
	void *name_ctx;
	correlator_outcome_fn outcome;
	void *outcome_ctx;
};

/* Defaults: 5 min window, 2 s grace, 2 KiB slack, 256 files, 4096 flows. Callbacks NULL. */
void correlator_config_default(struct correlator_config *config);

struct correlator_stats {
	uint64_t staged;
	uint64_t restaged; /* opened again while staged or just matched: same staging */
	uint64_t uploads; /* outcomes: matched uploads */
	uint64_t read_only; /* outcomes: window closed without an upload */
	uint64_t evicted; /* decided early (read only) because the table was full */
	uint64_t flows_evicted;
	size_t pending;
	size_t flows;
};

/* rules must outlive the correlator (or be replaced by correlator_set_rules()). NULL + errno. */
struct correlator *correlator_new(const struct rules *rules,
				  const struct correlator_config *config);

/* Frees without deciding what is pending (see correlator_flush()); accepts NULL. */
void correlator_free(struct correlator *corr);

/* Switches rules (app lookups); apps are carried by id. */
void correlator_set_rules(struct correlator *corr, const struct rules *rules);

/*
 * Stages file. On success (0) the correlator owns file->verdict (the caller must not release
 * it); -EEXIST when the same file version is already staged (or matched) for the instance: the
 * caller keeps (and releases) its verdict. -ENOMEM.
 */
int correlator_stage(struct correlator *corr, struct staged_file *file);

/* The bytes a process of the instance read from dev/ino before closing it (evidence only). */
void correlator_note_read(struct correlator *corr, uint32_t inst_pid, uint64_t inst_start_ns,
			  dev_t dev, ino_t ino, uint64_t bytes_read);

/* A flow's byte counter, as a record or a map read reported it. */
struct corr_flow_update {
	uint32_t pid;
	uint64_t start_ns;
	uint64_t sk;
	uint32_t inst_pid;
	uint64_t inst_start_ns;
	const struct rules_app *app; /* of the sending process, or NULL */
	struct corr_tuple tuple; /* family 0: keep the one reported before */
	uint64_t bytes; /* cumulative since the flow's first send */
	uint64_t first_ns; /* of the first send */
	uint64_t ts_ns; /* when the counter was read */
	bool closed;
};

/* Updates a flow; decides the uploads it completes. */
void correlator_flow(struct correlator *corr, const struct corr_flow_update *update);

/* The 4-tuple last reported for flow (pid, sk). Returns false when unknown. */
bool correlator_flow_tuple(const struct correlator *corr, uint32_t pid, uint64_t sk,
			   struct corr_tuple *tuple);

/* True when an upload matched on this flow (pid, sk): its TLS plaintext says nothing more. */
bool correlator_flow_matched(const struct correlator *corr, uint32_t pid, uint64_t sk);

/* The instance's root exited: its staged files are decided after exit_grace_ns. */
void correlator_instance_exit(struct correlator *corr, uint32_t inst_pid, uint64_t inst_start_ns,
			      uint64_t now_ns);

/* Decides staged files whose window closed, forgets idle closed flows. */
void correlator_tick(struct correlator *corr, uint64_t now_ns);

/* Decides every pending staged file now (read only): the agent stops. */
void correlator_flush(struct correlator *corr);

void correlator_get_stats(const struct correlator *corr, struct correlator_stats *stats);

/* Checks invariants (counts, flow index); for tests. */
bool correlator_check(const struct correlator *corr);

#endif /* RAQIB_AGENT_CORRELATOR_H */
