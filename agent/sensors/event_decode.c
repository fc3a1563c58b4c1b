// SPDX-License-Identifier: GPL-2.0-only
/*
 * Validation of ring-buffer records (see event_decode.h). The kernel side is ours, but a
 * layout mismatch between an old object and a new agent, or a bug, must show up as counted bad
 * records, never as a read past a buffer.
 */
#include "event_decode.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Checks a record made of a fixed part and a NUL-terminated tail of tail_len bytes. */
static int check_tail(size_t size, size_t tail_off, __u32 tail_len)
{
	if (size < tail_off + 1 || tail_len >= RAQIB_PATH_MAX)
		return -EPROTO;
	return size == tail_off + tail_len + 1 ? 0 : -EPROTO;
}

/*
 * The kernel writes an open's path leaf first, each name followed by '/' ("doc.pdf/u/home/"):
 * rewrites it in place as "/home/u/doc.pdf". A truncated path lost its top, and its last name
 * may be cut: that name is dropped and the path stays relative ("u/doc.pdf").
 */
static void path_from_leaf_first(char *path, __u32 *len, bool truncated)
{
	char tmp[RAQIB_PATH_MAX];
	size_t n = *len, out = 0, end = n;

	if (truncated) { /* keep whole names only */
		while (end > 0 && path[end - 1] != '/')
			end--;
	}
	while (end > 0) {
		size_t start = end - 1; /* end - 1 is the '/' after the name */

		while (start > 0 && path[start - 1] != '/')
			start--;
		if (out > 0 || !truncated)
			tmp[out++] = '/';
		memcpy(tmp + out, path + start, end - 1 - start);
		out += end - 1 - start;
		end = start;
	}
	if (out == 0 && !truncated)
		tmp[out++] = '/';
	memcpy(path, tmp, out);
	path[out] = '\0';
	*len = (__u32)out;
}

int event_decode(const void *data, size_t size, union event_buf *out)
{
	struct raqib_event_hdr hdr;
	int err;

	if (size < sizeof(hdr) || size > sizeof(*out))
		return -EPROTO;
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.size != size)
		return -EPROTO;
	if (hdr.version != RAQIB_EVENT_VERSION)
		return -EPROTONOSUPPORT;
	/* no memset: every kind below checks that size covers its whole struct or tail */
	memcpy(out, data, size);
	switch (hdr.kind) {
	case RAQIB_EV_EXEC:
		err = check_tail(size, offsetof(struct raqib_event_exec, filename),
				 out->exec.filename_len);
		if (!err)
			out->exec.filename[out->exec.filename_len] = '\0';
		break;
	case RAQIB_EV_OPEN:
		err = check_tail(size, offsetof(struct raqib_event_open, path), out->open.path_len);
		if (!err) {
			out->open.path[out->open.path_len] = '\0';
			path_from_leaf_first(out->open.path, &out->open.path_len,
					     out->open.flags & RAQIB_EVF_TRUNCATED);
		}
		break;
	case RAQIB_EV_EXIT:
		err = size == sizeof(struct raqib_event_exit) ? 0 : -EPROTO;
		break;
	case RAQIB_EV_FORK:
		err = size == sizeof(struct raqib_event_fork) ? 0 : -EPROTO;
		break;
	case RAQIB_EV_CLOSE:
		err = size == sizeof(struct raqib_event_close) ? 0 : -EPROTO;
		break;
	case RAQIB_EV_CONNECT:
		err = size == sizeof(struct raqib_event_connect) ? 0 : -EPROTO;
		break;
	case RAQIB_EV_FLOW:
		err = size == sizeof(struct raqib_event_flow) ? 0 : -EPROTO;
		break;
	case RAQIB_EV_TLS_BIND:
		err = size == sizeof(struct raqib_event_tls_bind) ? 0 : -EPROTO;
		break;
	case RAQIB_EV_DEST:
		err = size == sizeof(struct raqib_event_dest) ? 0 : -EPROTO;
		if (!err)
			out->dest.app_id[RAQIB_APP_ID_MAX - 1] = '\0';
		break;
	case RAQIB_EV_TLS_DATA:
		/* binary tail: its length must be in bounds and agree with the record size */
		if (size < offsetof(struct raqib_event_tls_data, data) + 1 ||
		    out->tls_data.len == 0 || out->tls_data.len > RAQIB_TLS_CHUNK_MAX)
			err = -EPROTO;
		else
			err = size == offsetof(struct raqib_event_tls_data, data) +
						      out->tls_data.len ?
				      0 :
				      -EPROTO;
		break;
	case RAQIB_EV_PACKET:
		/* binary tail, as TLS data */
		if (size < offsetof(struct raqib_event_packet, data) + 1 || out->packet.len == 0 ||
		    out->packet.len > RAQIB_PKT_MAX)
			err = -EPROTO;
		else
			err = size == offsetof(struct raqib_event_packet, data) + out->packet.len ?
				      0 :
				      -EPROTO;
		break;
	default:
		return -ENOENT;
	}
	if (!err)
		out->hdr.comm[RAQIB_COMM_LEN - 1] = '\0';
	return err;
}
