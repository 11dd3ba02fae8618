/* The sender's --to: where the receiver is, as every address to try and
 * the stream's RTSP URL.
 *
 * Forms: rtsp://HOST[:PORT]/PATH; HOST:PORT (a name, an IPv4 address or
 * [IPv6]), the URL then rtsp://HOST:PORT/audio (AL_RTSP_PATH); and
 * HOST[,HOST...]:PORT, several hosts tried in that order (the first one's
 * name goes into the URL). A name gives every address it resolves to
 * (net_resolve_all), so that net/connector.h can try each in turn. */
#ifndef AL_SENDER_TX_DESTINATION_H
#define AL_SENDER_TX_DESTINATION_H

#include <stdbool.h>
#include <stddef.h>

#include "net/addr.h"

/** Resolves TO into ADDRS (at most NET_ADDR_MAX, duplicates removed; for
 *  UDP when PLAIN, --no-control, else for TCP) and, unless PLAIN, the RTSP
 *  URL into URL (URL_SIZE bytes). Returns 0, or exit status 2 after
 *  printing "sender: <why>" on stderr: a usage error for a --to that is
 *  not one of the forms (an rtsp:// URL with PLAIN included), the
 *  resolver's reason for a name that does not resolve. */
int tx_destination_resolve(const char *to, bool plain, net_addr_list *addrs, char *url,
                           size_t url_size);

#endif
