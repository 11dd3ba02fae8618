/* One event loop for every engine in a process.
 *
 * An engine (the sender, the receiver, later both halves of a call) never
 * calls poll() or reads a clock itself. Each round the loop asks every
 * engine which descriptors it waits on and by when it must run again
 * (prepare), waits for the first of those, reads the clock once, and hands
 * each engine its own descriptors' events and that `now` (dispatch). So:
 *   - two engines share one thread and one poll() (a two-way call);
 *   - a test drives the same engines with a simulated clock
 *     (loop_run_simulated): when nothing is ready, time jumps to the next
 *     deadline, and a whole session runs in milliseconds;
 *   - a signal only sets a flag; the loop turns it into stop() calls, and the
 *     engines wind down (TEARDOWN, finalise files) inside the same loop.
 *
 * Signals: loop_run blocks the stop signals (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT) in its thread while it runs and waits in ppoll() under the
 * thread's original mask, so those signals are delivered only inside
 * ppoll(). Without that, a signal arriving after the loop looked at the
 * stop flag but before it began to wait would go unseen until the next
 * deadline (seconds, for an idle engine). Engines therefore run with the
 * stop signals blocked; the mask is restored when loop_run returns. Other
 * threads of the process (audio callbacks) should block them too, or the
 * kernel may run the handler there while this thread sleeps in ppoll():
 * audio/device does so for the threads PortAudio starts.
 *
 * Every engine must do bounded work per dispatch (a cap on datagrams and
 * bytes read per wake-up), so that a flood on one descriptor never starves
 * the others, the pacing or the stop flag.
 *
 * Times are int64 nanoseconds on the loop's clock (net/clock.h). */
#ifndef AL_NET_LOOP_H
#define AL_NET_LOOP_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/** Most descriptors one engine may wait on in a round. */
#define LOOP_ENGINE_FDS 24
/** Most engines one loop drives. */
#define LOOP_MAX_ENGINES 4
/** "No deadline": an engine with nothing timed to do. */
#define LOOP_NEVER INT64_MAX

typedef struct loop_engine {
    void *self;
    /** Fills FDS (at most MAX entries; fd < 0 entries are ignored by poll)
     *  with what SELF waits on now, and lowers *DEADLINE_NS (absolute, on
     *  the loop's clock) to when it must run even if nothing arrives.
     *  Returns how many entries it filled. */
    int (*prepare)(void *self, int64_t now_ns, struct pollfd *fds, int max, int64_t *deadline_ns);
    /** Handles the events poll() put in FDS[0..COUNT) (the entries prepare
     *  filled, revents set) and whatever is due at NOW_NS. */
    void (*dispatch)(void *self, int64_t now_ns, const struct pollfd *fds, int count);
    /** Asks SELF to wind down (a signal, or another engine ended the
     *  call): it goes on being dispatched until it reports finished. */
    void (*stop)(void *self, int64_t now_ns);
    /** True once SELF has nothing left to do; *EXIT_STATUS is its verdict
     *  (0 ok, 1 failure, as the programs' exit status). */
    bool (*finished)(const void *self, int *exit_status);
} loop_engine;

/** Runs ENGINES[0..COUNT) on the monotonic clock until all have finished.
 *  When *STOP_FLAG (set by a signal handler) becomes nonzero, every engine
 *  gets stop() once; a stop signal that arrives at any moment of the loop
 *  ends the current wait at once (see "Signals" above). Returns the worst exit status (0 when all
 * were 0), or 1 when poll() itself fails. */
int loop_run(loop_engine *engines, int count, volatile sig_atomic_t *stop_flag);

/** The same loop on a simulated clock starting at *NOW_NS: poll() never
 *  waits; when no descriptor is ready, *NOW_NS jumps to the earliest
 *  deadline (never past END_NS). Data sent on loopback sockets is readable
 *  at once, so both ends of a session in one process see each other's
 *  packets at the simulated instant they were sent. Stops every engine
 *  once *NOW_NS reaches STOP_AT_NS, and returns as loop_run does (1 also
 *  when END_NS is reached with an engine unfinished). */
int loop_run_simulated(loop_engine *engines, int count, int64_t *now_ns, int64_t stop_at_ns,
                       int64_t end_ns);

#endif
