/*  wsisctl_send: one request, one reply (SERVICE OP, publish).

    The reply is printed whole, error replies included, because the
    error's code, message and field are what the operator needs; only the
    exit code tells ok from refused. A call that got no reply prints
    nothing on stdout, so a script never parses a half answer.
*/
#include "wsisctl.h"

wsisctl_call_t *
wsisctl_ask (const wsisctl_options_t *options, const char *service, const char *op,
             const json_t *body)
{
    msgpack_sbuffer request;
    msgpack_sbuffer_init (&request);
    const char *error = NULL;
    if (wsisctl_request_encode (&request, options, op, body, &error)) {
        fprintf (stderr, "wsisctl: cannot encode the body: %s\n", error);
        msgpack_sbuffer_destroy (&request);
        return NULL;
    }
    char *endpoint = wsis_config_endpoint (options->config, service, "port", false);
    wsisctl_call_t *call = wsisctl_call_new (service, endpoint, options->curve, &request);
    msgpack_sbuffer_destroy (&request);
    zstr_free (&endpoint);
    wsisctl_call_wait (&call, 1, options->timeout_ms > 0? options->timeout_ms: WSISCTL_TIMEOUT_MS);
    if (!wsisctl_call_answered (call)) {
        fprintf (stderr, "wsisctl: %s\n", wsisctl_call_failure (call));
        wsisctl_call_destroy (&call);
    }
    return call;
}

int
wsisctl_send (const wsisctl_options_t *options, const char *service,
              const char *op, const json_t *body)
{
    wsisctl_call_t *call = wsisctl_ask (options, service, op, body);
    if (!call)
        return WSISCTL_EXIT_FAILED;
    int exit_code;
    if (wsisctl_json_print_msgpack (wsisctl_call_reply (call), options->compact)) {
        fprintf (stderr, "wsisctl: cannot write the reply to stdout\n");
        exit_code = WSISCTL_EXIT_FAILED;
    }
    else
        exit_code = wsisctl_call_ok (call)? WSISCTL_EXIT_OK: WSISCTL_EXIT_REFUSED;
    wsisctl_call_destroy (&call);
    return exit_code;
}

int
wsisctl_publish (const wsisctl_options_t *options, const char *topic, const json_t *body)
{
    //  docs/protocol.md section 13: the bus journals the event and publishes it with
    //  source "bus"; it checks the topic, so a bad one is a refusal (1).
    json_t *publish = json_pack ("{s:s, s:O, s:s}", "topic", topic,
                                 "body", body, "origin", options->origin);
    if (!publish) {
        fprintf (stderr, "wsisctl: the topic must be UTF-8 text\n");
        return WSISCTL_EXIT_FAILED;
    }
    int exit_code = wsisctl_send (options, "bus", "publish", publish);
    json_decref (publish);
    return exit_code;
}
