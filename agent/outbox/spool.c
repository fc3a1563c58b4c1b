// SPDX-License-Identifier: GPL-2.0-only
/*
 * The outbox's spool on disk (see spool.h): segments of checksummed records, a two-slot state
 * file, and the recovery that turns whatever a crash left into the ordered list of records
 * still to deliver. CRC-32 is zlib's.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "raqib/log.h"

#define RECORD_MAGIC	 0x31535152u /* "RQS1" little-endian */
#define STATE_MAGIC	 0x54535152u /* "RQST" */
#define STATE_VERSION	 1
#define STATE_SLOT_BYTES 128
#define BOOT_ID_BYTES	 40
/*
 * Sequence numbers reserved on disk ahead of use: one fsync of the state per this many
 * alerts, and at most this many numbers skipped after a machine crash.
 */
#define SEQ_RESERVE	   1024
#define SEGMENT_SUFFIX	   ".seg"
#define SEGMENT_NAME_BYTES 32

struct segment {
	uint64_t number; /* file name: %020llu.seg; chronological order */
	uint64_t bytes; /* file size */
	uint64_t first_seq, last_seq; /* of its valid records; 0 when none */
	uint64_t records; /* valid records */
	int fd; /* -1 until opened */
};

/* A record handed out by the last spool_read(), and where the record after it starts. */
struct batch_entry {
	uint64_t seq;
	uint64_t segment; /* segment number */
	uint64_t end_off;
	size_t len;
};

struct spool {
	char *dir;
	struct spool_config cfg;
	struct spool_ops ops;
	int dir_fd, lock_fd, state_fd;

	struct segment *segs;
	size_t n_segs, cap_segs;
	bool writing; /* the last segment takes appends (a new one is made after open) */
	uint64_t next_segment;

	/* the first record not delivered yet */
	size_t read_seg;
	uint64_t read_off;

	uint64_t acked_seq, last_seq, ceiling, state_gen;
	char boot_id[BOOT_ID_BYTES];

	/* read window over one segment (by number): buf[0, win_len) is the file at win_off */
	uint8_t *buf;
	size_t buf_cap;
	uint64_t win_segment;
	uint64_t win_off;
	size_t win_len;
	bool win_valid;

	struct batch_entry *batch;
	size_t batch_cap, batch_n, batch_start;

	bool opened; /* recovery done: the state on disk is ours to write */
	bool dirty;
	uint64_t dirty_since_ms;
	struct spool_stats stats;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static uint32_t record_crc(const uint8_t *hdr, const void *data, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, hdr, SPOOL_RECORD_HEADER_BYTES - 4);
	if (len)
		crc = crc32(crc, data, (uInt)len);
	return (uint32_t)crc;
}

void spool_record_header(uint8_t hdr[SPOOL_RECORD_HEADER_BYTES], uint64_t seq, uint8_t severity,
			 const void *data, size_t len)
{
	memset(hdr, 0, SPOOL_RECORD_HEADER_BYTES);
	put_u32(hdr, RECORD_MAGIC);
	put_u32(hdr + 4, (uint32_t)len);
	put_u64(hdr + 8, seq);
	hdr[16] = severity;
	put_u32(hdr + 20, record_crc(hdr, data, len));
}

int spool_record_decode(const uint8_t *buf, size_t len, struct spool_record *rec, size_t *rec_bytes)
{
	uint8_t magic[4];
	uint32_t plen;

	put_u32(magic, RECORD_MAGIC);
	if (len < 4)
		return memcmp(buf, magic, len) == 0 ? -EAGAIN : -EBADMSG;
	if (get_u32(buf) != RECORD_MAGIC)
		return -EBADMSG;
	if (len < SPOOL_RECORD_HEADER_BYTES)
		return -EAGAIN;
	plen = get_u32(buf + 4);
	/* flags and the reserved bytes are zero in this version */
	if (plen > SPOOL_RECORD_MAX_BYTES || buf[17] || buf[18] || buf[19] || get_u64(buf + 8) == 0)
		return -EBADMSG;
	if (len - SPOOL_RECORD_HEADER_BYTES < plen)
		return -EAGAIN;
	if (record_crc(buf, buf + SPOOL_RECORD_HEADER_BYTES, plen) != get_u32(buf + 20))
		return -EBADMSG;
	rec->seq = get_u64(buf + 8);
	rec->severity = buf[16];
	rec->data = buf + SPOOL_RECORD_HEADER_BYTES;
	rec->len = plen;
	*rec_bytes = SPOOL_RECORD_HEADER_BYTES + plen;
	return 0;
}

/* --- state file ------------------------------------------------------------------------ */

struct state {
	uint64_t gen, acked_seq, ceiling;
	uint64_t issued_seq; /* highest number given out (or skipped) when the state was written */
	bool clean;
	char boot_id[BOOT_ID_BYTES];
};

static void read_boot_id(char out[BOOT_ID_BYTES])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	memset(out, 0, BOOT_ID_BYTES);
	if (!f)
		return;
	if (!fgets(out, BOOT_ID_BYTES, f))
		memset(out, 0, BOOT_ID_BYTES);
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static bool decode_state(const uint8_t *p, struct state *st)
{
	if (get_u32(p) != STATE_MAGIC || get_u32(p + 4) != STATE_VERSION)
		return false;
	if ((uint32_t)crc32(crc32(0L, Z_NULL, 0), p, STATE_SLOT_BYTES - 4) !=
	    get_u32(p + STATE_SLOT_BYTES - 4))
		return false;
	st->gen = get_u64(p + 8);
	st->acked_seq = get_u64(p + 16);
	st->ceiling = get_u64(p + 24);
	st->clean = p[32] != 0;
	memcpy(st->boot_id, p + 40, BOOT_ID_BYTES);
	st->issued_seq = get_u64(p + 80);
	st->boot_id[BOOT_ID_BYTES - 1] = '\0';
	return true;
}

/* The newest valid slot; false when neither is valid (a new or damaged state file). */
static bool load_state(int fd, struct state *st)
{
	uint8_t buf[2 * STATE_SLOT_BYTES];
	struct state a, b;
	bool va, vb;
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	if (n < (ssize_t)STATE_SLOT_BYTES)
		return false;
	va = decode_state(buf, &a);
	vb = n == (ssize_t)sizeof(buf) && decode_state(buf + STATE_SLOT_BYTES, &b);
	if (!va && !vb)
		return false;
	*st = va && (!vb || a.gen > b.gen) ? a : b;
	return true;
}

/*
 * Writes the state into the slot the previous write did not use, so that a torn write leaves
 * the other slot intact.
 */
static int save_state(struct spool *s, bool clean, bool sync)
{
	uint8_t p[STATE_SLOT_BYTES] = { 0 };
	uint64_t gen = s->state_gen + 1;
	off_t off = (off_t)(gen % 2) * STATE_SLOT_BYTES;

	put_u32(p, STATE_MAGIC);
	put_u32(p + 4, STATE_VERSION);
	put_u64(p + 8, gen);
	put_u64(p + 16, s->acked_seq);
	put_u64(p + 24, s->ceiling);
	p[32] = clean;
	memcpy(p + 40, s->boot_id, BOOT_ID_BYTES);
	put_u64(p + 80, s->last_seq);
	put_u32(p + STATE_SLOT_BYTES - 4,
		(uint32_t)crc32(crc32(0L, Z_NULL, 0), p, STATE_SLOT_BYTES - 4));
	if (s->ops.pwrite(s->state_fd, p, sizeof(p), off) != (ssize_t)sizeof(p))
		return errno == ENOSPC || errno == EDQUOT ? -ENOSPC : -EIO;
	if (sync && s->ops.fdatasync(s->state_fd) < 0)
		return -EIO;
	s->state_gen = gen;
	return 0;
}

/* --- segments -------------------------------------------------------------------------- */

static void segment_name(uint64_t number, char out[SEGMENT_NAME_BYTES])
{
	snprintf(out, SEGMENT_NAME_BYTES, "%020" PRIu64 SEGMENT_SUFFIX, number);
}

static bool parse_segment_name(const char *name, uint64_t *number)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (strcmp(name + i, SEGMENT_SUFFIX) != 0)
		return false;
	*number = v;
	return true;
}

static int segment_fd(struct spool *s, struct segment *seg)
{
	char name[SEGMENT_NAME_BYTES];

	if (seg->fd >= 0)
		return seg->fd;
	segment_name(seg->number, name);
	seg->fd = openat(s->dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	return seg->fd >= 0 ? seg->fd : -errno;
}

static int grow_segments(struct spool *s)
{
	struct segment *segs;
	size_t cap;

	if (s->n_segs < s->cap_segs)
		return 0;
	cap = s->cap_segs ? 2 * s->cap_segs : 8;
	segs = s->ops.reallocarray(s->segs, cap, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	s->segs = segs;
	s->cap_segs = cap;
	return 0;
}

static int compare_segments(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	return x->number < y->number ? -1 : x->number > y->number;
}

/*
 * Makes the window cover pos of segment seg and returns the bytes available there (0 at the
 * end of the segment), or a negative errno.
 */
static ssize_t window_at(struct spool *s, struct segment *seg, uint64_t pos, const uint8_t **p,
			 bool refill)
{
	size_t want;
	ssize_t n;
	int fd;

	*p = s->buf;
	if (pos >= seg->bytes)
		return 0;
	if (!refill && s->win_valid && s->win_segment == seg->number && pos >= s->win_off &&
	    pos < s->win_off + s->win_len) {
		*p = s->buf + (pos - s->win_off);
		return (ssize_t)(s->win_off + s->win_len - pos);
	}
	fd = segment_fd(s, seg);
	if (fd < 0)
		return fd;
	want = seg->bytes - pos < s->buf_cap ? (size_t)(seg->bytes - pos) : s->buf_cap;
	n = pread(fd, s->buf, want, (off_t)pos);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EIO; /* shorter than we know it is: the file was cut behind our back */
	s->win_valid = true;
	s->win_segment = seg->number;
	s->win_off = pos;
	s->win_len = (size_t)n;
	*p = s->buf;
	return n;
}

enum find_result {
	FIND_RECORD, /* a valid record at *rec_off */
	FIND_END, /* none until the segment's end; *rec_off: where undecodable bytes start */
	FIND_TORN, /* the segment ends inside a record starting at *rec_off */
};

/*
 * Finds the first valid record at or after pos in seg. Damaged bytes are skipped by looking for
 * the next record magic whose checksum holds. Returns an enum find_result or a negative errno.
 */
static int find_record(struct spool *s, struct segment *seg, uint64_t pos, struct spool_record *rec,
		       uint64_t *rec_off, size_t *rec_bytes)
{
	uint8_t magic[4];
	bool refill = false;

	put_u32(magic, RECORD_MAGIC);
	for (;;) {
		const uint8_t *p = NULL, *next;
		ssize_t avail = window_at(s, seg, pos, &p, refill);
		int rc;

		refill = false;
		if (avail < 0)
			return (int)avail;
		*rec_off = pos;
		if (avail == 0)
			return FIND_END;
		rc = spool_record_decode(p, (size_t)avail, rec, rec_bytes);
		if (rc == 0)
			return FIND_RECORD;
		if (rc == -EAGAIN) {
			if (pos + (uint64_t)avail >= seg->bytes)
				return FIND_TORN;
			if (p != s->buf || (size_t)avail < s->buf_cap) {
				refill = true; /* the record goes past the window: read from pos */
				continue;
			}
		}
		/* damaged: the next magic after this byte, in this window or the next one */
		next = avail > 1 ? memmem(p + 1, (size_t)avail - 1, magic, sizeof(magic)) : NULL;
		if (next) {
			pos += (uint64_t)(next - p);
		} else if (pos + (uint64_t)avail >= seg->bytes) {
			/* the last bytes may hold the start of a magic cut by the end */
			return FIND_END;
		} else {
			pos += (uint64_t)avail > 3 ? (uint64_t)avail - 3 : 1;
			refill = true;
		}
	}
}

/* --- open: recovery -------------------------------------------------------------------- */

static int list_segments(struct spool *s)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(s->dir_fd), err = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		uint64_t number;

		if (!parse_segment_name(de->d_name, &number))
			continue;
		err = grow_segments(s);
		if (err)
			break;
		s->segs[s->n_segs++] = (struct segment){ .number = number, .fd = -1 };
		if (number >= s->next_segment)
			s->next_segment = number + 1;
	}
	closedir(d);
	if (!err && s->n_segs)
		qsort(s->segs, s->n_segs, sizeof(*s->segs), compare_segments);
	return err;
}

/*
 * Reads every segment: counts valid records, skips and counts damaged ones, cuts an unfinished
 * record off the newest segment, and finds the first record not acknowledged.
 */
static int scan_segments(struct spool *s, uint64_t *max_seq)
{
	bool read_pos_found = false;

	*max_seq = 0;
	for (size_t i = 0; i < s->n_segs; i++) {
		struct segment *seg = &s->segs[i];
		uint64_t pos = 0;
		struct stat st;
		int fd = segment_fd(s, seg);

		if (fd < 0)
			return fd;
		if (fstat(fd, &st) < 0)
			return -errno;
		seg->bytes = (uint64_t)st.st_size;
		for (;;) {
			struct spool_record rec;
			uint64_t off;
			size_t len;
			int r = find_record(s, seg, pos, &rec, &off, &len);

			if (r < 0)
				return r;
			if (r == FIND_TORN && i + 1 == s->n_segs) {
				/* a crash in the middle of the last write: that record never was */
				if (off > pos) {
					s->stats.corrupt_records++;
					s->stats.corrupt_bytes += off - pos;
				}
				if (ftruncate(fd, (off_t)off) < 0)
					return -errno;
				s->stats.torn_bytes += seg->bytes - off;
				seg->bytes = off;
				s->win_valid = false;
				break;
			}
			if (r != FIND_RECORD) {
				if (seg->bytes > pos) {
					s->stats.corrupt_records++;
					s->stats.corrupt_bytes += seg->bytes - pos;
				}
				break;
			}
			if (off > pos) {
				s->stats.corrupt_records++;
				s->stats.corrupt_bytes += off - pos;
			}
			pos = off + len;
			if (rec.seq <= *max_seq) {
				/* out of order: not written by this spool; never sent */
				s->stats.corrupt_records++;
				s->stats.corrupt_bytes += len;
				continue;
			}
			*max_seq = rec.seq;
			if (!seg->records)
				seg->first_seq = rec.seq;
			seg->last_seq = rec.seq;
			seg->records++;
			if (rec.seq <= s->acked_seq)
				continue;
			if (!read_pos_found) {
				read_pos_found = true;
				s->read_seg = i;
				s->read_off = off;
			}
			s->stats.pending++;
			s->stats.pending_bytes += rec.len;
		}
	}
	if (!read_pos_found) {
		s->read_seg = s->n_segs ? s->n_segs - 1 : 0;
		s->read_off = s->n_segs ? s->segs[s->n_segs - 1].bytes : 0;
	}
	return 0;
}

static void drop_segment(struct spool *s, size_t i)
{
	char name[SEGMENT_NAME_BYTES], text[64];

	if (s->segs[i].fd >= 0)
		close(s->segs[i].fd);
	segment_name(s->segs[i].number, name);
	/* strerror_r(): acks come from the outbox's sender thread */
	if (unlinkat(s->dir_fd, name, 0) < 0 && errno != ENOENT)
		log_warn("spool", "cannot delete delivered segment '%s/%s': %s", s->dir, name,
			 strerror_r(errno, text, sizeof(text)));
	if (s->win_segment == s->segs[i].number)
		s->win_valid = false;
	memmove(&s->segs[i], &s->segs[i + 1], (s->n_segs - i - 1) * sizeof(*s->segs));
	s->n_segs--;
}

/* Deletes the segments before the read position, and the last one when all is delivered. */
static void drop_delivered(struct spool *s)
{
	while (s->read_seg + 1 < s->n_segs && s->read_off >= s->segs[s->read_seg].bytes) {
		s->read_seg++;
		s->read_off = 0;
	}
	while (s->read_seg > 0) {
		drop_segment(s, 0);
		s->read_seg--;
	}
	/* all delivered: what is left is delivered records and damaged bytes */
	if (s->stats.pending == 0) {
		while (s->n_segs)
			drop_segment(s, 0);
		s->read_off = 0;
		s->writing = false;
		s->dirty = false;
	}
}

static uint64_t used_bytes(const struct spool *s)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < s->n_segs; i++)
		sum += s->segs[i].bytes;
	return sum;
}

static int open_dir(struct spool *s, char *err, size_t err_len)
{
	struct stat st;

	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, err_len, "cannot create spool '%s': %s", s->dir, strerror(errno));
		return -errno;
	}
	s->dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0 || fstat(s->dir_fd, &st) < 0) {
		snprintf(err, err_len, "cannot open spool '%s': %s", s->dir, strerror(errno));
		return -errno;
	}
	s->lock_fd = openat(s->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0) {
		snprintf(err, err_len, "cannot open spool '%s': %s", s->dir, strerror(errno));
		return -errno;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		snprintf(err, err_len, "spool '%s' is in use by another raqib-agent%s", s->dir,
			 e == EWOULDBLOCK ? "" : ": cannot lock it");
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	s->state_fd = openat(s->dir_fd, "state", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->state_fd < 0) {
		snprintf(err, err_len, "cannot open spool state '%s/state': %s", s->dir,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void set_ops(struct spool *s, const struct spool_ops *ops)
{
	s->ops.pwrite = ops && ops->pwrite ? ops->pwrite : pwrite;
	s->ops.fdatasync = ops && ops->fdatasync ? ops->fdatasync : fdatasync;
	s->ops.reallocarray = ops && ops->reallocarray ? ops->reallocarray : reallocarray;
	s->ops.clock_ms = ops && ops->clock_ms ? ops->clock_ms : mono_ms;
}

/* Where numbering resumes: see spool.h on machine crashes. */
static void resume_sequence(struct spool *s, const struct state *st, bool have_state,
			    uint64_t max_seq)
{
	s->last_seq = max_seq > s->acked_seq ? max_seq : s->acked_seq;
	/* numbers skipped by an earlier recovery stay skipped */
	if (have_state && st->issued_seq > s->last_seq)
		s->last_seq = st->issued_seq;
	if (have_state && !st->clean && strcmp(st->boot_id, s->boot_id) != 0 &&
	    st->ceiling > s->last_seq) {
		s->stats.seq_skipped = st->ceiling - s->last_seq;
		log_warn(
			"spool",
			"'%s' was not closed before the machine restarted: sequence numbers %" PRIu64
			"..%" PRIu64 " are skipped",
			s->dir, s->last_seq + 1, st->ceiling);
		s->last_seq = st->ceiling;
	}
	s->ceiling = have_state && st->ceiling > s->last_seq ? st->ceiling : s->last_seq;
}

struct spool *spool_open(const struct spool_config *cfg, char *err, size_t err_len)
{
	struct spool *s;
	struct state st = { 0 };
	bool have_state;
	uint64_t max_seq;
	int rc;

	s = cfg->ops && cfg->ops->reallocarray ? cfg->ops->reallocarray(NULL, 1, sizeof(*s)) :
						 calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_len, "cannot open spool '%s': out of memory", cfg->dir);
		errno = ENOMEM;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->dir_fd = s->lock_fd = s->state_fd = -1;
	set_ops(s, cfg->ops);
	s->cfg = *cfg;
	s->cfg.ops = NULL;
	if (!s->cfg.segment_bytes)
		s->cfg.segment_bytes = 4u << 20;
	s->next_segment = 1;
	s->dir = s->ops.reallocarray(NULL, strlen(cfg->dir) + 1, 1);
	s->buf_cap = SPOOL_RECORD_HEADER_BYTES + SPOOL_RECORD_MAX_BYTES;
	s->buf = s->ops.reallocarray(NULL, s->buf_cap, 1);
	if (!s->dir || !s->buf) {
		snprintf(err, err_len, "cannot open spool '%s': out of memory", cfg->dir);
		rc = -ENOMEM;
		goto err_close;
	}
	memcpy(s->dir, cfg->dir, strlen(cfg->dir) + 1);
	rc = open_dir(s, err, err_len);
	if (rc)
		goto err_close;
	read_boot_id(s->boot_id);
	have_state = load_state(s->state_fd, &st);
	if (have_state) {
		s->acked_seq = st.acked_seq;
		s->state_gen = st.gen;
	}
	rc = list_segments(s);
	if (!rc)
		rc = scan_segments(s, &max_seq);
	if (rc) {
		snprintf(err, err_len, "cannot read spool '%s': %s", s->dir, strerror(-rc));
		goto err_close;
	}
	resume_sequence(s, &st, have_state, max_seq);
	if (s->stats.corrupt_records)
		log_warn("spool", "'%s': skipped %" PRIu64 " damaged records (%" PRIu64 " bytes)",
			 s->dir, s->stats.corrupt_records, s->stats.corrupt_bytes);
	drop_delivered(s);
	s->stats.acked_seq = s->acked_seq;
	/* from now on the spool is in use: a crash before spool_close() is an unclean stop */
	rc = save_state(s, false, true);
	if (rc) {
		snprintf(err, err_len, "cannot write spool state '%s/state': %s", s->dir,
			 strerror(-rc));
		goto err_close;
	}
	s->opened = true;
	return s;

err_close:
	spool_close(s);
	errno = -rc;
	return NULL;
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	if (s->opened) {
		/* clean only when every record appended is on disk, whatever the policy */
		bool synced = spool_sync(s) == 0;

		if (s->cfg.fsync != SPOOL_FSYNC_ALWAYS && syncfs(s->dir_fd) < 0)
			synced = false;

		if (save_state(s, synced, true))
			log_warn("spool", "cannot write spool state '%s/state'", s->dir);
	}
	for (size_t i = 0; i < s->n_segs; i++)
		if (s->segs[i].fd >= 0)
			close(s->segs[i].fd);
	if (s->state_fd >= 0)
		close(s->state_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->segs);
	free(s->batch);
	free(s->buf);
	free(s->dir);
	free(s);
}

uint64_t spool_next_seq(const struct spool *s)
{
	return s->last_seq + 1;
}

/* Starts a new segment for appends. */
static int start_segment(struct spool *s)
{
	char name[SEGMENT_NAME_BYTES];
	struct segment *seg;
	int rc = grow_segments(s), fd;

	if (rc)
		return rc;
	/* what the interval policy has not synced yet in the segment being closed */
	if (spool_sync(s))
		return -EIO;
	segment_name(s->next_segment, name);
	fd = openat(s->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno == ENOSPC || errno == EDQUOT ? -ENOSPC : -EIO;
	/* the new name must survive a power loss as the records in it will */
	if (s->cfg.fsync != SPOOL_FSYNC_NEVER && s->ops.fdatasync(s->dir_fd) < 0) {
		close(fd);
		unlinkat(s->dir_fd, name, 0);
		return -EIO;
	}
	seg = &s->segs[s->n_segs++];
	*seg = (struct segment){ .number = s->next_segment++, .fd = fd };
	if (s->n_segs == 1) {
		s->read_seg = 0;
		s->read_off = 0;
	}
	s->writing = true;
	return 0;
}

static int write_all(struct spool *s, int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = s->ops.pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 && (errno == ENOSPC || errno == EDQUOT) ? -ENOSPC :
			       n == 0					     ? -ENOSPC :
									       -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int spool_append(struct spool *s, uint64_t seq, uint8_t severity, const void *data, size_t len)
{
	uint8_t hdr[SPOOL_RECORD_HEADER_BYTES];
	uint64_t rec_bytes = SPOOL_RECORD_HEADER_BYTES + (uint64_t)len;
	struct segment *seg;
	uint64_t ceiling;
	int rc;

	if (seq != s->last_seq + 1)
		return -EINVAL;
	if (len > SPOOL_RECORD_MAX_BYTES)
		return -EFBIG;
	if (used_bytes(s) + rec_bytes > s->cfg.max_bytes)
		return -ENOSPC;
	if (seq > s->ceiling) {
		ceiling = s->ceiling;
		s->ceiling = seq + SEQ_RESERVE - 1;
		rc = save_state(s, false, true);
		if (rc) {
			s->ceiling = ceiling;
			s->stats.write_errors++;
			return rc;
		}
	}
	if (!s->writing || s->segs[s->n_segs - 1].bytes >= s->cfg.segment_bytes) {
		rc = start_segment(s);
		if (rc) {
			s->stats.write_errors++;
			return rc;
		}
	}
	seg = &s->segs[s->n_segs - 1];
	spool_record_header(hdr, seq, severity, data, len);
	rc = write_all(s, seg->fd, hdr, sizeof(hdr), seg->bytes);
	if (!rc && len)
		rc = write_all(s, seg->fd, data, len, seg->bytes + sizeof(hdr));
	if (!rc && s->cfg.fsync == SPOOL_FSYNC_ALWAYS) {
		s->stats.syncs++;
		if (s->ops.fdatasync(seg->fd) < 0)
			rc = -EIO;
	}
	if (rc) {
		/* leave no partial record behind: a full disk must not damage the spool */
		if (ftruncate(seg->fd, (off_t)seg->bytes) < 0)
			log_warn("spool", "cannot cut a failed write off '%s': %s", s->dir,
				 strerror(errno));
		s->stats.write_errors++;
		return rc;
	}
	if (s->cfg.fsync == SPOOL_FSYNC_INTERVAL && !s->dirty) {
		s->dirty = true;
		s->dirty_since_ms = s->ops.clock_ms();
	}
	seg->bytes += rec_bytes;
	if (!seg->records)
		seg->first_seq = seq;
	seg->last_seq = seq;
	seg->records++;
	s->last_seq = seq;
	s->stats.appended++;
	s->stats.pending++;
	s->stats.pending_bytes += len;
	if (s->cfg.fsync == SPOOL_FSYNC_INTERVAL && spool_sync_is_due(s))
		return spool_sync(s) ? -EIO : 0;
	return 0;
}

bool spool_sync_is_due(const struct spool *s)
{
	return s->dirty && s->ops.clock_ms() - s->dirty_since_ms >= s->cfg.fsync_interval_ms;
}

int spool_sync(struct spool *s)
{
	int rc = 0;

	if (!s->dirty || !s->writing || !s->n_segs)
		return 0;
	s->stats.syncs++;
	if (s->ops.fdatasync(s->segs[s->n_segs - 1].fd) < 0) {
		s->stats.write_errors++;
		rc = -EIO;
	}
	/* a failed sync is not retried on the same pages: Linux marks them clean either way */
	s->dirty = false;
	return rc;
}

static struct segment *segment_by_number(struct spool *s, uint64_t number, size_t *index)
{
	for (size_t i = 0; i < s->n_segs; i++) {
		if (s->segs[i].number == number) {
			*index = i;
			return &s->segs[i];
		}
	}
	return NULL;
}

int spool_read(struct spool *s, size_t max_records, size_t max_bytes, spool_record_fn fn, void *ctx)
{
	size_t seg_i = s->read_seg, n = 0, bytes = 0;
	uint64_t pos = s->read_off, prev_seq = s->acked_seq;

	s->batch_n = 0;
	s->batch_start = 0;
	if (max_records > s->batch_cap) {
		struct batch_entry *b = s->ops.reallocarray(s->batch, max_records, sizeof(*b));

		if (!b)
			return -ENOMEM;
		s->batch = b;
		s->batch_cap = max_records;
	}
	while (n < max_records && seg_i < s->n_segs) {
		struct segment *seg = &s->segs[seg_i];
		struct spool_record rec;
		uint64_t off;
		size_t len;
		int r = find_record(s, seg, pos, &rec, &off, &len);

		if (r < 0) {
			s->batch_n = n;
			return n ? (int)n : r;
		}
		if (r != FIND_RECORD) {
			seg_i++;
			pos = 0;
			continue;
		}
		pos = off + len;
		if (rec.seq <= prev_seq)
			continue; /* delivered already, or out of order (counted at open) */
		if (n && bytes + rec.len > max_bytes)
			break;
		s->batch[n] = (struct batch_entry){
			.seq = rec.seq, .segment = seg->number, .end_off = pos, .len = rec.len
		};
		n++;
		bytes += rec.len;
		prev_seq = rec.seq;
		if (fn(ctx, &rec) < 0)
			break;
	}
	s->batch_n = n;
	return (int)n;
}

int spool_ack(struct spool *s, uint64_t seq)
{
	size_t i, seg_i;
	uint64_t bytes = 0;

	if (seq <= s->acked_seq)
		return 0;
	for (i = s->batch_start; i < s->batch_n && s->batch[i].seq != seq; i++)
		bytes += s->batch[i].len;
	if (i == s->batch_n || !segment_by_number(s, s->batch[i].segment, &seg_i))
		return -EINVAL;
	bytes += s->batch[i].len;
	s->stats.pending -= i + 1 - s->batch_start;
	s->stats.pending_bytes -= bytes;
	s->batch_start = i + 1;
	s->acked_seq = seq;
	s->stats.acked_seq = seq;
	s->read_seg = seg_i;
	s->read_off = s->batch[i].end_off;
	/*
	 * The state first, then the segments: once delivered segments are deleted, the state is
	 * all that remembers how far numbering went, and a kill between the two must not find it
	 * behind (numbers would be issued again). Not synced: a lost ack after a machine crash
	 * only means the collector sees some alerts twice.
	 */
	if (save_state(s, false, false))
		return -EIO;
	drop_delivered(s);
	return 0;
}

void spool_get_stats(const struct spool *s, struct spool_stats *stats)
{
	*stats = s->stats;
	stats->bytes = used_bytes(s);
	stats->segments = s->n_segs;
	stats->last_seq = s->last_seq;
	stats->acked_seq = s->acked_seq;
}

uint64_t spool_used_bytes(const struct spool *s)
{
	return used_bytes(s);
}

uint64_t spool_max_bytes(const struct spool *s)
{
	return s->cfg.max_bytes;
}

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			log_error("spool", "invariant broken: %s", #cond); \
			return -EUCLEAN;                                   \
		}                                                          \
	} while (0)

int spool_check(const struct spool *s)
{
	uint64_t records = 0;

	CHECK(s->acked_seq <= s->last_seq);
	CHECK(s->last_seq <= s->ceiling);
	CHECK(s->n_segs <= s->cap_segs || s->n_segs == 0);
	CHECK(s->n_segs == 0 ? s->read_seg == 0 : s->read_seg < s->n_segs);
	CHECK(s->n_segs == 0 || s->read_off <= s->segs[s->read_seg].bytes);
	CHECK(s->stats.pending <= s->last_seq - s->acked_seq);
	CHECK(s->stats.pending == 0 || s->n_segs > 0);
	CHECK(!s->writing || s->n_segs > 0);
	for (size_t i = 0; i < s->n_segs; i++) {
		const struct segment *seg = &s->segs[i];

		CHECK(i == 0 || seg->number > s->segs[i - 1].number);
		CHECK(seg->number < s->next_segment);
		CHECK(seg->records == 0 || seg->first_seq <= seg->last_seq);
		CHECK(seg->records == 0 || seg->last_seq <= s->last_seq);
		CHECK(seg->bytes >= seg->records * SPOOL_RECORD_HEADER_BYTES);
		records += seg->records;
	}
	CHECK(records >= s->stats.pending);
	CHECK(s->batch_start <= s->batch_n);
	return 0;
}
