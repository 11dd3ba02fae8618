/* The event loop (see loop.h). */
#define _GNU_SOURCE /* ppoll */
#include "net/loop.h"

#include <errno.h>
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

int loop_run(loop_engine *engines, int count, volatile sig_atomic_t *stop_flag)
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
        int ready = ppoll(r.fds, (nfds_t)r.total, timeout, NULL);
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
