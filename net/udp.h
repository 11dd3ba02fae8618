/* UDP sockets for media. */
#ifndef AL_NET_UDP_H
#define AL_NET_UDP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/addr.h"

/** Opens a UDP socket bound to EP (passive: empty host = every address,
 *  IPv4 and IPv6). Returns the descriptor, or -1 with a reason in ERR
 *  ("UDP port 5004 is in use"). */
int udp_open_bound(const net_endpoint *ep, char *err, size_t err_size);

/** Opens an unbound UDP socket of DEST's family for sending to DEST. */
int udp_open_for(const struct sockaddr *dest, char *err, size_t err_size);

/** The largest UDP payload: the 16-bit UDP length minus its 8-byte header
 *  (IPv4's 20-byte IP header leaves 65507 of it). A buffer this size holds
 *  any datagram, so nothing we could accept is ever cut short. */
#define UDP_MAX_DATAGRAM 65527

/** recvfrom() that also tells how long ago the datagram arrived, in
 *  nanoseconds: the kernel's own stamp (SO_TIMESTAMPNS, set by
 *  udp_open_bound) when there is one, else 0. The caller subtracts it from
 *  its own `now`, so a program that was held up (scheduled out, busy) still
 *  sees packets that came on time as on time, and a test in simulated time
 *  sees age 0. Returns what recvfrom() returns; *TRUNCATED (when not NULL)
 *  says whether the datagram was longer than LEN and cut short (MSG_TRUNC):
 *  its bytes past LEN are lost, it must not be used. */
ssize_t udp_recv_stamped(int fd, void *buf, size_t len, struct sockaddr_storage *src,
                         socklen_t *src_len, int64_t *age_ns, bool *truncated);

/* ---- for the sender application (txapp): a media socket of our own ---- */

/** Opens a UDP socket of FAMILY (AF_INET or AF_INET6) bound to the
 *  wildcard address on a port the kernel picks (net_bound_port tells
 *  which: SETUP names it). An AF_INET6 socket is dual-stack, so it also
 *  reaches IPv4 peers by their mapped address (net_addr_for_family).
 *  Non-blocking. Returns the descriptor, or -1 with a reason in ERR. */
int udp_open_any_port(int family, char *err, size_t err_size);

/** Sends one datagram LEN bytes long to DEST without waiting. Returns 0,
 *  or the errno of the failure (a full socket buffer is EAGAIN: the
 *  datagram is dropped, as a late one would be useless). */
int udp_send_to(int fd, const void *data, size_t len, const struct sockaddr *dest,
                socklen_t dest_len);

#endif
