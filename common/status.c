/* The status convention (see status.h). */
#include "common/status.h"

/* A detail code is -(module * 10000 + class * 100 + n), see AL_STATUS_DETAIL. */
#define MODULE_SPAN 10000
#define CLASS_SPAN  100

int al_status_class(int status)
{
    if (status >= 0)
        return AL_OK;
    if (status > -CLASS_SPAN)
        return status;
    /* -status fits: every code is built from small positive parts. */
    return -((-status % MODULE_SPAN) / CLASS_SPAN);
}

int al_status_module(int status)
{
    if (status > -CLASS_SPAN)
        return 0;
    return -status / MODULE_SPAN;
}

const char *al_strerror(int status)
{
    /* A positive value is a count or a module's result, not a status. */
    if (status > 0)
        return "unknown status";
    switch (al_status_class(status)) {
    case AL_OK:
        return "ok";
    case AL_ERR_ARG:
        return "invalid argument";
    case AL_ERR_BUFFER:
        return "output buffer too small";
    case AL_ERR_TRUNCATED:
        return "truncated input";
    case AL_ERR_MALFORMED:
        return "malformed input";
    case AL_ERR_TOO_LARGE:
        return "input exceeds a limit";
    case AL_ERR_UNSUPPORTED:
        return "unsupported";
    case AL_ERR_REFUSED:
        return "refused by the peer";
    case AL_ERR_BUSY:
        return "busy";
    case AL_ERR_NO_PEER:
        return "no peer took it";
    default:
        return "unknown status";
    }
}

int al_exit_status(int status)
{
    return status >= 0 ? 0 : 1;
}
