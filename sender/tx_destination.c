/* The sender's --to (see tx_destination.h). */
#include "sender/tx_destination.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/cli.h"
#include "common/defaults.h"
#include "proto/rtsp.h"

static const char *program = "sender";

int tx_destination_resolve(const char *to, bool plain, net_addr_list *addrs, char *url,
                           size_t url_size)
{
    const int socktype = plain ? SOCK_DGRAM : SOCK_STREAM;
    char err[512];
    net_endpoint eps[NET_ADDR_MAX];
    int n_eps = 0;
    if (strncasecmp(to, "rtsp://", 7) == 0) {
        if (plain)
            return cli_usage_error(program, "--to '%s': with --no-control give HOST:PORT", to);
        rtsp_url u;
        if (rtsp_parse_url(to, &u) != RTSP_OK)
            return cli_usage_error(program, "--to '%s': expected rtsp://HOST[:PORT]/PATH", to);
        memset(&eps[0], 0, sizeof eps[0]);
        snprintf(eps[0].host, sizeof eps[0].host, "%s", u.host);
        eps[0].port = u.port;
        n_eps = 1;
        const char *path = u.path[0] && strcmp(u.path, "/") != 0 ? u.path : AL_RTSP_PATH;
        if (rtsp_write_url(url, url_size, u.host, u.port, path) < 0)
            return cli_usage_error(program, "--to '%s': URL too long", to);
    } else {
        /* HOST[,HOST...]:PORT: each HOST:PORT parsed on its own. */
        const char *colon = strrchr(to, ':');
        const char *comma = strchr(to, ',');
        if (comma && colon && comma < colon) {
            char hosts[ADDR_HOST_MAX * 2];
            snprintf(hosts, sizeof hosts, "%.*s", (int)(colon - to), to);
            for (char *save = NULL, *h = strtok_r(hosts, ",", &save); h;
                 h = strtok_r(NULL, ",", &save)) {
                char one[ADDR_HOST_MAX + 8];
                if (n_eps == NET_ADDR_MAX)
                    return cli_usage_error(program, "--to '%s': more than %d hosts", to,
                                           NET_ADDR_MAX);
                snprintf(one, sizeof one, "%.*s%s", ADDR_HOST_MAX, h, colon);
                if (net_endpoint_parse(one, NET_HOST_REQUIRED, &eps[n_eps], err, sizeof err) != 0)
                    return cli_usage_error(program, "--to %s", err);
                n_eps++;
            }
            if (n_eps == 0)
                return cli_usage_error(program, "--to '%s': expected HOST:PORT", to);
        } else {
            if (net_endpoint_parse(to, NET_HOST_REQUIRED, &eps[0], err, sizeof err) != 0)
                return cli_usage_error(program, "--to %s", err);
            n_eps = 1;
        }
        if (!plain &&
            rtsp_write_url(url, url_size, eps[0].host, (uint16_t)eps[0].port, AL_RTSP_PATH) < 0)
            return cli_usage_error(program, "--to '%s': host name too long", to);
    }
    memset(addrs, 0, sizeof *addrs);
    for (int i = 0; i < n_eps; i++) {
        net_addr_list one;
        if (net_resolve_all(&eps[i], socktype, false, &one, err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", program, err);
            return 2;
        }
        for (int k = 0; k < one.count && addrs->count < NET_ADDR_MAX; k++) {
            bool seen = false;
            for (int j = 0; j < addrs->count; j++)
                seen = seen || net_addr_equal((const struct sockaddr *)&addrs->addr[j],
                                              (const struct sockaddr *)&one.addr[k]);
            if (!seen) {
                addrs->addr[addrs->count] = one.addr[k];
                addrs->len[addrs->count] = one.len[k];
                addrs->count++;
            }
        }
    }
    return 0;
}
