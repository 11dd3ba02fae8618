/* The event loop: engines sharing one poll, simulated time, stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/clock.h"
#include "net/loop.h"

/* Sends one byte every PERIOD on a socket until stopped. */
typedef struct ticker {
    int fd;
    int64_t period, next;
    int sent;
    bool stopping, done;
} ticker;

static int ticker_prepare(void *self, int64_t now, struct pollfd *fds, int max, int64_t *deadline)
{
    ticker *t = self;
    if (t->next < *deadline)
        *deadline = t->next;
    return 0;
}

static void ticker_dispatch(void *self, int64_t now, const struct pollfd *fds, int count)
{
    ticker *t = self;
    if (t->stopping) {
        t->done = true;
        return;
    }
    while (now >= t->next) {
        char b = (char)t->sent;
        assert_int_equal(send(t->fd, &b, 1, 0), 1);
        t->sent++;
        t->next += t->period;
    }
}

static void ticker_stop(void *self, int64_t now)
{
    ((ticker *)self)->stopping = true;
    ((ticker *)self)->next = now; /* finish on the next round */
}

static bool ticker_finished(const void *self, int *status)
{
    *status = 0;
    return ((const ticker *)self)->done;
}

/* Reads what arrives, and records when (the loop's `now`). */
typedef struct listener {
    int fd;
    int got;
    int64_t last_at;
    bool done;
} listener;

static int listener_prepare(void *self, int64_t now, struct pollfd *fds, int max, int64_t *deadline)
{
    fds[0] = (struct pollfd){.fd = ((listener *)self)->fd, .events = POLLIN};
    return 1;
}

static void listener_drain(listener *l, int64_t now)
{
    char b;
    while (recv(l->fd, &b, 1, MSG_DONTWAIT) == 1) {
        assert_int_equal(b, (char)l->got);
        l->got++;
        l->last_at = now;
    }
}

static void listener_dispatch(void *self, int64_t now, const struct pollfd *fds, int count)
{
    assert_int_equal(count, 1);
    if (fds[0].revents & POLLIN)
        listener_drain(self, now);
}

static void listener_stop(void *self, int64_t now)
{
    listener_drain(self, now);
    ((listener *)self)->done = true;
}

static bool listener_finished(const void *self, int *status)
{
    *status = 2;
    return ((const listener *)self)->done;
}

static loop_engine as_engines(ticker *t, listener *l, loop_engine out[2])
{
    out[0] = (loop_engine){t, ticker_prepare, ticker_dispatch, ticker_stop, ticker_finished};
    out[1] =
        (loop_engine){l, listener_prepare, listener_dispatch, listener_stop, listener_finished};
    return out[0];
}

static void test_simulated_time_runs_both_engines(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    ticker t = {.fd = sv[0], .period = 20 * NS_PER_MSEC, .next = 0};
    listener l = {.fd = sv[1]};
    loop_engine e[2];
    as_engines(&t, &l, e);
    int64_t now = 0;
    int status = loop_run_simulated(e, 2, &now, NS_PER_SEC, 10 * NS_PER_SEC);
    /* Ticks at 0, 20, ..., 1000 ms: 51, each read at the instant it was
     * sent (the last one by the listener's drain when it is stopped). */
    assert_int_equal(t.sent, 51);
    assert_int_equal(l.got, 51);
    assert_true(l.last_at == NS_PER_SEC);
    assert_int_equal(now, NS_PER_SEC);
    assert_int_equal(status, 2); /* the worst of the engines' statuses */
    close(sv[0]);
    close(sv[1]);
}

static void test_simulated_time_gives_up_at_the_end(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    listener l = {.fd = sv[1]};
    loop_engine e = {&l, listener_prepare, listener_dispatch, listener_stop, listener_finished};
    /* A listener never finishes unless stopped; with the stop past the end
     * and no deadline, the loop must not spin forever. */
    int64_t now = 0;
    assert_int_equal(loop_run_simulated(&e, 1, &now, 100 * NS_PER_SEC, NS_PER_SEC), 1);
    assert_false(l.done);
    close(sv[0]);
    close(sv[1]);
}

static void test_real_loop_stops_on_the_flag(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    ticker t = {.fd = sv[0], .period = 5 * NS_PER_MSEC, .next = clock_now_ns()};
    listener l = {.fd = sv[1]};
    loop_engine e[2];
    as_engines(&t, &l, e);
    volatile sig_atomic_t stop = 1; /* already raised: the engines wind down at once */
    int status = loop_run(e, 2, &stop);
    assert_int_equal(status, 2);
    assert_true(t.done && l.done);
    close(sv[0]);
    close(sv[1]);
}

/* An engine that is idle for a long time: one deadline LONG away. Its first
 * prepare raises a stop signal, which lands after loop_run looked at the
 * stop flag and before it waits. */
typedef struct idler {
    int64_t deadline;
    int prepares;
    int raise_signal; /* raised on the first prepare; 0 = none */
    bool done;
} idler;

static volatile sig_atomic_t g_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int idler_prepare(void *self, int64_t now, struct pollfd *fds, int max, int64_t *deadline)
{
    idler *d = self;
    if (d->prepares++ == 0 && d->raise_signal)
        raise(d->raise_signal);
    if (d->deadline < *deadline)
        *deadline = d->deadline;
    return 0;
}

static void idler_dispatch(void *self, int64_t now, const struct pollfd *fds, int count)
{
    idler *d = self;
    if (now >= d->deadline)
        d->done = true; /* the long timeout ran out: the signal was missed */
}

static void idler_stop(void *self, int64_t now)
{
    ((idler *)self)->done = true;
}

static bool idler_finished(const void *self, int *status)
{
    *status = 0;
    return ((const idler *)self)->done;
}

/* A stop signal that comes between the flag check and the wait ends the wait
 * at once instead of after the 5 s timeout, for each of the stop signals;
 * and the caller's signal mask is as it was afterwards. */
static void test_real_loop_sees_a_signal_raised_before_the_wait(void **state)
{
    (void)state;
    const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t k = 0; k < sizeof signals / sizeof signals[0]; k++) {
        struct sigaction sa = {0}, old;
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        assert_int_equal(sigaction(signals[k], &sa, &old), 0);
        g_stop = 0;
        int64_t start = clock_now_ns();
        idler d = {.deadline = start + 5 * NS_PER_SEC, .raise_signal = signals[k]};
        loop_engine e = {&d, idler_prepare, idler_dispatch, idler_stop, idler_finished};
        assert_int_equal(loop_run(&e, 1, &g_stop), 0);
        int64_t took = clock_now_ns() - start;
        if (took > NS_PER_SEC)
            fail_msg("signal %d raised before the wait: loop_run took %lld ms (the timeout)",
                     signals[k], (long long)(took / NS_PER_MSEC));
        assert_true(g_stop == 1);
        assert_true(d.prepares >= 1);
        sigset_t now_mask;
        assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &now_mask), 0);
        assert_false(sigismember(&now_mask, signals[k])); /* unblocked again */
        assert_int_equal(sigaction(signals[k], &old, NULL), 0);
    }
}

/* A caller that blocked a stop signal itself gets it back blocked: the loop
 * restores the mask it found, not an empty one. */
static void test_real_loop_restores_the_callers_mask(void **state)
{
    (void)state;
    sigset_t term, before, after;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    assert_int_equal(sigprocmask(SIG_BLOCK, &term, &before), 0);
    idler d = {.deadline = clock_now_ns() + 5 * NS_PER_SEC};
    loop_engine e = {&d, idler_prepare, idler_dispatch, idler_stop, idler_finished};
    volatile sig_atomic_t stop = 1;
    assert_int_equal(loop_run(&e, 1, &stop), 0);
    assert_int_equal(sigprocmask(SIG_SETMASK, &before, &after), 0);
    assert_true(sigismember(&after, SIGTERM));
    assert_false(sigismember(&after, SIGINT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulated_time_runs_both_engines),
        cmocka_unit_test(test_simulated_time_gives_up_at_the_end),
        cmocka_unit_test(test_real_loop_stops_on_the_flag),
        cmocka_unit_test(test_real_loop_sees_a_signal_raised_before_the_wait),
        cmocka_unit_test(test_real_loop_restores_the_callers_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
