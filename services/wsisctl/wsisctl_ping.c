/*  wsisctl_ping: sys.ping of one or every service (docs/protocol.md section 4).

    This is the healthcheck of every container, so it must answer within
    its timeout whatever state the system is in: all pings are sent at
    once and waited for together, and every service gets one line, also
    the ones that did not answer, so the operator sees at a glance which
    are down.
*/
#include "wsisctl.h"

//  The line of one service: its reply body merged in when it answered.
static json_t *
s_line (wsisctl_call_t *call)
{
    json_t *line = json_pack ("{s:s, s:s, s:b}",
                              "service", wsisctl_call_service (call),
                              "endpoint", wsisctl_call_endpoint (call),
                              "ok", wsisctl_call_ok (call));
    if (!line)
        return NULL;
    const msgpack_object *reply = wsisctl_call_reply (call);
    if (!reply)
        json_object_set_new (line, "error", json_string (wsisctl_call_failure_code (call)));
    else
    if (wsisctl_call_ok (call)) {
        //  version, uptime_ms, last_seq; our "service" is kept, so the
        //  line always names what was asked even if a reply disagrees
        const msgpack_object *body_object = wsis_msg_get (reply, "body");
        json_t *body = body_object? wsis_json_from_msgpack (body_object): NULL;
        if (json_is_object (body))
            json_object_update_missing (line, body);
        json_decref (body);
    }
    else {
        const msgpack_object *error = wsis_msg_get (reply, "error");
        const msgpack_object *code = wsis_msg_get (error, "code");
        const msgpack_object *message = wsis_msg_get (error, "message");
        //  json_stringn refuses text that is not UTF-8: a service that
        //  sends such a code is broken, and "internal" says so.
        json_t *code_text = code && code->type == MSGPACK_OBJECT_STR
                          ? json_stringn (code->via.str.ptr, code->via.str.size): NULL;
        json_object_set_new (line, "error", code_text? code_text: json_string ("internal"));
        if (message && message->type == MSGPACK_OBJECT_STR)
            json_object_set_new (line, "message", wsis_json_from_msgpack (message));
    }
    return line;
}

int
wsisctl_ping (const wsisctl_options_t *options, const char *target)
{
    const char *names [16];
    size_t count = 0;
    if (!target || streq (target, "all"))
        for (size_t i = 0; wsis_config_services [i] && count < 16; i++)
            names [count++] = wsis_config_services [i];
    else
        names [count++] = target;

    //  One request for all: sys.ping writes nothing, so sharing an id
    //  cannot make one service answer with another's stored reply.
    json_t *empty = json_object ();
    msgpack_sbuffer request;
    msgpack_sbuffer_init (&request);
    const char *error = NULL;
    int rc = wsisctl_request_encode (&request, options, "sys.ping", empty, &error);
    json_decref (empty);
    if (rc) {
        fprintf (stderr, "wsisctl: cannot encode sys.ping: %s\n", error);
        msgpack_sbuffer_destroy (&request);
        return WSISCTL_EXIT_FAILED;
    }
    wsisctl_call_t *calls [16];
    for (size_t i = 0; i < count; i++) {
        char *endpoint = wsis_config_endpoint (options->config, names [i], "port", false);
        calls [i] = wsisctl_call_new (names [i], endpoint, options->curve, &request);
        zstr_free (&endpoint);
    }
    msgpack_sbuffer_destroy (&request);

    wsisctl_call_wait (calls, count,
                       options->timeout_ms > 0? options->timeout_ms: WSISCTL_PING_TIMEOUT_MS);

    //  2 if any service could not be asked, else 1 if any said no
    int exit_code = WSISCTL_EXIT_OK;
    for (size_t i = 0; i < count; i++) {
        json_t *line = s_line (calls [i]);
        if (!line || wsisctl_json_print (line, true)) {
            fprintf (stderr, "wsisctl: cannot write to stdout\n");
            exit_code = WSISCTL_EXIT_FAILED;
        }
        json_decref (line);
        if (!wsisctl_call_answered (calls [i]))
            exit_code = WSISCTL_EXIT_FAILED;
        else
        if (!wsisctl_call_ok (calls [i]) && exit_code == WSISCTL_EXIT_OK)
            exit_code = WSISCTL_EXIT_REFUSED;
        wsisctl_call_destroy (&calls [i]);
    }
    return exit_code;
}
