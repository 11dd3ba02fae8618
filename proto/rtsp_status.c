/* RTSP/1.0 reason phrases, error replies and result texts (RFC 2326 7.1.1). */
#include "proto/rtsp_status.h"

const char *rtsp_status_reason(int code)
{
    switch (code) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 250:
        return "Low on Storage Space";
    case 300:
        return "Multiple Choices";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Moved Temporarily";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 305:
        return "Use Proxy";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Time-out";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Request Entity Too Large";
    case 414:
        return "Request-URI Too Large";
    case 415:
        return "Unsupported Media Type";
    case 451:
        return "Parameter Not Understood";
    case 452:
        return "Conference Not Found";
    case 453:
        return "Not Enough Bandwidth";
    case 454:
        return "Session Not Found";
    case 455:
        return "Method Not Valid in This State";
    case 456:
        return "Header Field Not Valid for Resource";
    case 457:
        return "Invalid Range";
    case 458:
        return "Parameter Is Read-Only";
    case 459:
        return "Aggregate Operation Not Allowed";
    case 460:
        return "Only Aggregate Operation Allowed";
    case 461:
        return "Unsupported Transport";
    case 462:
        return "Destination Unreachable";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Time-out";
    case 505:
        return "RTSP Version Not Supported";
    case 551:
        return "Option Not Supported";
    default:
        break;
    }
    /* RFC 2326 7.1.1: an unknown code is understood by its class. */
    switch (code / 100) {
    case 1:
        return "Informational";
    case 2:
        return "Success";
    case 3:
        return "Redirection";
    case 4:
        return "Client Error";
    case 5:
        return "Server Error";
    default:
        return "Unknown";
    }
}

int rtsp_error_status(int err, const char **reason)
{
    int code = 400;
    const char *why = "Bad Request";
    switch (err) {
    case RTSP_ERR_URI_TOO_LONG:
        code = 414;
        why = rtsp_status_reason(414);
        break;
    case RTSP_ERR_BODY_TOO_LARGE:
        code = 413;
        why = rtsp_status_reason(413);
        break;
    case RTSP_ERR_VERSION:
        code = 505;
        why = rtsp_status_reason(505);
        break;
    case RTSP_ERR_LINE_TOO_LONG:
    case RTSP_ERR_TOO_MANY_HEADERS:
    case RTSP_ERR_HEAD_TOO_LARGE:
        /* HTTP's 431 has no RTSP/1.0 counterpart: 400 with its phrase. */
        why = "Request Header Fields Too Large";
        break;
    default:
        break;
    }
    if (reason)
        *reason = why;
    return code;
}

const char *rtsp_strerror(int status)
{
    switch (status) {
    case RTSP_OK:
        return "ok";
    case RTSP_NEED_MORE:
        return "incomplete message";
    case RTSP_MESSAGE:
        return "message";
    case RTSP_INTERLEAVED:
        return "interleaved binary frame";
    case RTSP_ERR_URI_TOO_LONG:
        return "request line too long";
    case RTSP_ERR_LINE_TOO_LONG:
        return "header line too long";
    case RTSP_ERR_TOO_MANY_HEADERS:
        return "too many header lines";
    case RTSP_ERR_HEAD_TOO_LARGE:
        return "message head too large";
    case RTSP_ERR_BODY_TOO_LARGE:
        return "Content-Length too large";
    case RTSP_ERR_CONTENT_LENGTH:
        return "invalid Content-Length";
    case RTSP_ERR_START_LINE:
        return "malformed request or status line";
    case RTSP_ERR_VERSION:
        return "unsupported RTSP version";
    case RTSP_ERR_HEADER:
        return "malformed header line";
    case RTSP_ERR_TRANSPORT:
        return "malformed or unsupported Transport";
    case RTSP_ERR_SESSION:
        return "malformed Session";
    case RTSP_ERR_URL:
        return "malformed rtsp:// URL";
    case RTSP_ERR_RTP_INFO:
        return "malformed RTP-Info";
    default:
        return al_strerror(status);
    }
}
