/* UDP sockets for media. */
#ifndef AL_NET_UDP_H
#define AL_NET_UDP_H

#include "net/addr.h"

/** Opens a UDP socket bound to EP (passive: empty host = every address,
 *  IPv4 and IPv6). Returns the descriptor, or -1 with a reason in ERR
 *  ("UDP port 5004 is in use"). */
int udp_open_bound(const net_endpoint *ep, char *err, size_t err_size);

/** Opens an unbound UDP socket of DEST's family for sending to DEST. */
int udp_open_for(const struct sockaddr *dest, char *err, size_t err_size);

#endif
