/* Host/port strings and socket addresses.
 *
 * Accepted forms: "host:port", "1.2.3.4:port", "[::1]:port", and for listening
 * also "port" alone (all addresses) and "[::]:port". */
#ifndef AL_NET_ADDR_H
#define AL_NET_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define ADDR_HOST_MAX 256

typedef struct net_endpoint {
    char host[ADDR_HOST_MAX]; /**< empty when only a port was given */
    int port;                 /**< 1..65535 */
} net_endpoint;

/** Splits TEXT into host and port. HOST_REQUIRED refuses a bare port.
 *  Returns 0, or -1 with a one-line reason in ERR. Pure: no lookups. */
int net_endpoint_parse(const char *text, bool host_required, net_endpoint *out, char *err,
                       size_t err_size);

/** Resolves EP for a UDP or TCP socket (SOCKTYPE). PASSIVE is for bind():
 *  an empty host then means every address (IPv6 dual-stack when available).
 *  Returns 0, or -1 with a reason such as "cannot resolve 'x': Name or service
 *  not known". */
int net_resolve(const net_endpoint *ep, int socktype, bool passive, struct sockaddr_storage *out,
                socklen_t *out_len, char *err, size_t err_size);

/** Formats an address as "1.2.3.4:5" or "[::1]:5" into BUF. Returns BUF. */
const char *net_addr_str(const struct sockaddr *addr, char *buf, size_t size);

/** True when the two addresses have the same family, address and port. */
bool net_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
