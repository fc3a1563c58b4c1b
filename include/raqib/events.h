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

#define RAQIB_EVENT_VERSION 3

/* TASK_COMM_LEN in the kernel. */
#define RAQIB_COMM_LEN 16
/* Longest path or exec filename carried by a record; longer ones are cut and flagged. */
#define RAQIB_PATH_MAX 512
/* Entries of the in-kernel watch list of executable names (comm, at most 15 characters). */
#define RAQIB_WATCH_NAMES_MAX 256
/*
 * The watched set is an array indexed by thread-group id, one byte per pid: a lookup in it is
 * a bounds check and a load that the verifier inlines, where a hash lookup hashes the key and
 * walks a bucket -- and it runs in every traced syscall of every process on the host. The
 * loader sizes it to kernel.pid_max at start (this default otherwise).
 */
#define RAQIB_WATCHED_PIDS_DEFAULT 32768
/* Files open in watched processes that are followed; sockets whose sent bytes are counted. */
#define RAQIB_OPEN_FILES_MAX 16384
#define RAQIB_FLOWS_MAX	     16384
/* TLS plaintext: bytes copied per record, and records per library call at most. */
#define RAQIB_TLS_CHUNK_MAX  4096
#define RAQIB_TLS_CHUNKS_MAX 16

/* Record kinds (raqib_event_hdr.kind). */
#define RAQIB_EV_EXEC 1
#define RAQIB_EV_EXIT 2
#define RAQIB_EV_OPEN 3
#define RAQIB_EV_FORK	  4 /* a watched process started another (fork without exec) */
#define RAQIB_EV_CLOSE	  5 /* a watched process closed a file it opened: what it read */
#define RAQIB_EV_CONNECT  6 /* a watched process called connect() on an IP socket */
#define RAQIB_EV_FLOW	  7 /* bytes a watched process sent on an IP socket so far */
#define RAQIB_EV_TLS_DATA 8 /* plaintext a watched process handed to a TLS library */
#define RAQIB_EV_TLS_BIND 9 /* the socket a TLS connection of a watched process writes to */
#define RAQIB_EV_PACKET	  10 /* a packet that names a server (names.bpf.c): RAQIB_PKT_* */
#define RAQIB_EV_DEST	  11 /* a process became watched: its connection goes to a channel */

/* raqib_event_hdr.flags */
#define RAQIB_EVF_WATCHED 0x1   /* the process is in the watched set */
#define RAQIB_EVF_TRUNCATED 0x2 /* the path or filename was cut at RAQIB_PATH_MAX */

/*
 * Per-CPU drop counters (map raqib_drops), one slot per reason; each reason belongs to the
 * programs named after it, so the counters say which program lost what:
 *   RINGBUF      core programs: bpf_ringbuf_output() failed, ring full;
 *   WATCH_FULL   exec/fork: a pid past the watched array (kernel.pid_max raised after start):
 *                that app or child went unwatched;
 *   ARGS_FULL    open exit: open-file map full, what is read from that file is not told;
 *   FLOWS_FULL   sock_send_length: flow map full, a socket's bytes are not counted;
 *   TLS_RINGBUF  TLS uprobes: ring full, plaintext lost;
 *   TLS_CUT      TLS uprobes: calls longer than the capture limit (their tail not copied);
 *   PATH         open exit: a name of the file's path could not be read (the path is cut);
 *   PKT_RINGBUF  names tier: ring full, a DNS answer or handshake lost (a server unnamed).
 */
#define RAQIB_DROP_RINGBUF     0
#define RAQIB_DROP_WATCH_FULL  1
#define RAQIB_DROP_ARGS_FULL   2
#define RAQIB_DROP_FLOWS_FULL  3
#define RAQIB_DROP_TLS_RINGBUF 4
#define RAQIB_DROP_TLS_CUT     5
#define RAQIB_DROP_PATH	       6
#define RAQIB_DROP_PKT_RINGBUF 7
#define RAQIB_DROP_MAX	       8

/* raqib_event_flow.reason: why the record was sent. */
#define RAQIB_FLOW_OPEN	     1 /* first bytes on the socket (carries its 4-tuple) */
#define RAQIB_FLOW_THRESHOLD 2 /* another flow_report_bytes were sent */
#define RAQIB_FLOW_BURST     3 /* idle for flow_burst_gap_ns: the bytes before this send */
#define RAQIB_FLOW_CLOSE     4 /* the TCP connection closed */
#define RAQIB_FLOW_SCAN	     5 /* userspace read the flow map (not sent by the kernel) */

/* raqib_event_packet.what: what the names tier copied. */
#define RAQIB_PKT_DNS	       1 /* a DNS answer delivered to a socket (UDP from port 53) */
#define RAQIB_PKT_TLS_HELLO    2 /* a TCP segment starting with a TLS ClientHello record */
#define RAQIB_PKT_QUIC_INITIAL 3 /* a UDP datagram of 1200 bytes or more in a QUIC long header */
/* Bytes of a packet copied, from its IP header: a DNS answer, a ClientHello, a QUIC Initial. */
#define RAQIB_PKT_MAX 4096

/*
 * Destination watching: a process of any name that connects to a channel's addresses, or whose
 * TLS ClientHello asks for a channel's server, is watched from then on as that channel's app.
 * Server names are matched in the kernel by the hash of their suffixes (names.bpf.c): each
 * name of the catalog ("*.whatsapp.net", "web.telegram.org") is stored as the hash of its
 * labels read from the end, RAQIB_NAME_HASH_* below, which the ClientHello's SNI is hashed with
 * the same way, one label boundary at a time.
 */
#define RAQIB_APP_ID_MAX      32 /* catalog app ids ("whatsapp") in kernel maps, NUL-padded */
#define RAQIB_DEST_NAMES_MAX  4096
#define RAQIB_DEST_RANGES_MAX 4096
#define RAQIB_SNI_MAX	      128 /* SNI bytes the kernel hashes; longer names are not matched */
#define RAQIB_NAME_HASH_SEED  0xcbf29ce484222325ull
#define RAQIB_NAME_HASH_MUL   0x100000001b3ull
/* A socket whose ClientHello matched is looked for by the send hook for this long. */
#define RAQIB_DEST_GATE_NS (10ull * 1000000000ull)

/* raqib_event_dest.how */
#define RAQIB_DEST_BY_ADDR 1 /* connect() to an address in a channel's ranges */
#define RAQIB_DEST_BY_SNI  2 /* a ClientHello asking for a channel's server */

/* Value of the kernel maps of channel names and ranges. */
struct raqib_dest_app {
	char app_id[RAQIB_APP_ID_MAX];
	__u32 exact; /* names: the whole name only ("wa.me"), not its subdomains */
	__u32 pad;
};

/* Key of the LPM trie of channel ranges: prefix length, then 16 bytes (IPv4 mapped ::ffff:). */
struct raqib_dest_range_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* raqib_event_tls_data.lib */
#define RAQIB_TLS_OPENSSL 1 /* SSL_write, SSL_write_ex (libssl) */
#define RAQIB_TLS_GNUTLS  2 /* gnutls_record_send (libgnutls) */
#define RAQIB_TLS_NSS	  3 /* PR_Write, PR_Send (libnspr4, under NSS) */

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
 * A watched process opened a regular file for reading. path is the file's absolute path as the
 * process sees it (from its root, through its mount namespace), made from the file's dentries
 * in the kernel -- not the string passed to open(), which may be relative. The kernel writes the
 * names leaf first ("doc.pdf/u/home/"); event_decode() turns them into "/home/u/doc.pdf". With
 * RAQIB_EVF_TRUNCATED the top of the path is missing and the decoded path is relative.
 * dev and ino name the file that was opened, so userspace can check the file it inspects is that
 * one.
 */
struct raqib_event_open {
	struct raqib_event_hdr hdr;
	__u32 flags; /* RAQIB_EVF_* */
	__s32 fd; /* result of the syscall */
	__u32 open_flags; /* the file's O_* flags (f_flags) */
	__u32 pad;
	__u64 dev; /* kernel dev_t of the superblock: major << 20 | minor */
	__u64 ino;
	__s64 size; /* i_size at open time */
	__u32 mode; /* i_mode */
	__u32 path_len; /* bytes in path, NUL excluded */
	char path[RAQIB_PATH_MAX]; /* variable tail: only path_len + 1 bytes are sent */
};

/* A watched process forked a new process (threads are not reported); the header is the parent's. */
struct raqib_event_fork {
	struct raqib_event_hdr hdr;
	__u32 child_pid;
	__u32 flags;
	__u64 child_start_ns;
};

/*
 * A watched process closed a regular file it had opened. bytes_read is the file position at
 * close: what read(2), readv, sendfile and splice consumed (pread and mmap leave it unmoved).
 */
struct raqib_event_close {
	struct raqib_event_hdr hdr;
	__s32 fd;
	__u32 pad;
	__u64 dev; /* kernel dev_t, as in raqib_event_open */
	__u64 ino;
	__u64 bytes_read;
};

/* connect() by a watched process on an AF_INET or AF_INET6 socket. */
struct raqib_event_connect {
	struct raqib_event_hdr hdr;
	__s32 fd;
	__s32 ret; /* 0, or -EINPROGRESS for a non-blocking connect, or another -errno */
	__u16 family;
	__u16 port; /* host byte order */
	__u8 pad[4];
	__u8 addr[16]; /* IPv4 in the first 4 bytes */
};

/*
 * Bytes a watched process sent on one IP socket, cumulative since its first send, from
 * sock:sock_send_length (every send path: write, send*, sendfile, splice). The header names the
 * owner (the process that sent first), even for a close seen outside its context.
 */
struct raqib_event_flow {
	struct raqib_event_hdr hdr;
	__u64 sk; /* kernel socket address: an identity, never dereferenced */
	__u64 bytes;
	__u64 sends;
	__u64 first_ns; /* boot-based ns of the first and the last send */
	__u64 last_ns;
	__u16 family;
	__u16 proto; /* IPPROTO_TCP, IPPROTO_UDP */
	__u16 sport; /* host byte order */
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 reason; /* RAQIB_FLOW_* */
	__u8 pad[4];
};

/*
 * Plaintext a watched process passed to a TLS library's write call, one record per chunk of at
 * most RAQIB_TLS_CHUNK_MAX bytes (a call yields up to tls_max_chunks records).
 */
struct raqib_event_tls_data {
	struct raqib_event_hdr hdr;
	__u64 conn; /* the library's connection object (SSL *, gnutls_session_t, PRFileDesc *) */
	__u32 lib; /* RAQIB_TLS_* */
	__u32 flags;
	__u32 call_len; /* bytes the call was asked to write */
	__u32 offset; /* of this chunk within the call */
	__u32 len; /* bytes in data */
	__u8 pad[4];
	__u8 data[RAQIB_TLS_CHUNK_MAX]; /* variable tail: only len bytes are sent */
};

/* The socket a TLS connection (tgid, conn) sends on: its 4-tuple, once per (conn, socket). */
struct raqib_event_tls_bind {
	struct raqib_event_hdr hdr;
	__u64 conn;
	__u64 sk;
	__u16 family;
	__u16 proto;
	__u16 sport;
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

/*
 * A packet that names a server, copied by the names tier (cgroup_skb on the root of the cgroup
 * v2 hierarchy, so every process of every network namespace) from its IP header: DNS answers
 * coming in, TLS ClientHellos and QUIC Initials going out. The header carries no process (the
 * hook may run outside the sender's context): pid 0; uid is the socket's owner, cgroup_id the
 * socket's cgroup.
 */
struct raqib_event_packet {
	struct raqib_event_hdr hdr;
	__u64 cookie; /* the socket's cookie (bpf_get_socket_cookie) */
	__u32 what; /* RAQIB_PKT_* */
	__u32 wire_len; /* bytes of the packet (skb->len) */
	__u32 len; /* bytes in data */
	__u8 pad[4];
	__u8 data[RAQIB_PKT_MAX]; /* variable tail: only len bytes are sent */
};

/*
 * A process that was not watched connected to a channel's address, or sent a ClientHello
 * asking for a channel's server: it is watched from now on, and counts as that app. The header
 * is the process's. Sent before the bytes of that connection are counted.
 */
struct raqib_event_dest {
	struct raqib_event_hdr hdr;
	char app_id[RAQIB_APP_ID_MAX];
	__u32 how; /* RAQIB_DEST_BY_* */
	__u16 family;
	__u16 port; /* host byte order */
	__u8 addr[16];
	__u64 cookie; /* by SNI: the socket's cookie */
};

#ifndef __bpf__
_Static_assert(sizeof(struct raqib_event_hdr) == 64, "raqib_event_hdr layout");
_Static_assert(sizeof(struct raqib_event_dest) == 64 + 32 + 8 + 16 + 8, "dest layout");
_Static_assert(sizeof(struct raqib_dest_app) == 40, "dest app layout");
_Static_assert(__builtin_offsetof(struct raqib_event_packet, data) == 88, "packet data offset");
_Static_assert(sizeof(struct raqib_event_exec) == 64 + 8 + RAQIB_PATH_MAX, "exec layout");
_Static_assert(sizeof(struct raqib_event_exit) == 72, "exit layout");
_Static_assert(sizeof(struct raqib_event_open) == 64 + 48 + RAQIB_PATH_MAX, "open layout");
_Static_assert(__builtin_offsetof(struct raqib_event_open, path) == 112, "open path offset");
_Static_assert(sizeof(struct raqib_event_fork) == 80, "fork layout");
_Static_assert(sizeof(struct raqib_event_close) == 96, "close layout");
_Static_assert(sizeof(struct raqib_event_connect) == 96, "connect layout");
_Static_assert(sizeof(struct raqib_event_flow) == 152, "flow layout");
_Static_assert(__builtin_offsetof(struct raqib_event_flow, daddr) == 128, "flow daddr offset");
_Static_assert(__builtin_offsetof(struct raqib_event_tls_data, data) == 96, "tls data offset");
_Static_assert(sizeof(struct raqib_event_tls_data) == 96 + RAQIB_TLS_CHUNK_MAX, "tls layout");
_Static_assert(sizeof(struct raqib_event_tls_bind) == 120, "tls bind layout");
#endif

#endif /* RAQIB_EVENTS_H */
