/* RTSP/1.0 header lookup and the ;name=value parameter walker. */
#include "proto/rtsp_headers.h"

#include <string.h>

#include "proto/text.h"

const char *rtsp_header(const rtsp_message *msg, const char *name)
{
    if (!msg || !name)
        return NULL;
    for (size_t i = 0; i < msg->header_count; i++) {
        if (text_equal_nocase(msg->headers[i].name, name))
            return msg->headers[i].value;
    }
    return NULL;
}

bool rtsp_next_param(const char **at, const char *stops, const char **ns, const char **ne,
                     const char **vs, const char **ve)
{
    const char *ps = *at;
    while (*ps == ';' || text_is_blank(*ps))
        ps++;
    if (!*ps || strchr(stops, *ps))
        return false;
    const char *pe = ps;
    while (*pe && *pe != ';' && !strchr(stops, *pe))
        pe++;
    *at = pe;
    const char *eq = memchr(ps, '=', (size_t)(pe - ps));
    *ns = NULL;
    if (!eq)
        return true;
    *ns = ps, *ne = eq, *vs = eq + 1, *ve = pe;
    text_trim_span(ns, ne);
    text_trim_span(vs, ve);
    return true;
}
