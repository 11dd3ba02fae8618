/* Descriptor set-up shared by every socket the programs open. */
#ifndef AL_NET_FD_H
#define AL_NET_FD_H

/** Puts FD into non-blocking mode (O_NONBLOCK): every socket of ours is
 *  polled by one loop, and no read or write may ever wait. Returns 0, or -1
 *  with errno set. */
int net_set_nonblocking(int fd);

/** The local port FD is bound to (what the kernel chose after a bind to
 *  port 0), 1..65535, or -1 when FD is not a bound IPv4/IPv6 socket. */
int net_bound_port(int fd);

#endif
