// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event loop of the agent (see loop.h): epoll for file descriptors, a small array of interval
 * timers checked after every wait. The wait never exceeds the next timer's deadline, so timers
 * fire on time whether or not input arrives.
 */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 16

struct loop_fd {
	int fd;
	loop_fd_fn fn;
	void *ctx;
};

struct loop_timer {
	unsigned interval_ms;
	uint64_t next_ms;
	loop_timer_fn fn;
	void *ctx;
};

struct loop {
	int epfd;
	struct loop_fd *fds;
	size_t n_fds;
	struct loop_timer *timers;
	size_t n_timers;
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct loop *loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	return loop;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop->fds);
	free(loop->timers);
	free(loop);
}

int loop_add_fd(struct loop *loop, int fd, loop_fd_fn fn, void *ctx)
{
	struct loop_fd *fds = reallocarray(loop->fds, loop->n_fds + 1, sizeof(*fds));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!fds)
		return -ENOMEM;
	loop->fds = fds;
	/* the index, not a pointer: the array may move when it grows */
	ev.data.u64 = loop->n_fds;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	fds[loop->n_fds++] = (struct loop_fd){ .fd = fd, .fn = fn, .ctx = ctx };
	return 0;
}

int loop_add_timer(struct loop *loop, unsigned interval_ms, loop_timer_fn fn, void *ctx)
{
	struct loop_timer *t = reallocarray(loop->timers, loop->n_timers + 1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	loop->timers = t;
	t[loop->n_timers++] = (struct loop_timer){
		.interval_ms = interval_ms ? interval_ms : 1,
		.next_ms = loop_now_ms() + interval_ms,
		.fn = fn,
		.ctx = ctx,
	};
	return 0;
}

static int run_timers(struct loop *loop, uint64_t now)
{
	for (size_t i = 0; i < loop->n_timers; i++) {
		struct loop_timer *t = &loop->timers[i];
		int err;

		if (now < t->next_ms)
			continue;
		t->next_ms = now + t->interval_ms;
		err = t->fn(t->ctx, now);
		if (err)
			return err;
	}
	return 0;
}

static int wait_ms(const struct loop *loop, uint64_t now, uint64_t end)
{
	uint64_t next = end ? end : now + 1000;

	for (size_t i = 0; i < loop->n_timers; i++)
		if (loop->timers[i].next_ms < next)
			next = loop->timers[i].next_ms;
	return next > now ? (int)(next - now) : 0;
}

int loop_run(struct loop *loop, volatile sig_atomic_t *stop, uint64_t duration_ms)
{
	uint64_t start = loop_now_ms();
	uint64_t end = duration_ms ? start + duration_ms : 0;
	struct epoll_event events[MAX_EVENTS];

	while (!*stop) {
		uint64_t now = loop_now_ms();
		int n, err;

		if (end && now >= end)
			break;
		n = epoll_wait(loop->epfd, events, MAX_EVENTS, wait_ms(loop, now, end));
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			struct loop_fd *f = &loop->fds[events[i].data.u64];

			err = f->fn(f->ctx, f->fd);
			if (err)
				return err;
		}
		err = run_timers(loop, loop_now_ms());
		if (err)
			return err;
	}
	return 0;
}
