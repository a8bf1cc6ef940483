/*  wsisctl_clock: the clocks of every service at once (docs/protocol.md
    section 4, sys.clock.get and sys.clock.set).

    A rehearsal runs every service on a manual clock, and a deadline only
    means something when all of them agree on the time: moving one and
    not the others lets submissions close while voting still thinks it is
    January. So `clock set` first asks every clock whether it is manual
    and sets none unless all are; then it sets all, the bus too, and says
    for each what it answered.
*/
#include "wsisctl.h"
#include "wsis_time.h"

int
wsisctl_clock_get (const wsisctl_options_t *options)
{
    return wsisctl_each (options, NULL, "sys.clock.get", WSISCTL_TIMEOUT_MS);
}

//  True when the call's reply says the clock is manual.
static bool
s_manual (wsisctl_call_t *call)
{
    return wsis_msg_true (wsis_msg_get (wsisctl_each_body (call), "manual"));
}

//  Asks every clock whether it may be set. Prints a line for each one
//  that may not (or did not answer) and returns the exit code, or
//  WSISCTL_EXIT_OK when every clock is manual.
static int
s_check_manual (const wsisctl_options_t *options, const char *const *names, size_t count)
{
    wsisctl_call_t *calls [WSISCTL_SERVICES_MAX];
    if (wsisctl_each_call (options, names, count, "sys.clock.get", NULL, WSISCTL_TIMEOUT_MS, calls))
        return WSISCTL_EXIT_FAILED;
    int exit_code = WSISCTL_EXIT_OK;
    char *refused = NULL;
    for (size_t i = 0; i < count; i++) {
        if (wsisctl_call_ok (calls [i]) && s_manual (calls [i])) {
            wsisctl_call_destroy (&calls [i]);
            continue;
        }
        json_t *line = wsisctl_each_line (calls [i]);
        if (line && wsisctl_call_ok (calls [i])) {
            //  It answered: its clock is real, and a real clock follows the
            //  system (sys.clock.set would say forbidden).
            json_object_set_new (line, "ok", json_false ());
            json_object_set_new (line, "error", json_string ("forbidden"));
            json_object_set_new (line, "message", json_string (
                "its clock is real: only a service started with WSIS_CLOCK=manual can be set"));
        }
        if (!line || wsisctl_json_print (line, true))
            fprintf (stderr, "wsisctl: cannot write to stdout\n");
        json_decref (line);
        char *list = zsys_sprintf ("%s%s%s", refused? refused: "", refused? ", ": "",
                                   wsisctl_call_service (calls [i]));
        zstr_free (&refused);
        refused = list;
        if (!wsisctl_call_answered (calls [i]))
            exit_code = WSISCTL_EXIT_FAILED;
        else
        if (exit_code == WSISCTL_EXIT_OK)
            exit_code = WSISCTL_EXIT_REFUSED;
        wsisctl_call_destroy (&calls [i]);
    }
    if (refused)
        fprintf (stderr, "wsisctl: no clock was set, since not every one can be: %s "
                 "(see above)\n", refused);
    zstr_free (&refused);
    return exit_code;
}

int
wsisctl_clock_set (const wsisctl_options_t *options, const char *time_text)
{
    int64_t now;
    if (wsis_time_parse_zoned (time_text, &now)) {
        fprintf (stderr, "wsisctl: '%s' is not a time: give an RFC 3339 instant "
                 "(2027-03-31T20:00:00Z, 2027-03-31T22:00:00+02:00) or a wall time "
                 "with its zone (\"2027-03-31 22:00 Europe/Geneva\")\n", time_text);
        return WSISCTL_EXIT_FAILED;
    }
    const char *names [WSISCTL_SERVICES_MAX];
    size_t count = wsisctl_each_names (NULL, names);
    int exit_code = s_check_manual (options, names, count);
    if (exit_code != WSISCTL_EXIT_OK)
        return exit_code;

    char instant [WSIS_TIME_BUFSIZE];
    wsis_time_format (now, instant);
    json_t *body = json_pack ("{s:s}", "now", instant);
    wsisctl_call_t *calls [WSISCTL_SERVICES_MAX];
    int rc = body? wsisctl_each_call (options, names, count, "sys.clock.set", body,
                                      WSISCTL_TIMEOUT_MS, calls): -1;
    json_decref (body);
    return rc? WSISCTL_EXIT_FAILED: wsisctl_each_print (calls, count);
}
