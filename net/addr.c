/* Host/port parsing and resolution. */
#include "net/addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One to five decimal digits and nothing else: strtol alone would also take
 * " 5004", "+5004" and "-0". */
static int parse_port(const char *text, int lowest, int *port)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 5 || text[digits] != '\0')
        return -1;
    long value = strtol(text, NULL, 10);
    if (value < lowest || value > 65535)
        return -1;
    *port = (int)value;
    return 0;
}

int net_endpoint_parse(const char *text, unsigned flags, net_endpoint *out, char *err,
                       size_t err_size)
{
    bool host_required = (flags & NET_HOST_REQUIRED) != 0;
    int lowest = (flags & NET_PORT_ZERO_OK) ? 0 : 1;
    memset(out, 0, sizeof *out);
    if (text == NULL) {
        snprintf(err, err_size, "no address given");
        return -1;
    }
    const char *port_text;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':') {
            snprintf(err, err_size, "'%s': expected [IPv6]:PORT", text);
            return -1;
        }
        size_t host_len = (size_t)(close - text - 1);
        if (host_len == 0 || host_len >= ADDR_HOST_MAX) {
            snprintf(err, err_size, "'%s': bad IPv6 address", text);
            return -1;
        }
        memcpy(out->host, text + 1, host_len);
        port_text = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon && strchr(text, ':') != colon) {
            snprintf(err, err_size, "'%s': write IPv6 addresses as [ADDR]:PORT", text);
            return -1;
        }
        if (colon) {
            size_t host_len = (size_t)(colon - text);
            if (host_len == 0 || host_len >= ADDR_HOST_MAX) {
                snprintf(err, err_size, "'%s': bad host", text);
                return -1;
            }
            memcpy(out->host, text, host_len);
            port_text = colon + 1;
        } else if (host_required) {
            snprintf(err, err_size, "'%s': expected HOST:PORT", text);
            return -1;
        } else {
            port_text = text;
        }
    }
    if (parse_port(port_text, lowest, &out->port) != 0) {
        snprintf(err, err_size, "'%s': port must be a number from %d to 65535", text, lowest);
        return -1;
    }
    return 0;
}

int net_resolve_all(const net_endpoint *ep, int socktype, bool passive, net_addr_list *out,
                    char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
    char port[8];
    snprintf(port, sizeof port, "%d", ep->port);
    const char *host = ep->host[0] ? ep->host : NULL;
    if (passive && !host)
        hints.ai_family = AF_INET6; /* "::" with IPV6_V6ONLY off takes IPv4 too */
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0 && passive && !host) {
        hints.ai_family = AF_INET; /* no IPv6 on this machine */
        rc = getaddrinfo(host, port, &hints, &list);
    }
    if (rc != 0 && !passive) {
        hints.ai_flags = 0; /* AI_ADDRCONFIG hides ::1 on a machine with only loopback v6 */
        rc = getaddrinfo(host, port, &hints, &list);
    }
    if (rc != 0 || !list) {
        snprintf(err, err_size, "cannot resolve '%s': %s", ep->host[0] ? ep->host : "*",
                 gai_strerror(rc));
        return -1;
    }
    /* getaddrinfo's order (RFC 6724) is kept; a name that resolves to the
     * same address twice (one entry per protocol on some resolvers) is
     * listed once. */
    for (const struct addrinfo *ai = list; ai && out->count < NET_ADDR_MAX; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof out->addr[0])
            continue;
        bool seen = false;
        for (int i = 0; i < out->count; i++)
            seen = seen || net_addr_equal((const struct sockaddr *)&out->addr[i], ai->ai_addr);
        if (seen)
            continue;
        memcpy(&out->addr[out->count], ai->ai_addr, ai->ai_addrlen);
        out->len[out->count] = (socklen_t)ai->ai_addrlen;
        out->count++;
    }
    freeaddrinfo(list);
    if (out->count == 0) {
        snprintf(err, err_size, "cannot resolve '%s': no usable address", ep->host);
        return -1;
    }
    return 0;
}

int net_resolve(const net_endpoint *ep, int socktype, bool passive, struct sockaddr_storage *out,
                socklen_t *out_len, char *err, size_t err_size)
{
    net_addr_list all;
    if (net_resolve_all(ep, socktype, passive, &all, err, err_size) != 0)
        return -1;
    *out = all.addr[0];
    *out_len = all.len[0];
    return 0;
}

const char *net_addr_str(const struct sockaddr *addr, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
        snprintf(buf, size, "%s:%d", host, port);
    } else if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
        snprintf(buf, size, "[%s]:%d", host, port);
    } else {
        snprintf(buf, size, "?");
    }
    return buf;
}

bool net_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return false;
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
    return false;
}

/* ---- ports and families of addresses ---- */

int net_addr_port(const struct sockaddr *addr)
{
    if (addr->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)addr)->sin_port);
    if (addr->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
    return 0;
}

void net_addr_set_port(struct sockaddr_storage *addr, int port)
{
    if (addr->ss_family == AF_INET)
        ((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)port);
    else if (addr->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)port);
}

int net_addr_for_family(const struct sockaddr *addr, int family, struct sockaddr_storage *out,
                        socklen_t *out_len)
{
    memset(out, 0, sizeof *out);
    if (addr->sa_family == family && (family == AF_INET || family == AF_INET6)) {
        *out_len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
        memcpy(out, addr, *out_len);
        return 0;
    }
    if (addr->sa_family == AF_INET && family == AF_INET6) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = in->sin_port;
        in6->sin6_addr.s6_addr[10] = 0xff;
        in6->sin6_addr.s6_addr[11] = 0xff;
        memcpy(&in6->sin6_addr.s6_addr[12], &in->sin_addr, 4);
        *out_len = sizeof *in6;
        return 0;
    }
    return -1;
}
