// SPDX-License-Identifier: GPL-2.0-only
/*
 * Workload of tests/bench/bench_host.sh: the syscalls the host sensor traces, in a tight loop.
 * Each iteration opens FILE, reads it in 4 KiB reads, closes it, and writes 256 bytes to a TCP
 * connection on loopback (drained by a thread), so it meets the open, read, close and
 * sock_send_length hooks. Prints the nanoseconds per iteration, of wall time and of CPU time
 * (user + system, of the loop's thread: less disturbed by other load on a shared machine than
 * wall time). With RATE, paces itself to
 * RATE iterations per second (for finding where the agent's ring buffer starts dropping).
 *
 *   syscall_load ITERATIONS FILE [RATE]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	char buf[4096], msg[256];
	long iterations, rate = 0;
	int lfd, cfd, sfd;
	pthread_t t;
	uint64_t start, cpu_start;

	if (argc < 3 || argc > 4 || (iterations = strtol(argv[1], NULL, 10)) <= 0 ||
	    (argc == 4 && (rate = strtol(argv[3], NULL, 10)) <= 0)) {
		fprintf(stderr, "usage: syscall_load ITERATIONS FILE [RATE]\n");
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len)) {
		perror("syscall_load: listen");
		return 1;
	}
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("syscall_load: connect");
		return 1;
	}
	sfd = accept(lfd, NULL, NULL);
	if (sfd < 0 || pthread_create(&t, NULL, drain, &sfd)) {
		perror("syscall_load: accept");
		return 1;
	}
	memset(msg, 'x', sizeof(msg));
	start = now_ns();
	cpu_start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (long i = 0; i < iterations; i++) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0) {
			perror("syscall_load: open");
			return 1;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		close(fd);
		if (write(cfd, msg, sizeof(msg)) != (ssize_t)sizeof(msg)) {
			perror("syscall_load: write");
			return 1;
		}
		if (rate && i % 100 == 99) {
			uint64_t due = start + (uint64_t)((double)(i + 1) * 1e9 / (double)rate);
			uint64_t now = now_ns();

			if (due > now) {
				struct timespec d = { (time_t)((due - now) / 1000000000u),
						      (long)((due - now) % 1000000000u) };

				nanosleep(&d, NULL);
			}
		}
	}
	printf("%.1f %.1f\n", (double)(now_ns() - start) / (double)iterations,
	       (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_start) / (double)iterations);
	shutdown(cfd, SHUT_WR);
	pthread_join(t, NULL);
	return 0;
}
