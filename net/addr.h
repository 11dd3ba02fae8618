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
    int port;                 /**< 1..65535; 0 (NET_PORT_ZERO_OK) = any free port */
} net_endpoint;

/* Flags of net_endpoint_parse. */
#define NET_HOST_REQUIRED 1u /**< refuse a bare port ("5004"): a destination */
#define NET_PORT_ZERO_OK  2u /**< accept port 0: bind to a free port the kernel picks */

/** Splits TEXT into host and port under FLAGS (NET_HOST_REQUIRED,
 *  NET_PORT_ZERO_OK). Returns 0, or -1 with a one-line reason in ERR.
 *  Pure: no lookups. */
int net_endpoint_parse(const char *text, unsigned flags, net_endpoint *out, char *err,
                       size_t err_size);

/** Every address a name resolves to, in the resolver's order (RFC 6724
 *  preference), duplicates removed. */
#define NET_ADDR_MAX 8
typedef struct net_addr_list {
    struct sockaddr_storage addr[NET_ADDR_MAX];
    socklen_t len[NET_ADDR_MAX];
    int count; /**< 1..NET_ADDR_MAX after a successful net_resolve_all */
} net_addr_list;

/** Resolves EP for SOCKTYPE into every address it names, so that a client
 *  can try each in turn (a name giving ::1 and 127.0.0.1 with the server on
 *  only one of them). PASSIVE as for net_resolve. Returns 0, or -1 with a
 *  reason in ERR. */
int net_resolve_all(const net_endpoint *ep, int socktype, bool passive, net_addr_list *out,
                    char *err, size_t err_size);

/** The first address of net_resolve_all: resolves EP for a UDP or TCP socket (SOCKTYPE). PASSIVE is
 * for bind(): an empty host then means every address (IPv6 dual-stack when available). Returns 0,
 * or -1 with a reason such as "cannot resolve 'x': Name or service not known". */
int net_resolve(const net_endpoint *ep, int socktype, bool passive, struct sockaddr_storage *out,
                socklen_t *out_len, char *err, size_t err_size);

/** Formats an address as "1.2.3.4:5" or "[::1]:5" into BUF. Returns BUF. */
const char *net_addr_str(const struct sockaddr *addr, char *buf, size_t size);

/** True when the two addresses have the same family, address and port. */
bool net_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

/* ---- ports, families and text of addresses ---- */

/** Room for any net_addr_str result: "[" IPv6 "]:65535" and the NUL. */
#define NET_ADDR_STR_MAX (INET6_ADDRSTRLEN + 8)

/** The port of an IPv4 or IPv6 address, 0 for another family. */
int net_addr_port(const struct sockaddr *addr);

/** Sets the port of the IPv4 or IPv6 address ADDR to PORT (0..65535; 0 for
 *  a bind to any free port); other families are left as they were. */
void net_addr_set_port(struct sockaddr_storage *addr, int port);

/** ADDR as an address a socket of FAMILY can send to: itself when of that
 *  family, an IPv4 address as IPv4-mapped IPv6 (::ffff:a.b.c.d) for an
 *  AF_INET6 socket (which udp_open_any_port makes dual-stack). Returns 0,
 *  or -1 when it has no form in FAMILY (IPv6 for an IPv4 socket). */
int net_addr_for_family(const struct sockaddr *addr, int family, struct sockaddr_storage *out,
                        socklen_t *out_len);

#endif
