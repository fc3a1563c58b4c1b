// SPDX-License-Identifier: GPL-2.0-only
/*
 * Core host sensor (tier 0: classic tracepoints and one BTF tracepoint, all verified on the
 * target kernels, see ../shared/notes/ebpf-on-this-kernel.md):
 *
 *  - sched_process_exec: every exec is reported (exec is rare); an image whose name is in the
 *    watch list (the messaging-app catalog) makes the process watched;
 *  - sched_process_fork: children of watched processes are watched too (apps are process trees);
 *  - sched_process_exit: every group-leader exit is reported, and the process unwatched;
 *  - sys_enter/exit_open, openat, openat2: for watched processes only, a successful open of a
 *    regular file for reading is reported with its path, device and inode.
 *
 * Everything else is dropped in the kernel. Records are built in a per-CPU scratch buffer and
 * sent with only their used length; the consumer is not woken per record (a wakeup per record
 * costs microseconds here) but polls, and is woken when the ring is a quarter full.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "raqib/events.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load: the agent itself is never watched. */
const volatile __u32 self_tgid = 0;

#define RINGBUF_BYTES (8u << 20)
#define O_ACCMODE 00000003
#define O_WRONLY 00000001
#define O_DIRECTORY 00200000
#define O_PATH 010000000
#define S_IFMT 00170000
#define S_IFREG 0100000
#define AT_FDCWD -100

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_BYTES);
} raqib_events SEC(".maps");

/* Executable names (comm form, NUL padded) that make a process watched. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RAQIB_WATCH_NAMES_MAX);
	__type(key, char[RAQIB_COMM_LEN]);
	__type(value, __u8);
} raqib_watch_names SEC(".maps");

/* Watched thread-group ids. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RAQIB_WATCHED_PIDS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} raqib_watched SEC(".maps");

struct open_args {
	__u64 filename; /* user pointer */
	__s32 dirfd;
	__u32 flags;
};

/* Arguments of an open in flight, by thread id, from syscall entry to exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct open_args);
} open_in_flight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RAQIB_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} raqib_drops SEC(".maps");

union scratch {
	struct raqib_event_exec exec;
	struct raqib_event_open open;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union scratch);
} scratch_buf SEC(".maps");

static __always_inline void count_drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&raqib_drops, &reason);

	if (n)
		*n += 1;
}

static __always_inline void *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_buf, &zero);
}

static __always_inline void fill_hdr(struct raqib_event_hdr *hdr, __u16 kind)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	hdr->kind = kind;
	hdr->version = RAQIB_EVENT_VERSION;
	hdr->ts_ns = bpf_ktime_get_boot_ns();
	hdr->cgroup_id = bpf_get_current_cgroup_id();
	hdr->pid = id >> 32;
	hdr->tid = (__u32)id;
	hdr->ppid = BPF_CORE_READ(task, real_parent, tgid);
	hdr->uid = (__u32)bpf_get_current_uid_gid();
	hdr->proc_start_ns = BPF_CORE_READ(task, group_leader, start_time);
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

static __always_inline void submit(void *rec, __u32 size)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&raqib_events, BPF_RB_AVAIL_DATA) > RINGBUF_BYTES / 4)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&raqib_events, rec, size, flags))
		count_drop(RAQIB_DROP_RINGBUF);
}

static __always_inline bool is_watched(__u32 tgid)
{
	return bpf_map_lookup_elem(&raqib_watched, &tgid) != NULL;
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct raqib_event_exec *e = scratch();
	char name[RAQIB_COMM_LEN] = {};
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	unsigned int off;
	long len;
	__u8 one = 1;

	if (!e)
		return 0;
	fill_hdr(&e->hdr, RAQIB_EV_EXEC);
	e->flags = 0;
	bpf_get_current_comm(name, sizeof(name));
	if (tgid != self_tgid &&
	    (is_watched(tgid) || bpf_map_lookup_elem(&raqib_watch_names, name))) {
		if (bpf_map_update_elem(&raqib_watched, &tgid, &one, BPF_ANY))
			count_drop(RAQIB_DROP_WATCH_FULL);
		else
			e->flags |= RAQIB_EVF_WATCHED;
	}
	off = ctx->__data_loc_filename & 0xffff;
	len = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
	if (len <= 0) {
		e->filename[0] = '\0';
		len = 1;
	}
	if (len >= RAQIB_PATH_MAX)
		e->flags |= RAQIB_EVF_TRUNCATED;
	e->filename_len = (__u32)(len - 1) & (RAQIB_PATH_MAX - 1);
	e->hdr.size = offsetof(struct raqib_event_exec, filename) + e->filename_len + 1;
	submit(e, e->hdr.size);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid = parent->tgid;
	__u32 child_tgid = child->tgid;
	__u8 one = 1;

	if (child_tgid == parent_tgid || !is_watched(parent_tgid))
		return 0; /* a new thread, or an unwatched parent */
	if (bpf_map_update_elem(&raqib_watched, &child_tgid, &one, BPF_ANY))
		count_drop(RAQIB_DROP_WATCH_FULL);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(struct trace_event_raw_sched_process_template *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct raqib_event_exit e = {};

	if ((__u32)id != tgid)
		return 0; /* a thread, not the group leader */
	fill_hdr(&e.hdr, RAQIB_EV_EXIT);
	e.hdr.size = sizeof(e);
	if (bpf_map_delete_elem(&raqib_watched, &tgid) == 0)
		e.flags = RAQIB_EVF_WATCHED;
	e.exit_code = BPF_CORE_READ(task, exit_code) >> 8;
	submit(&e, sizeof(e));
	return 0;
}

static __always_inline int enter_open(int dirfd, const char *filename, __u64 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct open_args args = {
		.filename = (__u64)filename,
		.dirfd = dirfd,
		.flags = (__u32)flags,
	};

	if (!is_watched(id >> 32))
		return 0;
	/* Writes create or replace files an app received; only reads can send a file out. */
	if ((flags & O_ACCMODE) == O_WRONLY || (flags & (O_DIRECTORY | O_PATH)))
		return 0;
	if (bpf_map_update_elem(&open_in_flight, &tid, &args, BPF_ANY))
		count_drop(RAQIB_DROP_ARGS_FULL);
	return 0;
}

static __always_inline int exit_open(long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args *args = bpf_map_lookup_elem(&open_in_flight, &tid);
	struct raqib_event_open *e;
	struct file **fds;
	struct file *file = NULL;
	struct inode *inode;
	unsigned int max_fds;
	long len;

	if (!args)
		return 0;
	e = scratch();
	if (!e || ret < 0)
		goto out;
	/* The file the fd now points to: its inode tells regular files from the rest. */
	fds = BPF_CORE_READ(task, files, fdt, fd);
	max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	if ((unsigned long)ret >= max_fds)
		goto out;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[ret]);
	if (!file)
		goto out;
	inode = BPF_CORE_READ(file, f_inode);
	e->mode = BPF_CORE_READ(inode, i_mode);
	if ((e->mode & S_IFMT) != S_IFREG)
		goto out;
	fill_hdr(&e->hdr, RAQIB_EV_OPEN);
	e->flags = RAQIB_EVF_WATCHED;
	e->fd = (__s32)ret;
	e->dirfd = args->dirfd;
	e->open_flags = args->flags;
	e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->ino = BPF_CORE_READ(inode, i_ino);
	e->size = BPF_CORE_READ(inode, i_size);
	len = bpf_probe_read_user_str(e->path, sizeof(e->path), (const void *)args->filename);
	if (len <= 0) {
		e->path[0] = '\0';
		len = 1;
	}
	if (len >= RAQIB_PATH_MAX)
		e->flags |= RAQIB_EVF_TRUNCATED;
	e->path_len = (__u32)(len - 1) & (RAQIB_PATH_MAX - 1);
	e->hdr.size = offsetof(struct raqib_event_open, path) + e->path_len + 1;
	submit(e, e->hdr.size);
out:
	bpf_map_delete_elem(&open_in_flight, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_openat")
int handle_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return enter_open((int)ctx->args[0], (const char *)ctx->args[1], ctx->args[2]);
}

SEC("tp/syscalls/sys_exit_openat")
int handle_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return exit_open(ctx->ret);
}

SEC("tp/syscalls/sys_enter_openat2")
int handle_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	/* flags is the first member of struct open_how (include/uapi/linux/openat2.h) */
	bpf_probe_read_user(&how.flags, sizeof(how.flags), (void *)ctx->args[2]);
	return enter_open((int)ctx->args[0], (const char *)ctx->args[1], how.flags);
}

SEC("tp/syscalls/sys_exit_openat2")
int handle_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return exit_open(ctx->ret);
}

SEC("tp/syscalls/sys_enter_open")
int handle_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return enter_open(AT_FDCWD, (const char *)ctx->args[0], ctx->args[1]);
}

SEC("tp/syscalls/sys_exit_open")
int handle_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return exit_open(ctx->ret);
}
