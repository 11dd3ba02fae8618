/* netsim's exit statuses, one per failure class (see --help), and the class
 * of a failure to bind (net/bind.h), so that the UDP relays and the TCP
 * relay report the same failure with the same status. */
#ifndef AL_TOOLS_NETSIM_EXIT_CODES_H
#define AL_TOOLS_NETSIM_EXIT_CODES_H

#include "net/bind.h"

#define NETSIM_EXIT_RUNTIME 1
#define NETSIM_EXIT_USAGE   2 /**< bad option, unresolvable host, port in use */

/** A port in use, an address not ours or an unresolvable host is the user's
 *  to fix (usage); anything else is a runtime failure. */
static inline int netsim_exit_for_bind(net_bind_failure f)
{
    return f == NET_BIND_SYSTEM ? NETSIM_EXIT_RUNTIME : NETSIM_EXIT_USAGE;
}

#endif
