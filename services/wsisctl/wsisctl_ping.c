/*  wsisctl_ping: sys.ping of one or every service (docs/protocol.md section 4).

    This is the healthcheck of every container, so it must answer within
    its timeout whatever state the system is in: all pings are sent at
    once and waited for together (wsisctl_each), and every service gets
    one line, also the ones that did not answer, so the operator sees at a
    glance which are down.
*/
#include "wsisctl.h"

int
wsisctl_ping (const wsisctl_options_t *options, const char *target)
{
    return wsisctl_each (options, target, "sys.ping", WSISCTL_PING_TIMEOUT_MS);
}
