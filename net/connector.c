/* Connection attempts to every address in turn (see connector.h). */
#include "net/connector.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/tcp.h"

void net_connector_init(net_connector *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < NET_ADDR_MAX; i++)
        c->fds[i] = -1;
    c->next_start = INT64_MAX;
}

void net_connector_cancel(net_connector *c)
{
    for (int i = 0; i < NET_ADDR_MAX; i++) {
        if (c->fds[i] >= 0)
            close(c->fds[i]);
        c->fds[i] = -1;
    }
    c->active = false;
    c->next_start = INT64_MAX;
}

bool net_connector_active(const net_connector *c)
{
    return c->active;
}

const char *net_connector_error(const net_connector *c)
{
    return c->error;
}

/* Adds "ADDR: WHY" to the failures said so far: when every address fails
 * the user sees each one's reason. With one address, WHY alone (the
 * caller names the destination). */
static void note_failure(net_connector *c, int i, const char *why)
{
    if (c->addrs.count == 1) {
        snprintf(c->error, sizeof c->error, "%s", why);
        return;
    }
    char addr[80];
    net_addr_str((const struct sockaddr *)&c->addrs.addr[i], addr, sizeof addr);
    size_t n = strlen(c->error);
    if (n + 3 < sizeof c->error)
        snprintf(c->error + n, sizeof c->error - n, "%s%.79s: %.100s", n ? ", " : "", addr, why);
}

static int open_attempts(const net_connector *c)
{
    int open = 0;
    for (int i = 0; i < c->started; i++)
        open += c->fds[i] >= 0;
    return open;
}

/* Starts the next address's attempt; one that fails at once (no route, no
 * IPv6) moves straight on to the one after it. */
static void start_next(net_connector *c, int64_t now)
{
    while (c->started < c->addrs.count) {
        int i = c->started++;
        char err[128];
        c->fds[i] = tcp_connect_start((const struct sockaddr *)&c->addrs.addr[i], c->addrs.len[i],
                                      err, sizeof err);
        if (c->fds[i] >= 0) {
            c->next_start = now + NET_CONNECTOR_ATTEMPT_DELAY_NS;
            return;
        }
        note_failure(c, i, err);
    }
    c->next_start = INT64_MAX;
}

/* FAILED once nothing is open and nothing is left to try. */
static net_connector_result settle(net_connector *c, int64_t now)
{
    if (open_attempts(c) == 0 && c->started < c->addrs.count)
        start_next(c, now); /* the last attempt failed: the next at once */
    if (open_attempts(c) == 0) {
        net_connector_cancel(c);
        return NET_CONNECTOR_FAILED;
    }
    return NET_CONNECTOR_PENDING;
}

/* RFC 8305 section 4: the resolver's order, but the families alternating
 * from the first one's on (::1, ::2, 127.0.0.1 -> ::1, 127.0.0.1, ::2), so
 * that a family that is broken as a whole costs one attempt delay, not one
 * per address of it. */
static void interleave_families(net_addr_list *out, const net_addr_list *in)
{
    bool taken[NET_ADDR_MAX] = {false};
    int count = in->count > NET_ADDR_MAX ? NET_ADDR_MAX : in->count;
    int family = in->addr[0].ss_family;
    out->count = 0;
    while (out->count < count) {
        int pick = -1;
        for (int i = 0; i < count && pick < 0; i++)
            if (!taken[i] && in->addr[i].ss_family == family)
                pick = i;
        for (int i = 0; i < count && pick < 0; i++)
            if (!taken[i])
                pick = i; /* none of that family left: the next in order */
        taken[pick] = true;
        out->addr[out->count] = in->addr[pick];
        out->len[out->count] = in->len[pick];
        out->count++;
        family = in->addr[pick].ss_family == AF_INET6 ? AF_INET : AF_INET6;
    }
}

net_connector_result net_connector_start(net_connector *c, const net_addr_list *addrs, int64_t now)
{
    net_connector_cancel(c);
    net_connector_init(c);
    if (addrs->count <= 0) {
        snprintf(c->error, sizeof c->error, "no address to connect to");
        return NET_CONNECTOR_FAILED;
    }
    interleave_families(&c->addrs, addrs);
    c->active = true;
    start_next(c, now);
    return settle(c, now);
}

int net_connector_prepare(const net_connector *c, struct pollfd *fds, int max, int64_t *deadline_ns)
{
    if (!c->active)
        return 0;
    int n = 0;
    for (int i = 0; i < c->started && n < max; i++)
        if (c->fds[i] >= 0)
            fds[n++] = (struct pollfd){.fd = c->fds[i], .events = POLLOUT};
    if (c->started < c->addrs.count && c->next_start < *deadline_ns)
        *deadline_ns = c->next_start;
    return n;
}

net_connector_result net_connector_dispatch(net_connector *c, int64_t now, const struct pollfd *fds,
                                            int count, int *fd, int *index)
{
    if (!c->active)
        return NET_CONNECTOR_PENDING;
    for (int k = 0; k < count; k++) {
        if (!(fds[k].revents & (POLLOUT | POLLERR | POLLHUP)))
            continue;
        for (int i = 0; i < c->started; i++) {
            if (c->fds[i] < 0 || c->fds[i] != fds[k].fd)
                continue;
            int e = tcp_connect_result(c->fds[i]);
            if (e == 0) {
                *fd = c->fds[i];
                if (index)
                    *index = i;
                c->fds[i] = -1; /* the caller's now */
                net_connector_cancel(c);
                return NET_CONNECTOR_CONNECTED;
            }
            note_failure(c, i, strerror(e));
            close(c->fds[i]);
            c->fds[i] = -1;
        }
    }
    if (c->started < c->addrs.count && now >= c->next_start)
        start_next(c, now);
    return settle(c, now);
}
