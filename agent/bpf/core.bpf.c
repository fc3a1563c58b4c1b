// SPDX-License-Identifier: GPL-2.0-only
/*
 * Core host sensor (tier 0, required), on hooks verified on the target kernels
 * (../shared/notes/ebpf-on-this-kernel.md sections 2 and 7). Process and socket hooks are BTF
 * tracepoints (tp_btf: typed, cheaper than classic ones, independent of tracefs); syscall hooks
 * are classic tracepoints, or one raw_tp program on every syscall exit when tracefs cannot be
 * mounted.
 *
 *  - sched_process_exec: every exec is reported (exec is rare); an image whose name is in the
 *    watch list (the messaging-app catalog) makes the process watched;
 *  - sched_process_fork: children of watched processes are watched too (apps are process
 *    trees), and reported so that userspace can hook their TLS libraries;
 *  - sched_process_exit: every group-leader exit is reported, and the process unwatched;
 *  - open, openat, openat2 (exit only): for watched processes, a successful open of a regular
 *    file for reading is reported with its path, device and inode, and its fd remembered (the
 *    same file reopened within reopen_quiet_ns is not reported again). Everything comes from
 *    the file the new fd points to -- flags, inode, and the path from its dentries up to the
 *    process's root -- so no entry hook is needed: one traced syscall fewer for every process
 *    on the host, and the path is absolute and canonical, not the string the app passed;
 *  - close (entry): a remembered file closed, with how far it was read (its file position:
 *    read, readv, sendfile and splice move it; hooking read() would tax every read on the host);
 *  - connect (entry): destinations of watched processes;
 *  - sock:sock_send_length: bytes watched processes send, summed per socket in a map and
 *    reported on the first send, every flow_report_bytes, after an idle gap, and at close
 *    (sock:inet_sock_set_state) -- never per send;
 *  - the same send hook ties a TLS connection seen by the TLS uprobes (tls.bpf.c) to its socket.
 *
 * Every traced syscall costs every process on the host about 75 ns per hook here, so only the
 * syscalls named above are traced, close and connect at entry only, and everything not about a
 * watched process is dropped after one map lookup, before any update. Records are built in a
 * per-CPU scratch buffer and sent with only their used length; the consumer is not woken per
 * record (a wakeup per record costs microseconds) but polls, and is woken when the ring is a
 * quarter full or for the rare records it must act on at once (a watched exec or fork: its TLS
 * libraries get hooked).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "raqib/events.h"
#include "shared_maps.bpf.h"
#include "dest_maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load. */
const volatile __u32 self_tgid = 0; /* the agent itself is never watched */
const volatile __u64 flow_report_bytes = 1u << 20; /* a FLOW record every this many bytes */
const volatile __u64 flow_burst_gap_ns = 100000000; /* idle time that ends a burst of sends */
const volatile __u64 reopen_quiet_ns = 1000000000; /* the same file reopened sooner: no record */

#define O_ACCMODE 00000003
#define O_WRONLY 00000001
#define O_PATH 010000000
#define S_IFMT 00170000
#define S_IFREG 0100000
#define AF_INET	    2
#define AF_INET6    10
#define TCP_CLOSE   7

/* Syscall numbers for the raw_tp variant (arch/x86/entry/syscalls, include/uapi/asm-generic). */
#if defined(__TARGET_ARCH_x86)
#define NR_OPEN		 2
#define NR_CLOSE	 3
#define NR_CONNECT	 42
#define NR_OPENAT	 257
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_OPEN		 -1
#define NR_CLOSE	 57
#define NR_CONNECT	 203
#define NR_OPENAT	 56
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, syscallno)
#endif
#define NR_OPENAT2 437

/* Executable names (comm form, NUL padded) that make a process watched. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RAQIB_WATCH_NAMES_MAX);
	__type(key, char[RAQIB_COMM_LEN]);
	__type(value, __u8);
} raqib_watch_names SEC(".maps");

struct fd_key {
	__u32 tgid;
	__s32 fd;
};

struct fd_state {
	__u64 dev;
	__u64 ino;
};

/* Regular files open in watched processes. LRU: fds closed by exec or exit age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RAQIB_OPEN_FILES_MAX);
	__type(key, struct fd_key);
	__type(value, struct fd_state);
} open_files SEC(".maps");

/* Bytes sent per socket of a watched process (key: the socket's kernel address). */
struct flow_state {
	__u64 bytes;
	__u64 sends;
	__u64 first_ns;
	__u64 last_ns;
	__u64 reported; /* bytes at the last threshold record */
	__u64 start_ns; /* owner's start time */
	__u64 cgroup_id;
	__u32 tgid; /* owner: the process that sent first */
	__u32 uid;
	__u32 ppid;
	__u32 pad;
	char comm[RAQIB_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RAQIB_FLOWS_MAX);
	__type(key, __u64);
	__type(value, struct flow_state);
} raqib_flows SEC(".maps");

struct tls_conn_key {
	__u32 tgid;
	__u32 pad;
	__u64 conn;
};

/* The socket each TLS connection was last seen writing to: one BIND record per change. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tls_conn_key);
	__type(value, __u64);
} tls_bound SEC(".maps");

/*
 * Files each watched process opened lately, and when: apps reopen the same files in loops
 * (an Electron app its resource packs), and one record per file and second is enough.
 */
struct reopen_key {
	__u32 tgid;
	__u32 pad;
	__u64 dev;
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RAQIB_OPEN_FILES_MAX);
	__type(key, struct reopen_key);
	__type(value, __u64);
} recent_opens SEC(".maps");

/*
 * The path walk writes a whole name (up to NAME_MAX + 1 bytes) at any offset below
 * RAQIB_PATH_MAX: the open record is followed by that much slack, and offsets are masked with
 * PATH_WALK_MASK for the verifier.
 */
#define NAME_COPY_MAX  256
#define PATH_WALK_MASK (2 * RAQIB_PATH_MAX - 1)
#define PATH_DEPTH_MAX 32

struct open_scratch {
	struct raqib_event_open rec;
	char slack[RAQIB_PATH_MAX];
};

union scratch {
	struct raqib_event_exec exec;
	struct open_scratch open;
	struct raqib_event_dest dest;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union scratch);
} scratch_buf SEC(".maps");

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

static __always_inline void submit_flags(void *rec, __u32 size, __u64 flags)
{
	if (bpf_ringbuf_query(&raqib_events, BPF_RB_AVAIL_DATA) > RINGBUF_BYTES / 4)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&raqib_events, rec, size, flags))
		count_drop(RAQIB_DROP_RINGBUF);
}

static __always_inline void submit(void *rec, __u32 size)
{
	submit_flags(rec, size, BPF_RB_NO_WAKEUP);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct raqib_event_exec *e = scratch();
	char name[RAQIB_COMM_LEN] = {};
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 flags = BPF_RB_NO_WAKEUP;
	__u32 size;
	long len;

	if (!e)
		return 0;
	fill_hdr(&e->hdr, RAQIB_EV_EXEC);
	e->flags = 0;
	bpf_get_current_comm(name, sizeof(name));
	if (tgid != self_tgid &&
	    (is_watched(tgid) || bpf_map_lookup_elem(&raqib_watch_names, name))) {
		if (!set_watched(tgid, 1)) {
			count_drop(RAQIB_DROP_WATCH_FULL);
		} else {
			e->flags |= RAQIB_EVF_WATCHED;
			flags = BPF_RB_FORCE_WAKEUP; /* its TLS libraries are about to be mapped */
		}
	}
	len = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
					BPF_CORE_READ(bprm, filename));
	if (len <= 0) {
		e->filename[0] = '\0';
		len = 1;
	}
	if (len >= RAQIB_PATH_MAX)
		e->flags |= RAQIB_EVF_TRUNCATED;
	size = offsetof(struct raqib_event_exec, filename) +
	       ((__u32)(len - 1) & (RAQIB_PATH_MAX - 1)) + 1;
	e->filename_len = size - offsetof(struct raqib_event_exec, filename) - 1;
	e->hdr.size = size;
	submit_flags(e, size, flags);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid = parent->tgid;
	__u32 child_tgid = child->tgid;
	struct raqib_event_fork e = {};

	if (child_tgid == parent_tgid || !is_watched(parent_tgid))
		return 0; /* a new thread, or an unwatched parent */
	if (!set_watched(child_tgid, 1)) {
		count_drop(RAQIB_DROP_WATCH_FULL);
		return 0;
	}
	fill_hdr(&e.hdr, RAQIB_EV_FORK);
	e.hdr.size = sizeof(e);
	e.child_pid = child_tgid;
	e.child_start_ns = child->start_time;
	e.flags = RAQIB_EVF_WATCHED;
	submit_flags(&e, sizeof(e), BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct raqib_event_exit e = {};

	if ((__u32)id != tgid)
		return 0; /* a thread, not the group leader */
	fill_hdr(&e.hdr, RAQIB_EV_EXIT);
	e.hdr.size = sizeof(e);
	if (is_watched(tgid)) {
		set_watched(tgid, 0);
		e.flags = RAQIB_EVF_WATCHED;
	}
	e.exit_code = BPF_CORE_READ(task, exit_code) >> 8;
	submit(&e, sizeof(e));
	return 0;
}

/*
 * The path of a file as its process sees it, from the file's dentry up to the process's root,
 * crossing mount points the way d_path() does (which tracepoints may not call). The names are
 * written leaf first, each followed by '/' ("doc.pdf/u/home/"), into the open record in the
 * scratch buffer, and userspace turns them around (event_decode.c). One step per name or mount
 * crossing, run by bpf_loop(): the verifier checks a step once, not every unrolled iteration.
 */
struct path_walk {
	struct dentry *d;
	struct vfsmount *vmnt;
	struct mount *mnt;
	struct dentry *root;
	struct vfsmount *root_mnt;
	__u64 mnt_off; /* offsetof(struct mount, mnt) */
	__u32 off; /* bytes written */
	__u32 done; /* the root was reached */
};

static long path_walk_step(__u32 i, void *data)
{
	struct path_walk *w = data;
	struct open_scratch *sc = scratch();
	/* locals, not w->...: CO-RE relocates every access inside BPF_CORE_READ() */
	struct dentry *d = w->d, *parent;
	struct vfsmount *vmnt = w->vmnt;
	struct mount *mnt = w->mnt, *up;
	__u32 off = w->off;
	long n;

	if (!sc)
		return 1;
	if (d == w->root && vmnt == w->root_mnt) {
		w->done = 1; /* the process's root (a chroot's too) */
		return 1;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (d == BPF_CORE_READ(vmnt, mnt_root) || d == parent) {
		up = BPF_CORE_READ(mnt, mnt_parent);
		if (up == mnt) {
			w->done = 1; /* the root of the mount namespace */
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vmnt = (struct vfsmount *)((char *)up + w->mnt_off);
		return 0;
	}
	if (off >= RAQIB_PATH_MAX - 1)
		return 1;
	n = bpf_probe_read_kernel_str(sc->rec.path + (off & (RAQIB_PATH_MAX - 1)), NAME_COPY_MAX,
				      BPF_CORE_READ(d, d_name.name));
	if (n <= 0) {
		count_drop(RAQIB_DROP_PATH);
		return 1;
	}
	off += (__u32)n; /* n counts the NUL, which becomes the separator */
	sc->rec.path[(off - 1) & PATH_WALK_MASK] = '/';
	w->off = off;
	w->d = parent;
	return 0;
}

/* Writes the path of file into the scratch open record; its length, *truncated when cut. */
static __always_inline __u32 walk_path(struct task_struct *task, struct file *file,
				       bool *truncated)
{
	struct path_walk w = {
		.mnt_off = bpf_core_field_offset(struct mount, mnt),
		.d = BPF_CORE_READ(file, f_path.dentry),
		.vmnt = BPF_CORE_READ(file, f_path.mnt),
		.root = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),
	};

	w.mnt = (struct mount *)((char *)w.vmnt - w.mnt_off);
	bpf_loop(PATH_DEPTH_MAX, path_walk_step, &w, 0);
	if (!w.done)
		*truncated = true;
	return w.off;
}

/*
 * A successful open by a watched process (checked by the caller): report regular files opened
 * for reading, once per reopen_quiet_ns. Everything is read from the file the fd now points to.
 */
static __always_inline int on_open(long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct open_scratch *sc;
	struct raqib_event_open *e;
	struct reopen_key reopen = {};
	struct fd_state st = {};
	struct fd_key key;
	__u64 now, *last;
	struct fdtable *fdt;
	struct file **fds;
	struct file *file = NULL;
	struct inode *inode;
	unsigned int max_fds, flags;
	bool truncated = false;
	__u32 len, size;

	if (ret < 0)
		return 0;
	fdt = BPF_CORE_READ(task, files, fdt);
	fds = BPF_CORE_READ(fdt, fd);
	max_fds = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned long)ret >= max_fds)
		return 0;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[ret]);
	if (!file)
		return 0;
	/* Writes create or replace files an app received; only reads can send a file out. */
	flags = BPF_CORE_READ(file, f_flags);
	if ((flags & O_ACCMODE) == O_WRONLY || (flags & O_PATH))
		return 0;
	/* Regular files only: not directories, devices, pipes or sockets. */
	inode = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFREG)
		return 0;
	reopen.tgid = tgid;
	reopen.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	reopen.ino = BPF_CORE_READ(inode, i_ino);
	now = bpf_ktime_get_boot_ns();
	last = bpf_map_lookup_elem(&recent_opens, &reopen);
	if (last && now - *last < reopen_quiet_ns)
		return 0;
	bpf_map_update_elem(&recent_opens, &reopen, &now, BPF_ANY);
	sc = scratch();
	if (!sc)
		return 0;
	e = &sc->rec;
	fill_hdr(&e->hdr, RAQIB_EV_OPEN);
	e->flags = RAQIB_EVF_WATCHED;
	e->fd = (__s32)ret;
	e->open_flags = flags;
	e->dev = reopen.dev;
	e->ino = reopen.ino;
	e->size = BPF_CORE_READ(inode, i_size);
	e->mode = BPF_CORE_READ(inode, i_mode);
	len = walk_path(task, file, &truncated);
	if (len > RAQIB_PATH_MAX - 1) {
		len = RAQIB_PATH_MAX - 1;
		truncated = true;
	}
	if (truncated)
		e->flags |= RAQIB_EVF_TRUNCATED;
	barrier_var(len); /* keep the mask: the verifier needs it, the compiler thinks not */
	len &= RAQIB_PATH_MAX - 1;
	e->path[len] = '\0';
	e->path_len = len;
	size = offsetof(struct raqib_event_open, path) + len + 1;
	e->hdr.size = size;
	key.tgid = tgid;
	key.fd = (__s32)ret;
	st.dev = e->dev;
	st.ino = e->ino;
	if (bpf_map_update_elem(&open_files, &key, &st, BPF_ANY))
		count_drop(RAQIB_DROP_ARGS_FULL);
	submit(e, size);
	return 0;
}

/* The file behind fd in the current process, or NULL. */
static __always_inline struct file *file_of(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	unsigned int max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	struct file *file = NULL;

	if (fd < 0 || (unsigned int)fd >= max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/*
 * A remembered file closed: what was read is where the file position stands. read(2), readv,
 * sendfile and splice from the file move it; pread and mmap do not (their bytes are not
 * counted). Hooking read() itself would tax every read of every process on the host.
 */
static __always_inline int on_close(long ret, int fd)
{
	struct fd_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .fd = fd };
	struct raqib_event_close e = {};
	struct fd_state *st;
	struct file *file;
	__s64 pos;

	if (!is_watched(key.tgid))
		return 0; /* the cheap test first: every close on the host comes here */
	st = bpf_map_lookup_elem(&open_files, &key);
	if (!st)
		return 0;
	fill_hdr(&e.hdr, RAQIB_EV_CLOSE);
	e.hdr.size = sizeof(e);
	e.fd = fd;
	e.dev = st->dev;
	e.ino = st->ino;
	file = file_of(fd);
	pos = file ? BPF_CORE_READ(file, f_pos) : 0;
	e.bytes_read = pos > 0 ? (__u64)pos : 0;
	bpf_map_delete_elem(&open_files, &key);
	submit(&e, sizeof(e));
	return 0;
}

/* The fds of the current process are walked up to here when it becomes watched. */
#define FD_WALK_MAX 256

static long fd_walk_step(__u32 fd, void *data)
{
	__u32 *max_fds = data;

	if (fd >= *max_fds)
		return 1;
	on_open(fd);
	return 0;
}

/*
 * The regular files the current process holds open for reading, reported as if it had just
 * opened them: a process watched only now (curl, a renamed client) may have opened the file it
 * sends before it connected.
 */
static __always_inline void report_open_fds(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 max_fds = BPF_CORE_READ(task, files, fdt, max_fds);

	bpf_loop(FD_WALK_MAX, fd_walk_step, &max_fds, 0);
}

/*
 * A process that is not watched starts being watched as a channel's app: a DEST record, sent
 * at once (userspace hooks its TLS libraries), then the files it holds open.
 */
static __always_inline void watch_by_dest(__u32 tgid, const struct raqib_dest_app *app, __u32 how,
					  __u16 family, __u16 port, const __u8 *addr, __u64 cookie)
{
	struct raqib_event_dest *e;

	if (tgid == self_tgid)
		return;
	if (!set_watched(tgid, 1)) {
		count_drop(RAQIB_DROP_WATCH_FULL);
		return;
	}
	e = scratch(); /* the stack is short: the fd walk below needs its own */
	if (!e)
		return;
	fill_hdr(&e->hdr, RAQIB_EV_DEST);
	e->hdr.size = sizeof(*e);
	__builtin_memcpy(e->app_id, app->app_id, sizeof(e->app_id));
	e->how = how;
	e->family = family;
	e->port = port;
	__builtin_memcpy(e->addr, addr, sizeof(e->addr));
	e->cookie = cookie;
	submit_flags(e, sizeof(*e), BPF_RB_FORCE_WAKEUP);
	report_open_fds();
}

/*
 * connect() on an IP socket: a watched process's destination is reported; a process that is
 * not watched becomes watched when the address is in a channel's ranges (the LPM trie holds
 * IPv4 as ::ffff:a.b.c.d). Every connect of every process comes here: two user reads and a
 * trie lookup, connects being rare.
 */
static __always_inline int on_connect(long ret, int fd, const void *uaddr)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct raqib_dest_range_key key = { .prefixlen = 128 };
	const struct raqib_dest_app *app;
	struct raqib_event_connect e = {};
	struct sockaddr_in6 sa6 = {};
	struct sockaddr_in sa4 = {};
	__u16 family = 0;

	bpf_probe_read_user(&family, sizeof(family), uaddr);
	if (family == AF_INET) {
		bpf_probe_read_user(&sa4, sizeof(sa4), uaddr);
		__builtin_memcpy(e.addr, &sa4.sin_addr, 4);
		e.port = bpf_ntohs(sa4.sin_port);
		key.addr[10] = 0xff;
		key.addr[11] = 0xff;
		__builtin_memcpy(key.addr + 12, &sa4.sin_addr, 4);
	} else if (family == AF_INET6) {
		bpf_probe_read_user(&sa6, sizeof(sa6), uaddr);
		__builtin_memcpy(e.addr, &sa6.sin6_addr, 16);
		e.port = bpf_ntohs(sa6.sin6_port);
		__builtin_memcpy(key.addr, &sa6.sin6_addr, 16);
	} else {
		return 0;
	}
	if (!is_watched(tgid)) {
		app = bpf_map_lookup_elem(&raqib_dest_ranges, &key);
		if (!app)
			return 0;
		watch_by_dest(tgid, app, RAQIB_DEST_BY_ADDR, family, e.port, e.addr, 0);
		if (!is_watched(tgid))
			return 0;
	}
	fill_hdr(&e.hdr, RAQIB_EV_CONNECT);
	e.hdr.size = sizeof(e);
	e.fd = fd;
	e.ret = (__s32)ret;
	e.family = family;
	submit(&e, sizeof(e));
	return 0;
}

/*
 * Classic tracepoints (tracefs mounted). An open is handled at its exit alone: the new fd
 * leads to everything reported, so the entry of open is not traced at all.
 */
static __always_inline int exit_open(long ret)
{
	if (!is_watched(bpf_get_current_pid_tgid() >> 32))
		return 0;
	return on_open(ret);
}

SEC("tp/syscalls/sys_exit_openat")
int handle_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return exit_open(ctx->ret);
}

SEC("tp/syscalls/sys_exit_openat2")
int handle_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return exit_open(ctx->ret);
}

SEC("tp/syscalls/sys_exit_open")
int handle_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return exit_open(ctx->ret);
}

/* close and connect need no result: their entry is enough. */
SEC("tp/syscalls/sys_enter_close")
int handle_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	return on_close(0, (int)ctx->args[0]);
}

SEC("tp/syscalls/sys_enter_connect")
int handle_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return on_connect(0, (int)ctx->args[0], (const void *)ctx->args[1]);
}

/*
 * raw_tp variant: one program on every syscall exit, dispatching on the number, for hosts where
 * tracefs cannot be mounted (classic tracepoints then have no id). It gets the saved user
 * registers, so the exit alone is enough; but every syscall of every process is traced.
 * Loaded instead of the classic programs above. (close and connect are seen at their exit
 * here: the arguments are the same.)
 */
SEC("raw_tp/sys_exit")
int BPF_PROG(handle_raw_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = SYSCALL_NR(regs);

	if (nr == NR_CLOSE)
		return on_close(ret, (int)PT_REGS_PARM1_CORE_SYSCALL(regs));
	if (nr == NR_CONNECT)
		return on_connect(ret, (int)PT_REGS_PARM1_CORE_SYSCALL(regs),
				  (const void *)PT_REGS_PARM2_CORE_SYSCALL(regs));
	if (nr != NR_OPENAT && nr != NR_OPEN && nr != NR_OPENAT2)
		return 0;
	if (!is_watched(bpf_get_current_pid_tgid() >> 32))
		return 0;
	return on_open(ret);
}

/* Flows: bytes sent per socket. */

static __always_inline void read_tuple(const struct sock *sk, struct raqib_event_flow *e)
{
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->proto = BPF_CORE_READ(sk, sk_protocol);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* BPF_CORE_READ_INTO on an array copies one element: read the bytes explicitly */
	if (e->family == AF_INET) {
		bpf_core_read(e->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* Not inlined: its record has a frame of its own, off the send hook's (whose fd walk needs room). */
static __noinline void emit_flow(__u64 sk, const struct flow_state *st, __u64 bytes, __u32 reason)
{
	struct raqib_event_flow e = {};

	e.hdr.kind = RAQIB_EV_FLOW;
	e.hdr.version = RAQIB_EVENT_VERSION;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = bpf_ktime_get_boot_ns();
	e.hdr.cgroup_id = st->cgroup_id;
	e.hdr.pid = st->tgid;
	e.hdr.tid = st->tgid;
	e.hdr.ppid = st->ppid;
	e.hdr.uid = st->uid;
	e.hdr.proc_start_ns = st->start_ns;
	__builtin_memcpy(e.hdr.comm, st->comm, sizeof(e.hdr.comm));
	e.sk = sk;
	e.bytes = bytes;
	e.sends = st->sends;
	e.first_ns = st->first_ns;
	e.last_ns = st->last_ns;
	e.reason = reason;
	read_tuple((const struct sock *)sk, &e);
	submit(&e, sizeof(e));
}

/* The TLS call running on this thread (if any) writes to sk: tell userspace once. */
static __noinline void bind_tls(__u32 tid, __u32 tgid, __u64 sk)
{
	struct tls_active *active = bpf_map_lookup_elem(&raqib_tls_active, &tid);
	struct raqib_event_tls_bind e = {};
	struct raqib_event_flow t = {};
	struct tls_conn_key key = {};
	__u64 *bound;

	if (!active)
		return;
	key.tgid = tgid;
	key.conn = active->conn;
	bpf_map_delete_elem(&raqib_tls_active, &tid);
	bound = bpf_map_lookup_elem(&tls_bound, &key);
	if (bound && *bound == sk)
		return;
	bpf_map_update_elem(&tls_bound, &key, &sk, BPF_ANY);
	fill_hdr(&e.hdr, RAQIB_EV_TLS_BIND);
	e.hdr.size = sizeof(e);
	e.conn = key.conn;
	e.sk = sk;
	read_tuple((const struct sock *)sk, &t);
	e.family = t.family;
	e.proto = t.proto;
	e.sport = t.sport;
	e.dport = t.dport;
	__builtin_memcpy(e.saddr, t.saddr, sizeof(e.saddr));
	__builtin_memcpy(e.daddr, t.daddr, sizeof(e.daddr));
	submit(&e, sizeof(e));
}

/* Whether a ClientHello matched a channel lately: an inlined array load, for every send. */
static __always_inline bool dest_gate_open(void)
{
	__u32 zero = 0;
	__u64 *last = bpf_map_lookup_elem(&raqib_dest_gate, &zero);

	return last && *last;
}

/*
 * The send of a process that is not watched, on a socket whose ClientHello asked for a
 * channel's server (names.bpf.c marked it, by cookie): the process is watched from this send
 * on, the ClientHello's own bytes counted. Looked for only within RAQIB_DEST_GATE_NS of the
 * last such ClientHello, so the sends of the host cost one array lookup the rest of the time.
 */
static __noinline bool watch_by_hello(struct sock *sock, __u32 tgid)
{
	const struct raqib_dest_app *app;
	__u16 family, dport;
	__u64 *last, cookie;
	__u8 daddr[16] = {};
	__u32 zero = 0;

	last = bpf_map_lookup_elem(&raqib_dest_gate, &zero);
	if (!last || !*last)
		return false;
	if (bpf_ktime_get_boot_ns() - *last > RAQIB_DEST_GATE_NS) {
		*last = 0; /* closed: the next sends stop at the load above */
		return false;
	}
	cookie = bpf_get_socket_cookie(sock);
	app = bpf_map_lookup_elem(&raqib_dest_socks, &cookie);
	if (!app)
		return false;
	family = BPF_CORE_READ(sock, __sk_common.skc_family);
	dport = bpf_ntohs(BPF_CORE_READ(sock, __sk_common.skc_dport));
	if (family == AF_INET)
		bpf_core_read(daddr, 4, &sock->__sk_common.skc_daddr);
	else
		bpf_core_read(daddr, 16, &sock->__sk_common.skc_v6_daddr);
	watch_by_dest(tgid, app, RAQIB_DEST_BY_SNI, family, dport, daddr, cookie);
	bpf_map_delete_elem(&raqib_dest_socks, &cookie);
	return is_watched(tgid);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(handle_send, struct sock *sock, int ret, int send_flags)
{
	struct task_struct *task;
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	__u64 sk = (__u64)sock;
	__u16 family = sock->__sk_common.skc_family;
	__u64 now, prev, bytes;
	struct flow_state *st;
	struct flow_state fresh = {};

	if (ret <= 0 || (family != AF_INET && family != AF_INET6))
		return 0; /* failed sends, and Unix sockets (an app's own IPC) */
	if (!is_watched(tgid) && !(dest_gate_open() && watch_by_hello(sock, tgid)))
		return 0;
	bind_tls((__u32)id, tgid, sk);
	now = bpf_ktime_get_boot_ns();
	st = bpf_map_lookup_elem(&raqib_flows, &sk);
	if (st && st->tgid == tgid) {
		prev = st->last_ns;
		if (now - prev >= flow_burst_gap_ns)
			emit_flow(sk, st, st->bytes, RAQIB_FLOW_BURST);
		bytes = __sync_fetch_and_add(&st->bytes, (__u64)ret) + (__u64)ret;
		__sync_fetch_and_add(&st->sends, 1);
		st->last_ns = now;
		if (bytes - st->reported >= flow_report_bytes) {
			st->reported = bytes;
			emit_flow(sk, st, bytes, RAQIB_FLOW_THRESHOLD);
		}
		return 0;
	}
	/* a new socket, or one another process now sends on (a socket passed to a child) */
	task = (struct task_struct *)bpf_get_current_task();
	fresh.bytes = (__u64)ret;
	fresh.sends = 1;
	fresh.first_ns = now;
	fresh.last_ns = now;
	fresh.start_ns = BPF_CORE_READ(task, group_leader, start_time);
	fresh.cgroup_id = bpf_get_current_cgroup_id();
	fresh.tgid = tgid;
	fresh.uid = (__u32)bpf_get_current_uid_gid();
	fresh.ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	if (bpf_map_update_elem(&raqib_flows, &sk, &fresh, BPF_ANY)) {
		count_drop(RAQIB_DROP_FLOWS_FULL);
		return 0;
	}
	emit_flow(sk, &fresh, fresh.bytes, RAQIB_FLOW_OPEN);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_sock_state, const struct sock *sock, int oldstate, int newstate)
{
	__u64 sk = (__u64)sock;
	struct flow_state *st;

	if (newstate != TCP_CLOSE)
		return 0;
	st = bpf_map_lookup_elem(&raqib_flows, &sk);
	if (!st)
		return 0;
	emit_flow(sk, st, st->bytes, RAQIB_FLOW_CLOSE);
	bpf_map_delete_elem(&raqib_flows, &sk);
	return 0;
}
