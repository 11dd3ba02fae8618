/* The event loop (see loop.h). */
#define _GNU_SOURCE /* ppoll */
#include "net/loop.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/clock.h"

typedef struct round {
    struct pollfd fds[LOOP_MAX_ENGINES * LOOP_ENGINE_FDS];
    int first[LOOP_MAX_ENGINES]; /* each engine's slice of fds */
    int used[LOOP_MAX_ENGINES];
    int total;
    int64_t deadline;
} round;

/* Asks every unfinished engine what it waits on. Returns false when all
 * have finished, with the worst status in *STATUS. */
static bool prepare_round(loop_engine *e, int count, int64_t now, round *r, int *status)
{
    r->total = 0;
    r->deadline = LOOP_NEVER;
    bool any = false;
    *status = 0;
    for (int i = 0; i < count; i++) {
        int s = 0;
        r->first[i] = r->total;
        r->used[i] = 0;
        if (e[i].finished(e[i].self, &s)) {
            if (s > *status)
                *status = s;
            continue;
        }
        any = true;
        r->used[i] = e[i].prepare(e[i].self, now, r->fds + r->total, LOOP_ENGINE_FDS, &r->deadline);
        r->total += r->used[i];
    }
    return any;
}

static void dispatch_round(loop_engine *e, int count, int64_t now, const round *r)
{
    for (int i = 0; i < count; i++) {
        int s;
        if (!e[i].finished(e[i].self, &s))
            e[i].dispatch(e[i].self, now, r->fds + r->first[i], r->used[i]);
    }
}

static void stop_all(loop_engine *e, int count, int64_t now)
{
    for (int i = 0; i < count; i++) {
        int s;
        if (!e[i].finished(e[i].self, &s))
            e[i].stop(e[i].self, now);
    }
}

/* The signals that end a program (its handler sets the stop flag). */
static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGQUIT);
}

static int run_blocked(loop_engine *engines, int count, volatile sig_atomic_t *stop_flag,
                       const sigset_t *wait_mask)
{
    bool stopped = false;
    static round r; /* large; one loop per process */
    for (;;) {
        int64_t now = clock_now_ns();
        if (stop_flag && *stop_flag && !stopped) {
            stopped = true;
            stop_all(engines, count, now);
        }
        int status;
        if (!prepare_round(engines, count, now, &r, &status))
            return status;
        /* ppoll takes nanoseconds: a 2.5 ms frame is due at its instant,
         * not at the next whole millisecond. */
        struct timespec wait, *timeout = NULL;
        if (r.deadline != LOOP_NEVER) {
            int64_t left = r.deadline > now ? r.deadline - now : 0;
            wait.tv_sec = left / NS_PER_SEC;
            wait.tv_nsec = left % NS_PER_SEC;
            timeout = &wait;
        }
        /* The stop signals are blocked everywhere but here: one that came
         * after the flag was looked at is pending, and ppoll, which unblocks
         * them atomically with starting to wait, returns EINTR at once. */
        int ready = ppoll(r.fds, (nfds_t)r.total, timeout, wait_mask);
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "poll: %s\n", strerror(errno));
            return 1;
        }
        if (ready < 0)
            for (int i = 0; i < r.total; i++)
                r.fds[i].revents = 0;
        dispatch_round(engines, count, clock_now_ns(), &r);
    }
}

int loop_run(loop_engine *engines, int count, volatile sig_atomic_t *stop_flag)
{
    sigset_t stops, caller_mask;
    stop_signals(&stops);
    /* caller_mask: the thread's mask as it was, which ppoll waits under (the
     * stop signals unblocked unless the caller itself had blocked them). */
    pthread_sigmask(SIG_BLOCK, &stops, &caller_mask);
    int status = run_blocked(engines, count, stop_flag, &caller_mask);
    pthread_sigmask(SIG_SETMASK, &caller_mask, NULL);
    return status;
}

int loop_run_simulated(loop_engine *engines, int count, int64_t *now_ns, int64_t stop_at_ns,
                       int64_t end_ns)
{
    bool stopped = false;
    static round r;
    for (;;) {
        if (*now_ns >= stop_at_ns && !stopped) {
            stopped = true;
            stop_all(engines, count, *now_ns);
        }
        int status;
        if (!prepare_round(engines, count, *now_ns, &r, &status))
            return status;
        int ready = poll(r.fds, (nfds_t)r.total, 0);
        if (ready < 0) {
            fprintf(stderr, "poll: %s\n", strerror(errno));
            return 1;
        }
        if (ready == 0) {
            int64_t next = r.deadline;
            if (!stopped && next > stop_at_ns)
                next = stop_at_ns;
            if (next >= end_ns)
                return 1; /* nothing left to happen before the end */
            if (next > *now_ns)
                *now_ns = next;
        }
        dispatch_round(engines, count, *now_ns, &r);
    }
}
