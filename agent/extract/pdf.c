// SPDX-License-Identifier: GPL-2.0-only
/*
 * PDF extraction in a sandboxed child process (see pdf.h).
 *
 * The child is a fork() of the agent: it sees the document in its copy of memory, so nothing
 * is copied or written to disk. Before it touches the document it keeps only the write end of
 * a pipe (as fd 3), resets signal dispositions, refuses core dumps (they would hold document
 * text), limits its address space and CPU time, and installs a seccomp filter: memory, reading
 * files (poppler's CMaps) and writing to fd 3 are allowed; every other system call (sockets,
 * exec, fork, ptrace, writing elsewhere) fails with EPERM. It then writes records to the pipe:
 *
 *	type (1 byte) | length (4 bytes, little endian) | payload
 *	'L' a line of text (at most MAX_LINE bytes), 'S' the open status and the count of
 *	unreadable pages (1 byte each), 'E' the end.
 *
 * The parent reads with a deadline, checks every length (a compromised child is hostile
 * too), feeds the lines, and kills the child by its pid at the time or text limit. A child
 * that dies before 'E' (a crash, the memory or CPU limit) leaves a partial result.
 */
#include "pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#define CHILD_FD    3
#define MAX_LINE    (64u * 1024)
#define RECORD_HEAD 5
#define READ_BUF    (MAX_LINE + RECORD_HEAD + 4096)

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static void report_status(struct extract_ctx *ctx, enum pdf_open_status status,
			  unsigned damaged_pages)
{
	if (status == PDF_OPEN_ENCRYPTED)
		extract_ctx_encrypted(ctx, "password-protected PDF");
	else if (status == PDF_OPEN_DAMAGED)
		extract_ctx_damaged(ctx, "unreadable PDF");
	else if (damaged_pages)
		extract_ctx_damaged(ctx, "%u unreadable PDF pages", damaged_pages);
}

static int feed_line(void *arg, const char *utf8, size_t len)
{
	struct extract_ctx *ctx = arg;
	int err;

	if (extract_ctx_stopped(ctx))
		return -ECANCELED;
	err = extract_ctx_feed(ctx, utf8, len);
	return err ? err : extract_ctx_feed(ctx, "\n", 1);
}

int extract_pdf_inprocess(struct extract_ctx *ctx, const void *buf, size_t len)
{
	enum pdf_open_status status;
	unsigned damaged;
	int err;

	err = extract_ctx_part(ctx, RULES_PART_BODY);
	if (!err)
		err = pdf_text_lines(buf, len, feed_line, ctx, &status, &damaged);
	if (err == -ECANCELED)
		return 0;
	if (!err)
		report_status(ctx, status, damaged);
	return err;
}

/* ---- child side ---- */

static void write_all(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(CHILD_FD, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1); /* the parent is gone or stopped reading */
		p += n;
		len -= (size_t)n;
	}
}

static void write_record(char type, const void *payload, uint32_t len)
{
	unsigned char head[RECORD_HEAD] = { (unsigned char)type, len & 0xff, (len >> 8) & 0xff,
					    (len >> 16) & 0xff, len >> 24 };

	write_all(head, sizeof(head));
	write_all(payload, len);
}

static int child_line(void *arg, const char *utf8, size_t len)
{
	write_record('L', utf8, len > MAX_LINE ? MAX_LINE : (uint32_t)len);
	return 0;
}

static int install_seccomp(void)
{
	static const int allowed[] = {
		SCMP_SYS(read),
		SCMP_SYS(pread64),
		SCMP_SYS(readv),
		SCMP_SYS(close),
		SCMP_SYS(fstat),
		SCMP_SYS(newfstatat),
		SCMP_SYS(statx),
		SCMP_SYS(lseek),
		SCMP_SYS(mmap),
		SCMP_SYS(munmap),
		SCMP_SYS(mremap),
		SCMP_SYS(mprotect),
		SCMP_SYS(brk),
		SCMP_SYS(madvise),
		SCMP_SYS(futex),
		SCMP_SYS(exit),
		SCMP_SYS(exit_group),
		SCMP_SYS(rt_sigreturn),
		SCMP_SYS(rt_sigprocmask),
		SCMP_SYS(getrandom),
		SCMP_SYS(clock_gettime),
		SCMP_SYS(gettimeofday),
		SCMP_SYS(getpid),
		SCMP_SYS(gettid),
		SCMP_SYS(tgkill),
		SCMP_SYS(sched_yield),
		SCMP_SYS(fcntl),
		SCMP_SYS(getdents64),
		SCMP_SYS(readlink),
		SCMP_SYS(access),
		SCMP_SYS(faccessat),
		SCMP_SYS(sigaltstack),
		SCMP_SYS(rt_sigaction),
	};
	const struct scmp_arg_cmp to_pipe = { .arg = 0, .op = SCMP_CMP_EQ, .datum_a = CHILD_FD };
	const struct scmp_arg_cmp openat_ro = { .arg = 2,
						.op = SCMP_CMP_MASKED_EQ,
						.datum_a = O_ACCMODE | O_CREAT | O_TRUNC,
						.datum_b = O_RDONLY };
	const struct scmp_arg_cmp open_ro = { .arg = 1,
					      .op = SCMP_CMP_MASKED_EQ,
					      .datum_a = O_ACCMODE | O_CREAT | O_TRUNC,
					      .datum_b = O_RDONLY };
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int err = f ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed[i], 0);
	/* writes only to the pipe; files open only for reading */
	if (!err)
		err = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, &to_pipe);
	if (!err)
		err = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, &openat_ro);
	if (!err)
		err = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(open), 1, &open_ro);
	if (!err)
		err = seccomp_load(f);
	seccomp_release(f);
	return err;
}

static void set_limit(int resource, rlim_t value)
{
	struct rlimit rl = { value, value };

	setrlimit(resource, &rl);
}

#ifndef UNDER_ASAN
/* Address space the child already has (the agent's, inherited): /proc/self/statm, in bytes. */
static rlim_t mapped_bytes(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
}
#endif

static void child_confine(const struct extract_limits *limits, int pipe_fd)
{
	static const int reset[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2 };
	sigset_t none;
#ifndef UNDER_ASAN
	rlim_t mapped = mapped_bytes(); /* before /proc is out of reach */
#endif

	if (dup2(pipe_fd, CHILD_FD) < 0)
		_exit(1);
	if (close_range(CHILD_FD + 1, ~0u, 0) < 0)
		_exit(1);
	/* stdin, stdout, stderr: nothing of the document may leave through them */
	for (int fd = 0; fd < CHILD_FD; fd++) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0 && null != fd) {
			dup2(null, fd);
			close(null);
		}
	}
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		signal(reset[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	set_limit(RLIMIT_CORE, 0);
	set_limit(RLIMIT_FSIZE, 0);
	set_limit(RLIMIT_CPU, limits->max_ms ? limits->max_ms / 1000 + 1 : RLIM_INFINITY);
#ifndef UNDER_ASAN
	/*
	 * The parser may map max_parser_memory_bytes beyond what the agent already maps. Not
	 * under AddressSanitizer, which reserves terabytes of shadow address space.
	 */
	if (limits->max_parser_memory_bytes)
		set_limit(RLIMIT_AS, mapped + limits->max_parser_memory_bytes);
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || install_seccomp() < 0)
		_exit(1);
}

static void child_main(const struct extract_limits *limits, int pipe_fd, const void *buf,
		       size_t len)
{
	enum pdf_open_status status;
	unsigned damaged;
	unsigned char st[2];

	child_confine(limits, pipe_fd);
	if (pdf_text_lines(buf, len, child_line, NULL, &status, &damaged))
		_exit(1);
	st[0] = (unsigned char)status;
	st[1] = (unsigned char)(damaged > 255 ? 255 : damaged);
	write_record('S', st, sizeof(st));
	write_record('E', NULL, 0);
	_exit(0);
}

/* ---- parent side ---- */

struct reader {
	unsigned char buf[READ_BUF];
	size_t len;
	bool ended; /* 'E' received */
	bool bad; /* a record broke the protocol */
	enum pdf_open_status status;
	unsigned damaged;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Consumes the complete records at the start of r->buf. Returns 0 or the sink's error. */
static int consume(struct extract_ctx *ctx, struct reader *r)
{
	size_t off = 0;
	int err = 0;

	while (!err && !r->bad && r->len - off >= RECORD_HEAD) {
		const unsigned char *h = r->buf + off;
		uint32_t n = h[1] | h[2] << 8 | h[3] << 16 | (uint32_t)h[4] << 24;

		if (n > MAX_LINE) {
			r->bad = true;
			break;
		}
		if (r->len - off < RECORD_HEAD + n)
			break;
		switch (h[0]) {
		case 'L':
			err = feed_line(ctx, (const char *)h + RECORD_HEAD, n);
			break;
		case 'S':
			if (n != 2 || h[5] > PDF_OPEN_ENCRYPTED) {
				r->bad = true;
				break;
			}
			r->status = h[5];
			r->damaged = h[6];
			break;
		case 'E':
			r->ended = true;
			break;
		default:
			r->bad = true;
			break;
		}
		explicit_bzero(r->buf + off, RECORD_HEAD + n);
		off += RECORD_HEAD + n;
	}
	memmove(r->buf, r->buf + off, r->len - off);
	r->len -= off;
	return err == -ECANCELED ? 0 : err;
}

static void report_child_end(struct extract_ctx *ctx, const struct reader *r, int wstatus)
{
	if (r->ended && !r->bad) {
		report_status(ctx, r->status, r->damaged);
		return;
	}
	if (r->bad)
		extract_ctx_damaged(ctx, "PDF parser broke its protocol");
	else if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGXCPU)
		extract_ctx_limit(ctx, "time limit of %u ms reached", ctx->limits->max_ms);
	else if (WIFSIGNALED(wstatus))
		extract_ctx_damaged(ctx, "PDF parser stopped by signal %d", WTERMSIG(wstatus));
	else
		extract_ctx_damaged(ctx, "PDF parser failed (out of memory or malformed file)");
}

int extract_pdf(struct extract_ctx *ctx, const void *buf, size_t len)
{
	struct reader *r = calloc(1, sizeof(*r));
	int fds[2], wstatus = 0, err = 0;
	pid_t pid;

	if (!r)
		return -ENOMEM;
	err = extract_ctx_part(ctx, RULES_PART_BODY);
	if (err)
		goto out;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		err = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		goto out;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(ctx->limits, fds[1], buf, len);
	}
	close(fds[1]);
	while (!err && !r->ended && !r->bad) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int timeout = -1;
		ssize_t n;

		if (ctx->deadline_ns) {
			int64_t left = ctx->deadline_ns / 1000000 - now_ms();

			if (left <= 0) {
				extract_ctx_limit(ctx, "time limit of %u ms reached",
						  ctx->limits->max_ms);
				break;
			}
			timeout = left > 1000 ? 1000 : (int)left;
		}
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(fds[0], r->buf + r->len, sizeof(r->buf) - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the child is gone */
		r->len += (size_t)n;
		err = consume(ctx, r);
		if (ctx->stopped)
			break;
	}
	close(fds[0]);
	if (!r->ended)
		kill(pid, SIGKILL); /* our own child, by its pid */
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (!err && !ctx->stopped)
		report_child_end(ctx, r, wstatus);
out:
	explicit_bzero(r, sizeof(*r));
	free(r);
	return err;
}
