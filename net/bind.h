/* Binding a UDP or TCP endpoint, port 0 included, for programs that must
 * know the address they got (netsim announces it; tests read it back) and
 * must tell a port in use from other failures (netsim exits 2 for those).
 *
 * Every descriptor is non-blocking and close-on-exec. An empty host means
 * every address: the IPv6 wildcard with IPV6_V6ONLY off, so IPv4 clients
 * reach it too, or the IPv4 wildcard where the kernel has no IPv6. A host
 * is resolved (net_resolve_all, passive) and each of its addresses tried in
 * turn until one binds. */
#ifndef AL_NET_BIND_H
#define AL_NET_BIND_H

#include <stddef.h>
#include <sys/socket.h>

#include "net/addr.h"

/** Why net_bind failed, for a caller that maps failures to exit codes. */
typedef enum net_bind_failure {
    NET_BIND_OK = 0,
    NET_BIND_UNRESOLVED, /**< the host does not resolve */
    NET_BIND_IN_USE,     /**< the port is taken (EADDRINUSE) */
    NET_BIND_NOT_LOCAL,  /**< not an address of this machine (EADDRNOTAVAIL), or a port
                              this user may not bind (EACCES) */
    NET_BIND_SYSTEM,     /**< anything else: out of descriptors, no such protocol, ... */
} net_bind_failure;

/** What net_bind bound. */
typedef struct net_bound {
    struct sockaddr_storage addr; /**< the local address, with the port the kernel chose
                                       when EP's port was 0 */
    socklen_t len;                /**< bytes of addr in use */
    net_bind_failure failure;     /**< NET_BIND_OK, or why it failed */
} net_bound;

/** Opens a socket of SOCKTYPE (SOCK_DGRAM or SOCK_STREAM) bound to EP
 *  (EP->port 0: any free port). A stream socket gets SO_REUSEADDR (a
 *  restarted program must not find its port held by the TIME_WAIT of its
 *  predecessor's connections; not for UDP, where it would let two processes
 *  share the port) and listens with a backlog of NET_LISTEN_BACKLOG.
 *  Returns the descriptor, which the caller owns (closes), with OUT filled;
 *  or -1 with OUT->failure set and a
 *  one-line reason in ERR, e.g. "cannot listen on tcp 127.0.0.1:5004: port
 *  in use", "cannot bind udp [::1]:5004: Cannot assign requested address",
 *  "cannot resolve 'x': Name or service not known". OUT may not be NULL. */
int net_bind(const net_endpoint *ep, int socktype, net_bound *out, char *err, size_t err_size);

/** Connections the kernel queues for accept() on a net_bind stream socket. */
#define NET_LISTEN_BACKLOG 16

#endif
