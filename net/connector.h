/* A TCP connection to whichever of a name's addresses answers first
 * (RFC 8305, "Happy Eyeballs", connection attempts only).
 *
 * "localhost" may resolve to ::1 and then 127.0.0.1 while the receiver
 * listens on 127.0.0.1 alone; a client that tries only the first address
 * never reaches it. The connector starts a non-blocking connect to the
 * first address, then the next one when an attempt fails or after
 * NET_CONNECTOR_ATTEMPT_DELAY_NS without an answer (the earlier attempts
 * stay open), and the first attempt to complete wins; the others are
 * closed. The addresses are tried in the resolver's order with the
 * families alternating (RFC 8305 section 4). Time is the caller's `now` (int64 ns, the loop's
 * clock): the connector never reads a clock or waits, its caller polls the descriptors it lists
 * (net/loop.h), so it runs in simulated time as well. */
#ifndef AL_NET_CONNECTOR_H
#define AL_NET_CONNECTOR_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/addr.h"

/** RFC 8305 section 5's recommended Connection Attempt Delay. */
#define NET_CONNECTOR_ATTEMPT_DELAY_NS (250 * 1000000LL)
/** Room for the reason of a failure, bytes with NUL. */
#define NET_CONNECTOR_ERR_MAX 256

typedef enum net_connector_result {
    NET_CONNECTOR_PENDING,   /**< attempts under way (or none started) */
    NET_CONNECTOR_CONNECTED, /**< *FD of net_connector_dispatch is connected, the caller's */
    NET_CONNECTOR_FAILED,    /**< every address failed; net_connector_error() says why */
} net_connector_result;

typedef struct net_connector {
    net_addr_list addrs;   /**< in the order tried */
    int fds[NET_ADDR_MAX]; /**< the attempt on addrs.addr[i], -1 when none is open */
    int started;           /**< attempts started so far (addresses 0..started-1) */
    int64_t next_start;    /**< when the next address is tried anyway; LOOP_NEVER-like max */
    bool active;           /**< between net_connector_start and a result or cancel */
    char error[NET_CONNECTOR_ERR_MAX]; /**< every failure so far, "[::1]:5004: Connection
                                            refused, ..."; the reason alone for one address */
} net_connector;

/** Sets C up idle (no attempts, no descriptors). */
void net_connector_init(net_connector *c);

/** Closes any attempt and starts over on ADDRS (copied, families
 *  interleaved: C->addrs holds the order tried) at NOW: the first
 *  address's connect begins at once. Returns the state after that start
 *  (FAILED when ADDRS is empty or every address failed at once). */
net_connector_result net_connector_start(net_connector *c, const net_addr_list *addrs, int64_t now);

/** Fills FDS (at most MAX) with the attempts to poll (POLLOUT) and lowers
 *  *DEADLINE_NS to when the next address is due. Returns how many it
 *  filled; 0 when idle. */
int net_connector_prepare(const net_connector *c, struct pollfd *fds, int max,
                          int64_t *deadline_ns);

/** Handles FDS[0..COUNT) (what prepare filled, with revents) and the timer
 *  at NOW. On CONNECTED, *FD is the connected descriptor (the caller's; C
 *  is idle again and has closed the other attempts) and *INDEX (when not
 *  NULL) the address it reached. */
net_connector_result net_connector_dispatch(net_connector *c, int64_t now, const struct pollfd *fds,
                                            int count, int *fd, int *index);

/** Closes every attempt; C is idle. */
void net_connector_cancel(net_connector *c);

/** True between start and a result. */
bool net_connector_active(const net_connector *c);

/** Why the attempts failed (for FAILED), else the last failure or "". */
const char *net_connector_error(const net_connector *c);

#endif
