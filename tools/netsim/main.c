/* netsim: a UDP relay that loses, delays, reorders and duplicates datagrams
 * with a seeded model, between any sender and receiver. See --help. */
#define _GNU_SOURCE /* ppoll(): ns timeouts and an atomic signal-mask swap */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/netsim/addr.h"
#include "tools/netsim/lossmodel.h"
#include "tools/netsim/udp_relay.h"

#ifndef AL_VERSION
#define AL_VERSION "dev"
#endif

/* The reverse direction, when impaired (--both), must not replay the forward
 * pattern packet for packet, so its seed is derived from --seed. */
#define REVERSE_SEED_XOR 0x7265766572736531ull /* "reverse1" */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: netsim --listen [ADDR:]PORT --to HOST:PORT [options]\n"
            "Relays UDP datagrams between clients and HOST:PORT, impairing them with a\n"
            "seeded model: the fate of the k-th datagram depends only on --seed and k.\n"
            "\n"
            "Addresses:\n"
            "  -l, --listen [ADDR:]PORT  where clients send (default ADDR: any, IPv6 and IPv4;\n"
            "                            write IPv6 as [::1]:5004; PORT 0 picks one)\n"
            "  -t, --to HOST:PORT        where their datagrams go; replies go back to the\n"
            "                            latest client\n"
            "      --both                impair replies too (default: the reverse direction\n"
            "                            is clean; its seed is derived from --seed)\n"
            "\n"
            "Loss (default: none):\n"
            "      --loss P              independent (Bernoulli) loss, P as 0.2 or 20%%\n"
            "      --ge RATE,BURST       Gilbert-Elliott bursts: mean loss RATE, mean burst\n"
            "                            length BURST packets (>= 1), e.g. --ge 10%%,3\n"
            "\n"
            "Delay, reordering, duplication (default: none):\n"
            "      --delay MS            fixed one-way delay (default 0)\n"
            "      --jitter MS           add uniform jitter in [-MS, +MS] (clamped at 0 ms);\n"
            "                            keeps packet order unless --jitter-reorders\n"
            "      --jitter-dist D       uniform or normal (MS is then the standard\n"
            "                            deviation) (default uniform)\n"
            "      --jitter-reorders     let jitter reorder packets, as on a real path\n"
            "      --reorder P[,MS]      hold a fraction P of packets back by MS so later\n"
            "                            ones overtake them (default MS %g)\n"
            "      --duplicate P         deliver a fraction P of packets twice\n"
            "      --seed N              seed of every decision (default %u)\n"
            "\n"
            "Output:\n"
            "  -q, --quiet               no start line, no summary at exit\n"
            "      --stats-json          print the counters as JSON on stdout at exit\n"
            "      --log-drops FILE      write each dropped datagram's index k, and its RTP\n"
            "                            sequence number if it looks like RTP, one per line;\n"
            "                            with --both, reverse drops go to FILE.rev\n"
            "  -h, --help                this text\n"
            "  -V, --version             version\n"
            "\n"
            "Runs until SIGINT or SIGTERM, then prints what it did. Exit status 0; 2 for a\n"
            "bad option, an unresolvable host or a port in use; 1 for other failures.\n",
            LOSSMODEL_DEFAULT_REORDER_MS, LOSSMODEL_DEFAULT_SEED);
}

static int bad_option(const char *fmt, const char *arg)
{
    fprintf(stderr, "netsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'netsim --help'.\n");
    return NETSIM_EXIT_USAGE;
}

static int parse_ms(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !(v >= 0.0) || !isfinite(v) || v > 3600e3)
        return -1;
    *out = v;
    return 0;
}

/* A mean burst length in packets: >= 1, since a burst holds at least one loss. */
static int parse_burst(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 1.0) || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* "A,B" into two strings; modifies buf. */
static int split_pair(char *buf, char **second)
{
    char *comma = strchr(buf, ',');
    if (!comma)
        return -1;
    *comma = '\0';
    *second = comma + 1;
    return 0;
}

struct options {
    struct udp_relay_config relay;
    bool both;
    bool quiet;
    bool stats_json;
    const char *log_drops;
};

enum {
    OPT_BOTH = 256,
    OPT_LOSS,
    OPT_GE,
    OPT_DELAY,
    OPT_JITTER,
    OPT_JITTER_DIST,
    OPT_JITTER_REORDERS,
    OPT_REORDER,
    OPT_DUPLICATE,
    OPT_SEED,
    OPT_STATS_JSON,
    OPT_LOG_DROPS,
};

/* Returns -1 to go on, or an exit status (0 after --help/--version). */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"to", required_argument, NULL, 't'},
        {"both", no_argument, NULL, OPT_BOTH},
        {"loss", required_argument, NULL, OPT_LOSS},
        {"ge", required_argument, NULL, OPT_GE},
        {"delay", required_argument, NULL, OPT_DELAY},
        {"jitter", required_argument, NULL, OPT_JITTER},
        {"jitter-dist", required_argument, NULL, OPT_JITTER_DIST},
        {"jitter-reorders", no_argument, NULL, OPT_JITTER_REORDERS},
        {"reorder", required_argument, NULL, OPT_REORDER},
        {"duplicate", required_argument, NULL, OPT_DUPLICATE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"quiet", no_argument, NULL, 'q'},
        {"stats-json", no_argument, NULL, OPT_STATS_JSON},
        {"log-drops", required_argument, NULL, OPT_LOG_DROPS},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct lossmodel_config *m = &o->relay.model[RELAY_FORWARD];
    bool have_listen = false, have_to = false, have_loss = false;
    char err[256], pair[64], *second;
    int c;

    memset(o, 0, sizeof *o);
    lossmodel_config_default(m);
    o->relay.verbose = true;
    opterr = 0; /* our own messages, with the exit status 2 */
    while ((c = getopt_long(argc, argv, ":l:t:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
        case 't':
            if (netsim_endpoint_parse(optarg, c == 'l', c == 'l' ? &o->relay.listen : &o->relay.to,
                                      err, sizeof err) < 0)
                return bad_option("%s", err);
            *(c == 'l' ? &have_listen : &have_to) = true;
            break;
        case OPT_BOTH:
            o->both = true;
            break;
        case OPT_LOSS:
        case OPT_GE:
            if (have_loss)
                return bad_option("%s", "--loss and --ge: give one loss model");
            have_loss = true;
            if (c == OPT_LOSS) {
                m->loss = LOSSMODEL_LOSS_BERNOULLI;
                if (lossmodel_parse_prob(optarg, &m->loss_rate) != LOSSMODEL_OK)
                    return bad_option("--loss '%s': expected a rate as 0.2 or 20%%", optarg);
                break;
            }
            m->loss = LOSSMODEL_LOSS_GE;
            snprintf(pair, sizeof pair, "%s", optarg);
            if (split_pair(pair, &second) < 0 ||
                lossmodel_parse_prob(pair, &m->loss_rate) != LOSSMODEL_OK ||
                parse_burst(second, &m->burst_len) < 0)
                return bad_option("--ge '%s': expected RATE,BURST as 10%%,3 (BURST >= 1)", optarg);
            if (!(m->loss_rate < 1.0) || m->loss_rate / m->burst_len > 1.0 - m->loss_rate)
                return bad_option("--ge '%s': unreachable; need RATE < 1 and "
                                  "BURST >= RATE/(1-RATE)",
                                  optarg);
            break;
        case OPT_DELAY:
            if (parse_ms(optarg, &m->delay_ms) < 0)
                return bad_option("--delay '%s': expected milliseconds >= 0", optarg);
            break;
        case OPT_JITTER:
            if (parse_ms(optarg, &m->jitter_ms) < 0)
                return bad_option("--jitter '%s': expected milliseconds >= 0", optarg);
            break;
        case OPT_JITTER_DIST:
            if (strcmp(optarg, "uniform") == 0)
                m->jitter_dist = LOSSMODEL_JITTER_UNIFORM;
            else if (strcmp(optarg, "normal") == 0)
                m->jitter_dist = LOSSMODEL_JITTER_NORMAL;
            else
                return bad_option("--jitter-dist '%s': expected uniform or normal", optarg);
            break;
        case OPT_JITTER_REORDERS:
            m->jitter_reorders = true;
            break;
        case OPT_REORDER:
            snprintf(pair, sizeof pair, "%s", optarg);
            if ((split_pair(pair, &second) == 0 && parse_ms(second, &m->reorder_ms) < 0) ||
                lossmodel_parse_prob(pair, &m->reorder_p) != LOSSMODEL_OK)
                return bad_option("--reorder '%s': expected P or P,MS as 5%%,30", optarg);
            break;
        case OPT_DUPLICATE:
            if (lossmodel_parse_prob(optarg, &m->duplicate_p) != LOSSMODEL_OK)
                return bad_option("--duplicate '%s': expected a rate as 0.01 or 1%%", optarg);
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 0);
            if (end == optarg || *end || errno || optarg[0] == '-')
                return bad_option("--seed '%s': expected an unsigned integer", optarg);
            m->seed = v;
            break;
        }
        case 'q':
            o->quiet = true;
            o->relay.verbose = false;
            break;
        case OPT_STATS_JSON:
            o->stats_json = true;
            break;
        case OPT_LOG_DROPS:
            o->log_drops = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("netsim %s\n", AL_VERSION);
            return 0;
        case ':':
            return bad_option("%s: missing argument", argv[optind - 1]);
        default:
            return bad_option("%s: unknown option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad_option("unexpected argument '%s'", argv[optind]);
    if (!have_listen || !have_to)
        return bad_option("%s", "--listen and --to are required");

    struct lossmodel_config *rev = &o->relay.model[RELAY_REVERSE];
    if (o->both) {
        *rev = *m;
        rev->seed = m->seed ^ REVERSE_SEED_XOR;
    } else {
        lossmodel_config_default(rev);
    }
    return -1;
}

static int open_drop_logs(struct options *o)
{
    if (!o->log_drops)
        return 0;
    o->relay.drop_log[RELAY_FORWARD] = fopen(o->log_drops, "w");
    if (!o->relay.drop_log[RELAY_FORWARD]) {
        fprintf(stderr, "netsim: %s: %s\n", o->log_drops, strerror(errno));
        return -1;
    }
    if (o->both) {
        char path[4096];
        snprintf(path, sizeof path, "%s.rev", o->log_drops);
        o->relay.drop_log[RELAY_REVERSE] = fopen(path, "w");
        if (!o->relay.drop_log[RELAY_REVERSE]) {
            fprintf(stderr, "netsim: %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int close_drop_logs(struct options *o)
{
    int rc = 0;
    for (int d = 0; d < RELAY_DIRS; d++) {
        if (o->relay.drop_log[d] && fclose(o->relay.drop_log[d]) != 0)
            rc = -1;
        o->relay.drop_log[d] = NULL;
    }
    return rc;
}

static const char *const dir_name[RELAY_DIRS] = {"forward", "reverse"};

static void print_summary(const struct udp_relay *r)
{
    for (int d = 0; d < RELAY_DIRS; d++) {
        const struct lossmodel_counters *c = &r->model[d].count;
        const struct relay_stats *s = &r->stats[d];
        fprintf(stderr,
                "netsim: %s: in %" PRIu64 ", dropped %" PRIu64 " (%.2f%%, %" PRIu64
                " bursts, mean %.2f), duplicated %" PRIu64 ", delayed %" PRIu64
                ", reordered %" PRIu64 ", out %" PRIu64 "",
                dir_name[d], c->in, c->dropped,
                c->in ? 100.0 * (double)c->dropped / (double)c->in : 0.0, c->bursts,
                c->bursts ? (double)c->dropped / (double)c->bursts : 0.0, c->duplicated, c->delayed,
                c->reordered, s->sent);
        if (s->send_errors || s->overflow || s->pending || s->unroutable)
            fprintf(stderr,
                    "; send errors %" PRIu64 ", queue overflow %" PRIu64
                    ", pending at exit %" PRIu64 ", unroutable %" PRIu64,
                    s->send_errors, s->overflow, s->pending, s->unroutable);
        fputc('\n', stderr);
    }
}

static void print_json(const struct udp_relay *r)
{
    printf("{\"version\":\"%s\"", AL_VERSION);
    for (int d = 0; d < RELAY_DIRS; d++) {
        const struct lossmodel_counters *c = &r->model[d].count;
        const struct relay_stats *s = &r->stats[d];
        char model[256];
        lossmodel_describe(&r->model[d].cfg, model, sizeof model);
        printf(",\"%s\":{\"model\":\"%s\",\"seed\":%llu,\"in\":%" PRIu64 ",\"dropped\":%" PRIu64
               ",\"bursts\":%" PRIu64 ",\"duplicated\":%" PRIu64 ",\"delayed\":%" PRIu64
               ",\"reordered\":%" PRIu64 ",\"out\":%" PRIu64 ",\"send_errors\":%" PRIu64
               ",\"overflow\":%" PRIu64 ",\"pending\":%" PRIu64 ",\"unroutable\":%" PRIu64 "}",
               dir_name[d], model, (unsigned long long)r->model[d].cfg.seed, c->in, c->dropped,
               c->bursts, c->duplicated, c->delayed, c->reordered, s->sent, s->send_errors,
               s->overflow, s->pending, s->unroutable);
    }
    printf("}\n");
    fflush(stdout);
}

static int install_signals(sigset_t *unblocked)
{
    /* Blocked except inside ppoll(), so a signal cannot slip in between the
     * stop check and the wait and leave netsim asleep. */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &block, unblocked) < 0)
        return -1;
    sigdelset(unblocked, SIGINT);
    sigdelset(unblocked, SIGTERM);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return -1;
    /* Sending to a closed TCP peer (the future RTSP relay) must be an error
     * return, not death. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int run(struct udp_relay *r, const sigset_t *unblocked)
{
    while (!stop_signal) {
        struct pollfd fds[8];
        int nfds = udp_relay_pollfds(r, fds, 8);
        struct timespec timeout, *tp = NULL;
        int64_t due;
        if (udp_relay_next_due(r, &due)) {
            int64_t wait = due - monotonic_ns();
            if (wait < 0)
                wait = 0;
            timeout.tv_sec = (time_t)(wait / 1000000000);
            timeout.tv_nsec = (long)(wait % 1000000000);
            tp = &timeout;
        }
        int n = ppoll(fds, (nfds_t)nfds, tp, unblocked);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "netsim: poll: %s\n", strerror(errno));
            return NETSIM_EXIT_RUNTIME;
        }
        if (n < 0)
            continue;
        if (udp_relay_service(r, fds, n > 0 ? nfds : 0, monotonic_ns) < 0) {
            fprintf(stderr, "netsim: socket: %s\n", strerror(errno));
            return NETSIM_EXIT_RUNTIME;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;

    sigset_t unblocked;
    if (install_signals(&unblocked) < 0) {
        perror("netsim: signals");
        return NETSIM_EXIT_RUNTIME;
    }
    if (open_drop_logs(&o) < 0) {
        close_drop_logs(&o);
        return NETSIM_EXIT_USAGE;
    }

    struct udp_relay relay;
    char err[512];
    rc = udp_relay_open(&relay, &o.relay, monotonic_ns(), err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "netsim: %s\n", err);
        close_drop_logs(&o);
        return rc;
    }
    if (!o.quiet) {
        char fwd[256], rev[256];
        lossmodel_describe(&o.relay.model[RELAY_FORWARD], fwd, sizeof fwd);
        lossmodel_describe(&o.relay.model[RELAY_REVERSE], rev, sizeof rev);
        fprintf(stderr, "netsim: relaying udp %s -> %s; forward: %s; reverse: %s\n",
                relay.listen_name, relay.to_name, fwd, o.both ? rev : "clean");
    }

    rc = run(&relay, &unblocked);
    udp_relay_close(&relay);
    if (close_drop_logs(&o) < 0) {
        fprintf(stderr, "netsim: %s: write failed\n", o.log_drops);
        rc = NETSIM_EXIT_RUNTIME;
    }
    if (!o.quiet)
        print_summary(&relay);
    if (o.stats_json)
        print_json(&relay);
    return rc;
}
