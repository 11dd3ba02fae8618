/* netsim: a UDP relay that loses, delays, reorders and duplicates datagrams
 * with a seeded model, between any sender and receiver; beside it a TCP relay
 * for RTSP control connections, so that our own sessions (which negotiate the
 * media ports in SETUP) send their media through the UDP relay. See --help. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "net/clock.h"
#include "net/loop.h"
#include "sim/lossmodel.h"
#include "tools/netsim/tcp_relay.h"
#include "tools/netsim/udp_relay.h"

#ifndef AL_VERSION
#define AL_VERSION "dev"
#endif

/* The reverse direction, when impaired (--both), must not replay the forward
 * pattern packet for packet, so its seed is derived from --seed. */
#define REVERSE_SEED_XOR 0x7265766572736531ull /* "reverse1" */

/* With --listen PORT 0 the kernel picks the UDP port, and TCP PORT and UDP
 * PORT+1 must then be free as well: a few picks make that near certain. */
#define PICK_ATTEMPTS 20

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: netsim --listen [ADDR:]PORT --to HOST:PORT [options]\n"
            "Relays UDP datagrams between clients and HOST:PORT, impairing them with a\n"
            "seeded model: the fate of the k-th datagram depends only on --seed and k.\n"
            "Also relays RTSP control connections on TCP PORT, so that our own sessions\n"
            "send their media through the relay.\n"
            "\n"
            "Addresses:\n"
            "  -l, --listen [ADDR:]PORT  where clients send (default ADDR: any, IPv6 and IPv4;\n"
            "                            write IPv6 as [::1]:5004; PORT 0 picks one)\n"
            "  -t, --to HOST:PORT        where their datagrams go; replies go back to the\n"
            "                            latest client\n"
            "      --both                impair replies too (default: the reverse direction\n"
            "                            is clean; its seed is derived from --seed)\n"
            "\n"
            "RTSP sessions (default: on):\n"
            "  TCP PORT is relayed to TCP HOST:PORT, up to %d connections at once, bytes\n"
            "  unchanged except one edit: a SETUP reply's server_port=P-Q becomes\n"
            "  PORT-(PORT+1), so the sender's RTP comes to UDP PORT; netsim sends it on,\n"
            "  impaired as above, to HOST:P (until then HOST:PORT). RTCP on UDP PORT+1 is\n"
            "  relayed both ways to HOST:Q, unimpaired.\n"
            "      --no-tcp              UDP PORT only: no TCP relay, no RTCP relay\n"
            "      --no-rtcp             don't relay UDP PORT+1 (still announced in SETUP)\n"
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
            "      --spike AT,LEN,MS     a spike: packets arriving from AT ms after the\n"
            "                            first, for LEN ms, are held MS ms more (the ones\n"
            "                            behind queue up unless --jitter-reorders), e.g.\n"
            "                            5000,1000,300 (default: none)\n"
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
            "bad option, an unresolvable host or a port in use (UDP PORT, TCP PORT or\n"
            "UDP PORT+1); 1 for other failures.\n",
            TCP_RELAY_MAX_CONNS, LOSSMODEL_DEFAULT_REORDER_MS, LOSSMODEL_DEFAULT_SEED);
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
    bool tcp;  /* relay RTSP on TCP PORT */
    bool rtcp; /* relay UDP PORT+1 (with tcp only) */
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
    OPT_SPIKE,
    OPT_DUPLICATE,
    OPT_SEED,
    OPT_STATS_JSON,
    OPT_LOG_DROPS,
    OPT_NO_TCP,
    OPT_NO_RTCP,
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
        {"spike", required_argument, NULL, OPT_SPIKE},
        {"duplicate", required_argument, NULL, OPT_DUPLICATE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"quiet", no_argument, NULL, 'q'},
        {"stats-json", no_argument, NULL, OPT_STATS_JSON},
        {"log-drops", required_argument, NULL, OPT_LOG_DROPS},
        {"no-tcp", no_argument, NULL, OPT_NO_TCP},
        {"no-rtcp", no_argument, NULL, OPT_NO_RTCP},
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
    o->tcp = true;
    o->rtcp = true;
    opterr = 0; /* our own messages, with the exit status 2 */
    while ((c = getopt_long(argc, argv, ":l:t:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
        case 't':
            /* --listen: a bare port means every address, 0 a port the
             * kernel picks; --to: a host and a real port. */
            if (net_endpoint_parse(optarg, c == 'l' ? NET_PORT_ZERO_OK : NET_HOST_REQUIRED,
                                   c == 'l' ? &o->relay.listen : &o->relay.to, err, sizeof err) < 0)
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
        case OPT_SPIKE: {
            char *len_s, *ms_s;
            snprintf(pair, sizeof pair, "%s", optarg);
            if (split_pair(pair, &len_s) < 0 || split_pair(len_s, &ms_s) < 0 ||
                parse_ms(pair, &m->spike_at_ms) < 0 || parse_ms(len_s, &m->spike_len_ms) < 0 ||
                parse_ms(ms_s, &m->spike_ms) < 0)
                return bad_option("--spike '%s': expected AT,LEN,MS as 5000,1000,300", optarg);
            break;
        }
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
        case OPT_NO_TCP:
            o->tcp = false;
            break;
        case OPT_NO_RTCP:
            o->rtcp = false;
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
    if (!o->tcp)
        o->rtcp = false;
    if (o->rtcp && o->relay.to.port == 65535)
        return bad_option("%s", "--to port 65535 leaves no port for RTCP: add --no-rtcp");
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

/* Everything main() runs: the media relay, and for RTSP sessions the RTCP
 * relay on the next port and the TCP relay that retargets both. */
struct netsim {
    struct udp_relay rtp;
    struct udp_relay rtcp;
    struct tcp_relay tcp;
    bool have_rtp, have_rtcp, have_tcp;
    bool verbose;
};

static const char *const dir_name[RELAY_DIRS] = {"forward", "reverse"};

/* A SETUP reply told the sender to send to netsim: the media goes where the
 * receiver said, which need not be its RTSP port. */
static void on_setup(void *user, unsigned conn_id, const rtsp_port_range *announced)
{
    struct netsim *ns = user;
    udp_relay_set_to_port(&ns->rtp, announced->rtp);
    if (ns->have_rtcp && announced->rtcp)
        udp_relay_set_to_port(&ns->rtcp, announced->rtcp);
    if (ns->verbose)
        fprintf(stderr,
                "netsim: tcp #%u: SETUP reply: server_port=%u-%u announced as %u-%u; "
                "media now to %s%s%s\n",
                conn_id, (unsigned)announced->rtp, (unsigned)announced->rtcp,
                (unsigned)ns->tcp.media_rtp, (unsigned)ns->tcp.media_rtcp, ns->rtp.to_name,
                ns->have_rtcp ? ", rtcp to " : "", ns->have_rtcp ? ns->rtcp.to_name : "");
}

static void close_relays(struct netsim *ns)
{
    if (ns->have_tcp)
        tcp_relay_close(&ns->tcp);
    if (ns->have_rtcp)
        udp_relay_close(&ns->rtcp);
    if (ns->have_rtp)
        udp_relay_close(&ns->rtp);
}

static net_endpoint with_port(const net_endpoint *ep, unsigned port)
{
    net_endpoint e = *ep;
    e.port = (int)port;
    return e;
}

/* The RTCP and TCP relays, once the media relay has its port. */
static int open_rtsp_side(struct netsim *ns, const struct options *o, char *err, size_t errlen)
{
    unsigned port = ns->rtp.listen_port;
    if (o->rtcp) {
        if (port == 65535) {
            snprintf(err, errlen, "udp port 65535 leaves no port for RTCP: add --no-rtcp");
            return NETSIM_EXIT_USAGE;
        }
        /* Same addresses one port up; RTCP is control traffic the loss model
         * is not about, so it passes clean and out of the drop log. */
        struct udp_relay_config c = o->relay;
        c.listen = with_port(&o->relay.listen, port + 1);
        c.to = with_port(&o->relay.to, (unsigned)o->relay.to.port + 1);
        for (int d = 0; d < RELAY_DIRS; d++) {
            lossmodel_config_default(&c.model[d]);
            c.drop_log[d] = NULL;
        }
        c.verbose = false;
        int rc = udp_relay_open(&ns->rtcp, &c, clock_now_ns(), err, errlen);
        if (rc != 0)
            return rc;
        ns->have_rtcp = true;
    }
    struct tcp_relay_config t = {
        .listen = with_port(&o->relay.listen, port),
        .to = &ns->rtp.to,
        .to_len = ns->rtp.to_len,
        .media_rtp = (uint16_t)port,
        .media_rtcp = port < 65535 ? (uint16_t)(port + 1) : 0,
        .on_setup = on_setup,
        .user = ns,
        .verbose = o->relay.verbose,
    };
    int rc = tcp_relay_open(&ns->tcp, &t, err, errlen);
    if (rc != 0)
        return rc;
    ns->have_tcp = true;
    return 0;
}

static int open_relays(struct netsim *ns, const struct options *o, char *err, size_t errlen)
{
    bool pick = o->relay.listen.port == 0;
    for (int attempt = 1;; attempt++) {
        memset(ns, 0, sizeof *ns);
        ns->verbose = o->relay.verbose;
        int rc = udp_relay_open(&ns->rtp, &o->relay, clock_now_ns(), err, errlen);
        if (rc != 0)
            return rc;
        ns->have_rtp = true;
        if (!o->tcp)
            return 0;
        rc = open_rtsp_side(ns, o, err, errlen);
        if (rc == 0)
            return 0;
        close_relays(ns);
        if (!pick || rc != NETSIM_EXIT_USAGE || attempt == PICK_ATTEMPTS)
            return rc;
    }
}

static void print_summary(const struct netsim *ns)
{
    const struct udp_relay *r = &ns->rtp;
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
    if (ns->have_rtcp) {
        const struct udp_relay *c = &ns->rtcp;
        fprintf(stderr,
                "netsim: rtcp: forward in %" PRIu64 ", out %" PRIu64 "; reverse in %" PRIu64
                ", out %" PRIu64 "\n",
                c->model[RELAY_FORWARD].count.in, c->stats[RELAY_FORWARD].sent,
                c->model[RELAY_REVERSE].count.in, c->stats[RELAY_REVERSE].sent);
    }
    if (ns->have_tcp) {
        const struct tcp_relay_stats *t = &ns->tcp.stats;
        fprintf(stderr,
                "netsim: tcp: connections %" PRIu64 " (receiver unreachable %" PRIu64
                ", reset %" PRIu64 "), SETUP replies rewritten %" PRIu64 " (failed %" PRIu64
                "), bytes to the receiver %" PRIu64 ", to clients %" PRIu64
                "; media last sent to %s\n",
                t->accepted, t->connect_failed, t->aborted, t->rewrites, t->rewrite_errors,
                t->bytes_to_server, t->bytes_to_client, ns->rtp.to_name);
    }
}

static void print_json(const struct netsim *ns)
{
    const struct udp_relay *r = &ns->rtp;
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
    printf(",\"media_to\":\"%s\"", r->to_name);
    if (ns->have_rtcp) {
        const struct udp_relay *c = &ns->rtcp;
        printf(",\"rtcp\":{\"to\":\"%s\"", c->to_name);
        for (int d = 0; d < RELAY_DIRS; d++)
            printf(",\"%s\":{\"in\":%" PRIu64 ",\"out\":%" PRIu64 ",\"send_errors\":%" PRIu64
                   ",\"unroutable\":%" PRIu64 "}",
                   dir_name[d], c->model[d].count.in, c->stats[d].sent, c->stats[d].send_errors,
                   c->stats[d].unroutable);
        printf("}");
    }
    if (ns->have_tcp) {
        const struct tcp_relay_stats *t = &ns->tcp.stats;
        printf(",\"tcp\":{\"connections\":%" PRIu64 ",\"connect_failed\":%" PRIu64
               ",\"aborted\":%" PRIu64 ",\"setup_rewrites\":%" PRIu64 ",\"rewrite_errors\":%" PRIu64
               ",\"not_rtsp\":%" PRIu64 ",\"bytes_to_server\":%" PRIu64
               ",\"bytes_to_client\":%" PRIu64 "}",
               t->accepted, t->connect_failed, t->aborted, t->rewrites, t->rewrite_errors,
               t->not_rtsp, t->bytes_to_server, t->bytes_to_client);
    }
    printf("}\n");
    fflush(stdout);
}

static void install_signals(void)
{
    /* The handler only sets the flag; net/loop keeps these signals blocked
     * except inside its wait, so none slips in between its look at the flag
     * and the wait. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Sending to a closed TCP peer must be an error return, not death (the
     * TCP relay also passes MSG_NOSIGNAL; this covers any other write). */
    signal(SIGPIPE, SIG_IGN);
}

/* ---- the relays as one engine of net/loop ---- */

/* Every descriptor the relays poll fits one engine's share of the loop. */
_Static_assert(TCP_RELAY_MAX_FDS + 4 <= LOOP_ENGINE_FDS, "netsim polls more than an engine may");

struct relay_engine {
    struct netsim *ns;
    int n_tcp, n_rtp, n_rtcp; /* this round's slices of the loop's pollfds */
    bool done;
    int status; /* 0, or NETSIM_EXIT_RUNTIME after a fatal socket error */
};

static int relays_prepare(void *self, int64_t now_ns, struct pollfd *fds, int max,
                          int64_t *deadline_ns)
{
    struct relay_engine *e = self;
    struct netsim *ns = e->ns;
    e->n_tcp = ns->have_tcp ? tcp_relay_pollfds(&ns->tcp, fds, TCP_RELAY_MAX_FDS) : 0;
    e->n_rtp = udp_relay_pollfds(&ns->rtp, fds + e->n_tcp, 2);
    e->n_rtcp = ns->have_rtcp ? udp_relay_pollfds(&ns->rtcp, fds + e->n_tcp + e->n_rtp, 2) : 0;
    int64_t due;
    if (udp_relay_next_due(&ns->rtp, &due) && due < *deadline_ns)
        *deadline_ns = due;
    if (ns->have_rtcp && udp_relay_next_due(&ns->rtcp, &due) && due < *deadline_ns)
        *deadline_ns = due;
    return e->n_tcp + e->n_rtp + e->n_rtcp;
}

static void relays_dispatch(void *self, int64_t now_ns, const struct pollfd *fds, int count)
{
    struct relay_engine *e = self;
    struct netsim *ns = e->ns;
    /* TCP first: a SETUP reply read in this wake-up retargets the media
     * before the datagrams read in it are sent. The UDP relays read the
     * clock per datagram, so each one's fate is timed as it arrived. */
    if (ns->have_tcp)
        tcp_relay_service(&ns->tcp, fds, e->n_tcp);
    if (udp_relay_service(&ns->rtp, fds + e->n_tcp, e->n_rtp, clock_now_ns) < 0 ||
        (ns->have_rtcp &&
         udp_relay_service(&ns->rtcp, fds + e->n_tcp + e->n_rtp, e->n_rtcp, clock_now_ns) < 0)) {
        fprintf(stderr, "netsim: socket: %s\n", strerror(errno));
        e->status = NETSIM_EXIT_RUNTIME;
        e->done = true;
    }
}

static void relays_stop(void *self, int64_t now_ns)
{
    ((struct relay_engine *)self)->done = true; /* what is still queued counts as pending */
}

static bool relays_finished(const void *self, int *exit_status)
{
    const struct relay_engine *e = self;
    *exit_status = e->status;
    return e->done;
}

static int run(struct netsim *ns)
{
    struct relay_engine e = {.ns = ns};
    loop_engine engine = {&e, relays_prepare, relays_dispatch, relays_stop, relays_finished};
    return loop_run(&engine, 1, &stop_signal);
}

int main(int argc, char **argv)
{
    struct options o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;

    install_signals();
    if (open_drop_logs(&o) < 0) {
        close_drop_logs(&o);
        return NETSIM_EXIT_USAGE;
    }

    static struct netsim ns; /* large (the TCP relay's table): not on the stack */
    char err[512];
    rc = open_relays(&ns, &o, err, sizeof err);
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
                ns.rtp.listen_name, ns.rtp.to_name, fwd, o.both ? rev : "clean");
        if (ns.have_tcp)
            fprintf(stderr,
                    "netsim: relaying tcp %s -> %s (RTSP: SETUP replies announce "
                    "server_port=%u-%u)%s%s%s%s\n",
                    ns.tcp.listen_name, ns.tcp.to_name, (unsigned)ns.tcp.media_rtp,
                    (unsigned)ns.tcp.media_rtcp, ns.have_rtcp ? "; rtcp udp " : "",
                    ns.have_rtcp ? ns.rtcp.listen_name : "", ns.have_rtcp ? " -> " : "",
                    ns.have_rtcp ? ns.rtcp.to_name : "");
    }

    rc = run(&ns);
    close_relays(&ns);
    if (close_drop_logs(&o) < 0) {
        fprintf(stderr, "netsim: %s: write failed\n", o.log_drops);
        rc = NETSIM_EXIT_RUNTIME;
    }
    if (!o.quiet)
        print_summary(&ns);
    if (o.stats_json)
        print_json(&ns);
    return rc;
}
