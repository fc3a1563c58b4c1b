// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network workload of tests/bench/bench_host.sh, for what the names tier (cgroup_skb on every
 * packet) and destination watching (the connect hook of every process, the send hook's gate)
 * cost the host's other processes. On loopback, by an unwatched process:
 *
 *   net_load udp COUNT       COUNT datagrams of 200 bytes, each a packet out and in
 *   net_load tcp MIB         MIB mebibytes in 16 KiB writes to a draining thread
 *   net_load connect COUNT   COUNT TCP connections opened, one byte sent, closed
 *
 * Prints the nanoseconds per datagram, MiB or connection, of wall time and of CPU time (the
 * process's: user + system).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

/* Accepts and drains connections until the listener is shut down. */
static void *serve(void *arg)
{
	int lfd = *(int *)arg, fd;
	char buf[64];

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	return NULL;
}

static int listener(int type, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, type, 0);

	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr->sin_port = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    (type == SOCK_STREAM && listen(fd, 128)) ||
	    getsockname(fd, (struct sockaddr *)addr, &len)) {
		perror("net_load: listen");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	static char buf[16384];
	struct sockaddr_in addr;
	long n;
	int lfd, fd;
	pthread_t t;
	uint64_t start, cpu;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: net_load udp|tcp|connect COUNT\n");
		return 2;
	}
	if (strcmp(argv[1], "udp") == 0) {
		lfd = listener(SOCK_DGRAM, &addr);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			perror("net_load: udp");
			return 1;
		}
		start = clock_ns(CLOCK_MONOTONIC);
		cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		for (long i = 0; i < n; i++) {
			if (send(fd, buf, 200, 0) != 200 || recv(lfd, buf, sizeof(buf), 0) != 200) {
				perror("net_load: udp");
				return 1;
			}
		}
	} else if (strcmp(argv[1], "tcp") == 0) {
		int sfd;

		lfd = listener(SOCK_STREAM, &addr);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
		    (sfd = accept(lfd, NULL, NULL)) < 0 || pthread_create(&t, NULL, drain, &sfd)) {
			perror("net_load: tcp");
			return 1;
		}
		start = clock_ns(CLOCK_MONOTONIC);
		cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		for (long i = 0; i < n * 64; i++) {
			if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
				perror("net_load: tcp");
				return 1;
			}
		}
		shutdown(fd, SHUT_WR);
		pthread_join(t, NULL);
	} else if (strcmp(argv[1], "connect") == 0) {
		lfd = listener(SOCK_STREAM, &addr);
		if (pthread_create(&t, NULL, serve, &lfd)) {
			perror("net_load: connect");
			return 1;
		}
		start = clock_ns(CLOCK_MONOTONIC);
		cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		for (long i = 0; i < n; i++) {
			fd = socket(AF_INET, SOCK_STREAM, 0);
			if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
			    write(fd, buf, 1) != 1) {
				perror("net_load: connect");
				return 1;
			}
			close(fd);
		}
	} else {
		fprintf(stderr, "usage: net_load udp|tcp|connect COUNT\n");
		return 2;
	}
	printf("%.1f %.1f\n", (double)(clock_ns(CLOCK_MONOTONIC) - start) / (double)n,
	       (double)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu) / (double)n);
	return 0;
}
