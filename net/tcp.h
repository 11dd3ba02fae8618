/* TCP sockets for the RTSP control channel, and the address helpers the
 * control and media paths share.
 *
 * Every socket is non-blocking: the programs run one poll loop for media and
 * control, and a slow or hostile peer on TCP must never hold up the audio. */
#ifndef AL_NET_TCP_H
#define AL_NET_TCP_H

#include <stdbool.h>
#include <stddef.h>

#include "net/addr.h"

/** Opens a listening TCP socket on EP (passive: empty host = every address,
 *  IPv4 and IPv6). SO_REUSEADDR is set, so a receiver restarted at once can
 *  bind the port its predecessor's connections still hold in TIME_WAIT.
 *  Returns the descriptor, or -1 with a reason in ERR ("TCP port 5004 is in
 *  use"). */
int tcp_listen(const net_endpoint *ep, char *err, size_t err_size);

/** Accepts one pending connection of LISTEN_FD, non-blocking, with
 *  TCP_NODELAY (each RTSP message is one small write that should leave now).
 *  PEER gets its address. Returns the descriptor, or -1 (errno EAGAIN when
 *  none is pending). */
int tcp_accept(int listen_fd, struct sockaddr_storage *peer, socklen_t *peer_len);

/** Starts a non-blocking connect to DEST. Returns the descriptor (the
 *  connection completes when it polls writable: see tcp_connect_result), or
 *  -1 with a reason in ERR for an immediate failure. */
int tcp_connect_start(const struct sockaddr *dest, socklen_t dest_len, char *err, size_t err_size);

/** After FD polled writable (or with an error): 0 when connected, else the
 *  errno of the failure (ECONNREFUSED, ETIMEDOUT, ...). */
int tcp_connect_result(int fd);

/** True when A and B name the same host (family and address, ports
 *  ignored), an IPv4-mapped IPv6 address being equal to its IPv4 address:
 *  a dual-stack socket reports IPv4 peers in mapped form. */
bool net_same_host(const struct sockaddr *a, const struct sockaddr *b);

/** The address (no port) of A as text: "127.0.0.1", "::1"; IPv4-mapped
 *  IPv6 addresses in their IPv4 form. Returns BUF. */
const char *net_host_str(const struct sockaddr *a, char *buf, size_t size);

/** The local address the kernel would send from to reach DEST (a UDP
 *  socket connected and closed again: no packet is sent). Returns 0, or -1
 *  when there is no route. */
int net_local_address_for(const struct sockaddr *dest, socklen_t dest_len,
                          struct sockaddr_storage *out);

/* ---- for the sender application (txapp): reading and writing ---- */

/** A non-blocking recv() of up to LEN bytes. Returns the byte count (> 0);
 *  0 when nothing is there now; -1 when the connection is over, with *WHY
 *  NULL when the peer closed it, else strerror() of the failure. */
long tcp_recv_some(int fd, void *buf, size_t len, const char **why);

/** A non-blocking send() (no SIGPIPE) of up to LEN bytes. Returns the
 *  count sent (0 when the socket buffer is full now), or -1 with *WHY the
 *  strerror() of the failure. */
long tcp_send_some(int fd, const void *data, size_t len, const char **why);

/** The numeric addresses (no port, as net_host_str) of the two ends of the
 *  connected socket FD into LOCAL and PEER ("" when unknown), and the
 *  peer's full address into *PEER_ADDR (when not NULL). */
void tcp_endpoints(int fd, char *local, size_t local_size, char *peer, size_t peer_size,
                   struct sockaddr_storage *peer_addr);

#endif
