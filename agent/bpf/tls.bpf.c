// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS plaintext sensor (tier 1, optional): uprobes on the write calls of the TLS libraries
 * (OpenSSL SSL_write / SSL_write_ex, GnuTLS gnutls_record_send, NSPR PR_Write / PR_Send under
 * NSS) copy the plaintext a watched process hands them into the ring buffer, up to
 * tls_max_chunks records of RAQIB_TLS_CHUNK_MAX bytes per call.
 *
 * The programs carry no attach target: userspace attaches them per watched process, on the
 * library file that process actually maps (agent/sensors/bpf_sensor_tls.c), because a uprobe
 * hit costs about 15 us here (the probed instruction is single-stepped) and processes the
 * probes are not attached for pay nothing. Only the entry is probed: the arguments say what is
 * being written, and a uretprobe would double the trap cost.
 *
 * The call also marks its thread in raqib_tls_active; the core object's sock_send_length
 * program then sees which socket the library writes to and reports the binding once.
 * This object shares the ring buffer, the drop counters, the watched set and that map with the
 * core object (userspace reuses their fds before loading it).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "raqib/events.h"
#include "shared_maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Records per call at most (<= RAQIB_TLS_CHUNKS_MAX); set by the loader. */
const volatile __u32 tls_max_chunks = 4;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct raqib_event_tls_data);
} tls_scratch SEC(".maps");

static __always_inline int capture(void *conn, const void *buf, __u64 len, __u32 lib)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id, zero = 0;
	struct raqib_event_tls_data *e;
	struct tls_active active;
	__u64 flags;

	if (!is_watched(tgid) || !buf || len == 0)
		return 0;
	active.conn = (__u64)conn;
	active.ts_ns = bpf_ktime_get_boot_ns();
	bpf_map_update_elem(&raqib_tls_active, &tid, &active, BPF_ANY);
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e)
		return 0;
	e->hdr.kind = RAQIB_EV_TLS_DATA;
	e->hdr.version = RAQIB_EVENT_VERSION;
	e->hdr.ts_ns = active.ts_ns;
	e->hdr.cgroup_id = bpf_get_current_cgroup_id();
	e->hdr.pid = tgid;
	e->hdr.tid = tid;
	e->hdr.ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->hdr.uid = (__u32)bpf_get_current_uid_gid();
	e->hdr.proc_start_ns = BPF_CORE_READ(task, group_leader, start_time);
	bpf_get_current_comm(e->hdr.comm, sizeof(e->hdr.comm));
	e->conn = (__u64)conn;
	e->lib = lib;
	e->flags = RAQIB_EVF_WATCHED;
	e->call_len = len > 0xffffffffu ? 0xffffffffu : (__u32)len;
	for (__u32 i = 0; i < RAQIB_TLS_CHUNKS_MAX; i++) {
		__u64 off = (__u64)i * RAQIB_TLS_CHUNK_MAX, n;

		if (off >= len)
			break;
		if (i >= tls_max_chunks) {
			count_drop(RAQIB_DROP_TLS_CUT);
			break;
		}
		n = len - off;
		if (n > RAQIB_TLS_CHUNK_MAX)
			n = RAQIB_TLS_CHUNK_MAX;
		/* the verifier needs the length proven within [1, RAQIB_TLS_CHUNK_MAX] */
		n = (n - 1) & (RAQIB_TLS_CHUNK_MAX - 1);
		if (bpf_probe_read_user(e->data, n + 1, (const char *)buf + off))
			break;
		e->offset = (__u32)off;
		e->len = (__u32)n + 1;
		e->hdr.size = offsetof(struct raqib_event_tls_data, data) + e->len;
		flags = BPF_RB_NO_WAKEUP;
		if (bpf_ringbuf_query(&raqib_events, BPF_RB_AVAIL_DATA) > RINGBUF_BYTES / 4)
			flags = BPF_RB_FORCE_WAKEUP;
		if (bpf_ringbuf_output(&raqib_events, e,
				       offsetof(struct raqib_event_tls_data, data) + n + 1,
				       flags)) {
			count_drop(RAQIB_DROP_TLS_RINGBUF);
			break;
		}
	}
	return 0;
}

/* int SSL_write(SSL *ssl, const void *buf, int num) */
SEC("uprobe")
int BPF_KPROBE(tls_openssl_write, void *ssl, const void *buf, int num)
{
	return num > 0 ? capture(ssl, buf, (__u64)num, RAQIB_TLS_OPENSSL) : 0;
}

/* int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written) */
SEC("uprobe")
int BPF_KPROBE(tls_openssl_write_ex, void *ssl, const void *buf, __u64 num)
{
	return capture(ssl, buf, num, RAQIB_TLS_OPENSSL);
}

/* ssize_t gnutls_record_send(gnutls_session_t session, const void *data, size_t data_size) */
SEC("uprobe")
int BPF_KPROBE(tls_gnutls_send, void *session, const void *data, __u64 size)
{
	return capture(session, data, size, RAQIB_TLS_GNUTLS);
}

/* PRInt32 PR_Write(PRFileDesc *fd, const void *buf, PRInt32 amount); PR_Send starts alike */
SEC("uprobe")
int BPF_KPROBE(tls_nspr_write, void *fd, const void *buf, int amount)
{
	return amount > 0 ? capture(fd, buf, (__u64)amount, RAQIB_TLS_NSS) : 0;
}
