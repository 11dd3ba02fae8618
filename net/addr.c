/* Host/port parsing and resolution. */
#include "net/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *text, int *port)
{
    if (!*text)
        return -1;
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (*end || errno || value < 1 || value > 65535)
        return -1;
    *port = (int)value;
    return 0;
}

int net_endpoint_parse(const char *text, bool host_required, net_endpoint *out, char *err,
                       size_t err_size)
{
    memset(out, 0, sizeof *out);
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
    if (parse_port(port_text, &out->port) != 0) {
        snprintf(err, err_size, "'%s': port must be a number from 1 to 65535", text);
        return -1;
    }
    return 0;
}

int net_resolve(const net_endpoint *ep, int socktype, bool passive, struct sockaddr_storage *out,
                socklen_t *out_len, char *err, size_t err_size)
{
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
    memcpy(out, list->ai_addr, list->ai_addrlen);
    *out_len = list->ai_addrlen;
    freeaddrinfo(list);
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
