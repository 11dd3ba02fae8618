/* Socket set-up shared by the UDP relays and the TCP (RTSP) relay, so that
 * both listen the same way: same address rules, same errors, same exit codes. */
#ifndef AL_TOOLS_NETSIM_SOCKETS_H
#define AL_TOOLS_NETSIM_SOCKETS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tools/netsim/addr.h"

/* Exit codes main() uses for each failure class. */
#define NETSIM_EXIT_RUNTIME 1
#define NETSIM_EXIT_USAGE   2 /**< bad option, unresolvable host, port in use */

int netsim_set_nonblocking(int fd);

/** Binds a SOCK_DGRAM or SOCK_STREAM socket (non-blocking, close-on-exec) to
 *  EP; a host of "" means any address, IPv6 and IPv4 where the kernel has
 *  IPv6. A stream socket also listens. Returns the descriptor, or -1 with the
 *  reason in err and *exit_code set (NETSIM_EXIT_USAGE for a port in use, an
 *  address not ours or an unresolvable host). */
int netsim_listen_socket(const struct netsim_endpoint *ep, int socktype, int *exit_code, char *err,
                         size_t errlen);

/** The local port a socket is bound to, 0 if unknown. */
uint16_t netsim_local_port(int fd);

/** Sets the port of an AF_INET or AF_INET6 address. */
void netsim_set_port(struct sockaddr_storage *sa, uint16_t port);

/** The port of an AF_INET or AF_INET6 address, 0 otherwise. */
uint16_t netsim_get_port(const struct sockaddr_storage *sa);

#endif
