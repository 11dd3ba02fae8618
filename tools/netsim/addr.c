#include "tools/netsim/addr.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_port(const char *s, bool allow_zero, char *out, size_t size)
{
    if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
        return false;
    unsigned v = (unsigned)strtoul(s, NULL, 10); /* at most 5 digits: no overflow */
    if (v > 65535 || (v == 0 && !allow_zero))
        return false;
    snprintf(out, size, "%u", v & 0xffffu);
    return true;
}

int netsim_endpoint_parse(const char *s, bool host_optional, struct netsim_endpoint *ep, char *err,
                          size_t errlen)
{
    const char *port;
    size_t host_len;
    const char *host = s;

    memset(ep, 0, sizeof *ep);
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') {
            snprintf(err, errlen, "'%s': expected [IPV6]:PORT", s);
            return -1;
        }
        host = s + 1;
        host_len = (size_t)(close - host);
        port = close + 2;
    } else {
        const char *colon = strchr(s, ':');
        if (colon && strchr(colon + 1, ':')) {
            /* "::1:5004" is ambiguous; brackets say where the port starts. */
            snprintf(err, errlen, "'%s': write IPv6 addresses as [ADDR]:PORT", s);
            return -1;
        }
        if (!colon) {
            if (!host_optional) {
                snprintf(err, errlen, "'%s': expected HOST:PORT", s);
                return -1;
            }
            host_len = 0;
            port = s;
        } else {
            host_len = (size_t)(colon - s);
            port = colon + 1;
        }
    }
    if (host_len >= sizeof ep->host || (host_len == 0 && !host_optional)) {
        snprintf(err, errlen, "'%s': bad host", s);
        return -1;
    }
    memcpy(ep->host, host, host_len);
    ep->host[host_len] = '\0';
    if (!parse_port(port, host_optional, ep->port, sizeof ep->port)) {
        snprintf(err, errlen, "'%s': bad port (0..65535%s)", s, host_optional ? "" : ", not 0");
        return -1;
    }
    return 0;
}

void netsim_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(buf, size, "?");
        return;
    }
    if (sa->sa_family == AF_INET6)
        snprintf(buf, size, "[%s]:%s", host, serv);
    else
        snprintf(buf, size, "%s:%s", host, serv);
}
