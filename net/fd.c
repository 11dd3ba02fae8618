/* Descriptor set-up (see fd.h). */
#include "net/fd.h"

#include "net/addr.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

int net_set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int net_bound_port(int fd)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        return -1;
    return net_addr_port((const struct sockaddr *)&addr);
}
