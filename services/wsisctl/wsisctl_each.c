/*  wsisctl_each: one request to several services at once, one line each.

    ping and clock ask every service the same thing; an operator wants
    one answer per service at a glance, also from the ones that did not
    answer. All requests are sent at once and waited for together, so a
    dead service costs one timeout, not one per service.
*/
#include "wsisctl.h"

size_t
wsisctl_each_names (const char *target, const char **names)
{
    size_t count = 0;
    if (!target || streq (target, "all"))
        for (size_t i = 0; wsis_config_services [i] && count < WSISCTL_SERVICES_MAX; i++)
            names [count++] = wsis_config_services [i];
    else
        names [count++] = target;
    return count;
}

int
wsisctl_each_call (const wsisctl_options_t *options, const char *const *names, size_t count,
                   const char *op, const json_t *body, int timeout_ms, wsisctl_call_t **calls)
{
    //  One request for all: each service keeps its own stored replies, so
    //  sharing an id cannot make one answer with another's.
    msgpack_sbuffer request;
    msgpack_sbuffer_init (&request);
    const char *error = NULL;
    json_t *empty = body? NULL: json_object ();
    int rc = wsisctl_request_encode (&request, options, op, body? body: empty, &error);
    json_decref (empty);
    if (rc) {
        fprintf (stderr, "wsisctl: cannot encode %s: %s\n", op, error);
        msgpack_sbuffer_destroy (&request);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        char *endpoint = wsis_config_endpoint (options->config, names [i], "port", false);
        calls [i] = wsisctl_call_new (names [i], endpoint, options->curve, &request);
        zstr_free (&endpoint);
    }
    msgpack_sbuffer_destroy (&request);
    wsisctl_call_wait (calls, count, options->timeout_ms > 0? options->timeout_ms: timeout_ms);
    return 0;
}

const msgpack_object *
wsisctl_each_body (wsisctl_call_t *call)
{
    return wsisctl_call_ok (call)? wsis_msg_get (wsisctl_call_reply (call), "body"): NULL;
}

json_t *
wsisctl_each_line (wsisctl_call_t *call)
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
        //  The reply body merged in; our "service" is kept, so the line
        //  always names what was asked even if a reply disagrees
        const msgpack_object *body_object = wsisctl_each_body (call);
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
wsisctl_each_print (wsisctl_call_t **calls, size_t count)
{
    //  2 if any service could not be asked, else 1 if any said no
    int exit_code = WSISCTL_EXIT_OK;
    for (size_t i = 0; i < count; i++) {
        json_t *line = wsisctl_each_line (calls [i]);
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

int
wsisctl_each (const wsisctl_options_t *options, const char *target, const char *op,
              int timeout_ms)
{
    const char *names [WSISCTL_SERVICES_MAX];
    size_t count = wsisctl_each_names (target, names);
    wsisctl_call_t *calls [WSISCTL_SERVICES_MAX];
    if (wsisctl_each_call (options, names, count, op, NULL, timeout_ms, calls))
        return WSISCTL_EXIT_FAILED;
    return wsisctl_each_print (calls, count);
}
