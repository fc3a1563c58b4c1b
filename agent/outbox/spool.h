/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The spool: the outbox's append-only queue on disk. Every alert is written here, with its
 * sequence number and severity, before anyone tries to send it; it leaves only when Redis has
 * accepted it (spool_ack()). After a crash or a restart the records not acknowledged are read
 * again, in order. See docs/outbox.md for the format and the guarantees.
 *
 * On disk, in one directory owned by one agent (a lock file keeps a second process out):
 *
 *   <number>.seg      segments (numbered in order): records appended one after the other; a new
 *                     one starts past segment_bytes and after each open, and a segment goes
 *                     once all its records are acked
 *   state             two checksummed slots written in turn: the last acknowledged sequence,
 *                     the highest number given out,
 *                     the sequence ceiling reserved on disk, the boot id, a clean-close flag
 *   lock              flock()ed while the spool is open
 *
 * A record is a 24-byte header (magic, payload length, sequence, severity, CRC-32 of header
 * and payload) and the payload. A record whose checksum fails is skipped and counted; a record
 * cut short at the end of the newest segment (a crash during a write) is cut off.
 *
 * Sequence numbers never repeat and never go back for a spool: they continue from the records
 * and the state on disk. Because writes may sit in the page cache (fsync policy), the spool
 * reserves numbers on disk ahead of use (fsync'ed, a block at a time); after the machine
 * itself crashed with an unclean spool, numbering resumes above the reservation, so a number
 * that may have been sent before the crash is never given to another alert. The skipped
 * numbers are counted (seq_skipped) and show as a gap at the collector.
 *
 * Not thread-safe: the outbox serialises calls with its own lock.
 */
#ifndef RAQIB_AGENT_SPOOL_H
#define RAQIB_AGENT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPOOL_RECORD_HEADER_BYTES 24
/* Largest payload: the collector refuses larger alerts anyway (INGEST_MAX_ALERT_BYTES). */
#define SPOOL_RECORD_MAX_BYTES (1u << 20)

enum spool_fsync {
	SPOOL_FSYNC_ALWAYS, /* fdatasync() before spool_append() returns */
	SPOOL_FSYNC_INTERVAL, /* at most fsync_interval_ms after the append */
	SPOOL_FSYNC_NEVER, /* when the kernel writes back: survives a crash of the agent only */
};

/*
 * The storage seam: tests inject short writes, ENOSPC, failed syncs and allocation failures.
 * A NULL member (or a NULL ops) means the system's function.
 */
struct spool_ops {
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t offset);
	int (*fdatasync)(int fd);
	void *(*reallocarray)(void *ptr, size_t n, size_t size);
	uint64_t (*clock_ms)(void); /* monotonic milliseconds */
};

struct spool_config {
	const char *dir; /* created (0700) when missing */
	uint64_t max_bytes; /* quota: bytes of segments on disk at most */
	uint64_t segment_bytes; /* start a new segment past this size */
	enum spool_fsync fsync;
	unsigned fsync_interval_ms; /* SPOOL_FSYNC_INTERVAL */
	const struct spool_ops *ops; /* NULL: the system's */
};

struct spool_stats {
	uint64_t appended; /* records appended since open */
	uint64_t pending; /* records not acknowledged yet */
	uint64_t pending_bytes;
	uint64_t bytes; /* size of the segments on disk */
	uint64_t segments;
	uint64_t acked_seq; /* every record up to this one was delivered */
	uint64_t last_seq; /* highest sequence number used */
	uint64_t corrupt_records; /* damaged records skipped (found at open) */
	uint64_t corrupt_bytes;
	uint64_t torn_bytes; /* an unfinished record cut off the newest segment at open */
	uint64_t seq_skipped; /* numbers skipped after a machine crash (see above) */
	uint64_t write_errors; /* appends that failed on a write or sync error */
	uint64_t syncs; /* fdatasync() calls on segments */
};

/* One record, as spool_read() hands it out: data is valid only during the callback. */
struct spool_record {
	uint64_t seq;
	uint8_t severity;
	const uint8_t *data;
	size_t len;
};

struct spool;

/*
 * Opens (or creates) the spool in cfg->dir, checks every segment, and resumes: the records not
 * acknowledged are pending again, in order. Returns NULL with errno and a reason in err (the
 * directory cannot be created or locked, no memory, a read error).
 */
struct spool *spool_open(const struct spool_config *cfg, char *err, size_t err_len);

/* Syncs, marks the spool cleanly closed, releases the lock and frees it; accepts NULL. */
void spool_close(struct spool *spool);

/* The sequence number the next record must carry. */
uint64_t spool_next_seq(const struct spool *spool);

/*
 * Appends a record with sequence seq (must be spool_next_seq()) and syncs it per the policy.
 * Returns 0 once it is in the spool, or a negative errno, leaving the spool as it was: -EINVAL
 * (wrong seq), -EFBIG (payload too large), -ENOSPC (quota reached, or the disk is full), -EIO
 * (another write or sync error).
 */
int spool_append(struct spool *spool, uint64_t seq, uint8_t severity, const void *data, size_t len);

/* Syncs what was appended and not synced yet. Returns 0 or -EIO. */
int spool_sync(struct spool *spool);

/* True when SPOOL_FSYNC_INTERVAL has unsynced records older than the interval. */
bool spool_sync_is_due(const struct spool *spool);

typedef int (*spool_record_fn)(void *ctx, const struct spool_record *record);

/*
 * Calls fn for the oldest pending records, in order, up to max_records of max_bytes in total
 * (at least one record). A negative return from fn stops. Records stay pending until acked.
 * Returns the number of records handed out, or a negative errno (-EIO on a read error).
 */
int spool_read(struct spool *spool, size_t max_records, size_t max_bytes, spool_record_fn fn,
	       void *ctx);

/*
 * Marks every record up to seq as delivered: seq must be one handed out by the last
 * spool_read(). Segments whose records are all delivered are deleted. Returns 0, -EINVAL, or
 * -EIO when a segment cannot be deleted (it is retried on the next ack).
 */
int spool_ack(struct spool *spool, uint64_t seq);

void spool_get_stats(const struct spool *spool, struct spool_stats *stats);

/* Bytes on disk that count against the quota, and the quota. */
uint64_t spool_used_bytes(const struct spool *spool);
uint64_t spool_max_bytes(const struct spool *spool);

/* Invariant checker for tests: 0, or -EUCLEAN with the broken invariant logged. */
int spool_check(const struct spool *spool);

/*
 * Record codec, pure functions (fuzzed). spool_record_decode() looks at buf: 0 and *rec,
 * *rec_bytes for a valid record, -EAGAIN when buf holds only its start (more bytes needed),
 * -EBADMSG when no valid record starts there.
 */
void spool_record_header(uint8_t hdr[SPOOL_RECORD_HEADER_BYTES], uint64_t seq, uint8_t severity,
			 const void *data, size_t len);
int spool_record_decode(const uint8_t *buf, size_t len, struct spool_record *rec,
			size_t *rec_bytes);

#endif /* RAQIB_AGENT_SPOOL_H */
