/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between the BPF programs in agent/bpf/ and their userspace consumer in
 * agent/sensors/bpf_sensor.c: the records the kernel side writes into the ring buffer and the
 * maps both sides share. This header is compiled by clang for BPF and by gcc for userspace, so it
 * uses fixed-width kernel types only: no pointers, bool, enum-typed fields or bitfields, and all
 * padding is written out. Changing a layout bumps RAQIB_EVENT_VERSION and changes both sides in
 * the same commit.
 */
#ifndef RAQIB_EVENTS_H
#define RAQIB_EVENTS_H

#ifdef __bpf__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

#define RAQIB_EVENT_VERSION 1

/* TASK_COMM_LEN in the kernel. */
#define RAQIB_COMM_LEN 16
/* Longest path or exec filename carried by a record; longer ones are cut and flagged. */
#define RAQIB_PATH_MAX 512
/* Entries of the in-kernel watch list of executable names (comm, at most 15 characters). */
#define RAQIB_WATCH_NAMES_MAX 256
/* Processes watched at once (messaging apps and their children). */
#define RAQIB_WATCHED_PIDS_MAX 8192

/* Record kinds (raqib_event_hdr.kind). */
#define RAQIB_EV_EXEC 1
#define RAQIB_EV_EXIT 2
#define RAQIB_EV_OPEN 3

/* raqib_event_hdr.flags */
#define RAQIB_EVF_WATCHED 0x1   /* the process is in the watched set */
#define RAQIB_EVF_TRUNCATED 0x2 /* the path or filename tail was cut at RAQIB_PATH_MAX */

/* Per-CPU drop counters (map raqib_drops), one slot per reason. */
#define RAQIB_DROP_RINGBUF 0   /* bpf_ringbuf_output() failed: ring full */
#define RAQIB_DROP_WATCH_FULL 1 /* watched-pid map full: a watched child went unwatched */
#define RAQIB_DROP_ARGS_FULL 2 /* per-thread syscall-argument map full */
#define RAQIB_DROP_MAX 4

/*
 * Common header of every record: 64 bytes. pid is the thread-group id as seen from the root
 * pid namespace; (pid, proc_start_ns) identifies a process even when pids are reused.
 */
struct raqib_event_hdr {
	__u16 kind;
	__u16 version;
	__u32 size; /* whole record in bytes, tail included */
	__u64 ts_ns; /* bpf_ktime_get_boot_ns() */
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u64 proc_start_ns; /* group leader's start_time, boot-based ns */
	char comm[RAQIB_COMM_LEN];
};

/* A process image replaced by execve(); filename is the path passed to exec. */
struct raqib_event_exec {
	struct raqib_event_hdr hdr;
	__u32 flags; /* RAQIB_EVF_* */
	__u32 filename_len; /* bytes in filename, NUL excluded, <= RAQIB_PATH_MAX - 1 */
	char filename[RAQIB_PATH_MAX]; /* variable tail: only filename_len + 1 bytes are sent */
};

/* A thread group ended (sent for the group leader only). */
struct raqib_event_exit {
	struct raqib_event_hdr hdr;
	__u32 flags;
	__s32 exit_code;
};

/*
 * A watched process opened a regular file for reading. path is the string passed to
 * openat()/openat2(), possibly relative to dirfd or the working directory; dev and ino name the
 * file that was opened, so userspace can check the file it inspects is that one.
 */
struct raqib_event_open {
	struct raqib_event_hdr hdr;
	__u32 flags; /* RAQIB_EVF_* */
	__s32 fd; /* result of the syscall */
	__s32 dirfd;
	__u32 open_flags; /* O_* flags passed to open */
	__u64 dev; /* kernel dev_t of the superblock: major << 20 | minor */
	__u64 ino;
	__s64 size; /* i_size at open time */
	__u32 mode; /* i_mode */
	__u32 path_len; /* bytes in path, NUL excluded */
	char path[RAQIB_PATH_MAX]; /* variable tail: only path_len + 1 bytes are sent */
};

#ifndef __bpf__
_Static_assert(sizeof(struct raqib_event_hdr) == 64, "raqib_event_hdr layout");
_Static_assert(sizeof(struct raqib_event_exec) == 64 + 8 + RAQIB_PATH_MAX, "exec layout");
_Static_assert(sizeof(struct raqib_event_exit) == 72, "exit layout");
_Static_assert(sizeof(struct raqib_event_open) == 64 + 48 + RAQIB_PATH_MAX, "open layout");
_Static_assert(__builtin_offsetof(struct raqib_event_open, path) == 112, "open path offset");
#endif

#endif /* RAQIB_EVENTS_H */
