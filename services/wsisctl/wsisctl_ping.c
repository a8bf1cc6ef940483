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
    const char *names [WSISCTL_SERVICES_MAX];
    size_t count = wsisctl_each_names (target, names);
    wsisctl_call_t *calls [WSISCTL_SERVICES_MAX];
    json_t *empty = json_object ();
    int rc = wsisctl_each_call (options, names, count, "sys.ping", empty,
                                WSISCTL_PING_TIMEOUT_MS, calls);
    json_decref (empty);
    return rc? WSISCTL_EXIT_FAILED: wsisctl_each_print (calls, count);
}
