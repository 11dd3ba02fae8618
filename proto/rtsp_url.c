/* rtsp:// URLs (RFC 2326 section 3.2). */
#include "proto/rtsp_url.h"

#include "proto/rtsp_util.h"

#define SCHEME     "rtsp://" /* case-insensitive (RFC 3986 3.1) */
#define SCHEME_LEN (sizeof SCHEME - 1)

int rtsp_parse_url(const char *url, rtsp_url *out)
{
    if (!url || !out)
        return RTSP_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->port = RTSP_DEFAULT_PORT;
    if (strlen(url) < SCHEME_LEN || !text_span_is(url, SCHEME_LEN, SCHEME))
        return RTSP_ERR_URL;
    if (!text_is_word(url, ""))
        return RTSP_ERR_URL;
    const char *auth = url + SCHEME_LEN;
    const char *auth_end = auth + strcspn(auth, "/?#");
    /* user:password@ is allowed in the authority (ffmpeg accepts it); skip it. */
    for (const char *c = auth; c < auth_end; c++) {
        if (*c == '@')
            auth = c + 1;
    }

    const char *host = auth, *host_end, *after;
    if (*auth == '[') {
        host = auth + 1;
        host_end = memchr(host, ']', (size_t)(auth_end - host));
        if (!host_end || host_end == host)
            return RTSP_ERR_URL;
        for (const char *c = host; c < host_end; c++) {
            /* An IPv6 address, maybe with a zone id (fe80::1%eth0). */
            if (!strchr(":.%", *c) && !is_alpha((unsigned char)*c) &&
                !text_is_digit((unsigned char)*c))
                return RTSP_ERR_URL;
        }
        after = host_end + 1;
    } else {
        host_end = memchr(auth, ':', (size_t)(auth_end - auth));
        if (!host_end)
            host_end = auth_end;
        if (host_end == host || memchr(host, '[', (size_t)(host_end - host)) ||
            memchr(host, ']', (size_t)(host_end - host)))
            return RTSP_ERR_URL;
        after = host_end;
    }
    if (after < auth_end) {
        if (*after != ':')
            return RTSP_ERR_URL;
        after++;
        if (after < auth_end) {
            int64_t port = parse_decimal(after, (size_t)(auth_end - after), RTSP_MAX_PORT);
            if (port < 1 || port > RTSP_MAX_PORT)
                return RTSP_ERR_URL;
            out->port = (uint16_t)port;
        }
    }
    if (!text_copy_span(out->host, sizeof out->host, host, host_end))
        return RTSP_ERR_URL;
    if (!text_copy_span(out->path, sizeof out->path, auth_end, auth_end + strlen(auth_end)))
        return RTSP_ERR_URL;
    return RTSP_OK;
}

int rtsp_write_url(char *buf, size_t cap, const char *host, uint16_t port, const char *path)
{
    if (!buf || !host || !*host || port == 0)
        return RTSP_ERR_ARG;
    if (!path)
        path = "";
    if (!text_is_word(host, "/[]@?#") || !text_is_word(path, ""))
        return RTSP_ERR_ARG;
    if (cap == 0)
        return RTSP_ERR_BUFFER;
    text_out o = {buf, cap, 0, false};
    bool v6 = strchr(host, ':') != NULL;
    text_put_str(&o, v6 ? "rtsp://[" : "rtsp://");
    text_put_str(&o, host);
    text_put_str(&o, v6 ? "]:" : ":");
    text_put_ulong(&o, port);
    if (*path && *path != '/')
        text_put_str(&o, "/");
    text_put_str(&o, path);
    return text_out_finish(&o);
}
