/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's event loop: one thread waiting (epoll) on the file descriptors of its sensors (BPF
 * ring buffers, packet captures) and running periodic tasks (heartbeats, outbox retries, flow
 * expiry). Sensors and stages register themselves; nothing blocks the loop for long.
 */
#ifndef RAQIB_AGENT_LOOP_H
#define RAQIB_AGENT_LOOP_H

#include <signal.h>
#include <stdint.h>

struct loop;

/* Called when fd is readable. Return 0 to go on, a negative errno to stop the loop with it. */
typedef int (*loop_fd_fn)(void *ctx, int fd);

/* Called every interval. Same return convention. */
typedef int (*loop_timer_fn)(void *ctx, uint64_t now_ms);

struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Watches fd for input. Returns 0, -ENOMEM, or -errno from epoll_ctl(). */
int loop_add_fd(struct loop *loop, int fd, loop_fd_fn fn, void *ctx);

/* Runs fn every interval_ms (first run one interval from now). Returns 0 or -ENOMEM. */
int loop_add_timer(struct loop *loop, unsigned interval_ms, loop_timer_fn fn, void *ctx);

/*
 * Runs until *stop becomes non-zero (set by a signal handler), a callback fails, or
 * duration_ms elapses (0: no limit). Returns 0 or the failing callback's error.
 */
int loop_run(struct loop *loop, volatile sig_atomic_t *stop, uint64_t duration_ms);

/* Monotonic milliseconds, the clock timers use. */
uint64_t loop_now_ms(void);

#endif /* RAQIB_AGENT_LOOP_H */
