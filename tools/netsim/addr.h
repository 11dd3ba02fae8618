/* Address strings for netsim: "[ADDR:]PORT", "HOST:PORT", "[v6addr]:PORT".
 * Like net/addr.h, plus listening on port 0 (tests let the kernel pick), which
 * net/addr.c refuses: a duplicate until net/addr grows an allow-port-0 path.
 * Shared by the UDP relays and the TCP (RTSP) relay. */
#ifndef AL_TOOLS_NETSIM_ADDR_H
#define AL_TOOLS_NETSIM_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define NETSIM_HOST_MAX      256
#define NETSIM_ADDR_NAME_MAX (NETSIM_HOST_MAX + 16) /**< room for "[host]:port" */

struct netsim_endpoint {
    char host[NETSIM_HOST_MAX]; /**< "" when omitted: any local address */
    char port[8];               /**< decimal, 0..65535 */
};

/** Splits s into host and port. IPv6 literals must be bracketed ("[::1]:5004").
 *  With host_optional a bare "PORT" is accepted (host ""); otherwise the
 *  port must be 1..65535. Returns 0, or -1 with a reason in err. */
int netsim_endpoint_parse(const char *s, bool host_optional, struct netsim_endpoint *ep, char *err,
                          size_t errlen);

/** Formats a socket address as "1.2.3.4:5" or "[::1]:5". */
void netsim_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

#endif
