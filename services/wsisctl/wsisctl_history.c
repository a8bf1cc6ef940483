/*  wsisctl_history: a service's past events, page by page (docs/protocol.md
    section 3, events.since).

    Every producer keeps its events in its outbox and serves them oldest
    first; `history SERVICE` prints them as JSON lines, the same lines
    `tail` prints for live events, so one script reads both. `tail --since`
    replays through wsisctl_history_read before it follows the bus.
*/
#include "wsisctl.h"

//  Events asked for per request: the protocol's default page.
#define PAGE_SIZE 1000

int
wsisctl_event_print (const wsisctl_options_t *options, const char *topic, size_t topic_size,
                     const msgpack_object *envelope)
{
    json_t *topic_text = json_stringn (topic, topic_size);
    if (!topic_text) {
        fprintf (stderr, "wsisctl: skipped an event whose topic is not UTF-8\n");
        return 0;
    }
    json_t *line = json_pack ("{s:o, s:o}", "topic", topic_text,
                              "event", wsis_json_from_msgpack (envelope));
    int rc = line && wsisctl_json_print (line, true) == 0? 0: -1;
    json_decref (line);
    return rc;
}

//  The uint at key of map, or -1 when it is not there or not a uint.
static int
s_uint (const msgpack_object *map, const char *key, uint64_t *value)
{
    const msgpack_object *object = wsis_msg_get (map, key);
    if (!object || object->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return -1;
    *value = object->via.u64;
    return 0;
}

//  One page: events.since {after, limit}: the answered call (the
//  caller's), or NULL after one line on stderr.
static wsisctl_call_t *
s_ask (const wsisctl_options_t *options, const char *service, uint64_t after, int64_t limit)
{
    json_t *body = json_pack ("{s:I, s:I}", "after", (json_int_t) after, "limit", (json_int_t) limit);
    wsisctl_call_t *call = body? wsisctl_ask (options, service, "events.since", body): NULL;
    json_decref (body);
    return call;
}

//  Says why the service refused a page; the exit code.
static int
s_refused (wsisctl_call_t *call)
{
    const msgpack_object *error = wsis_msg_get (wsisctl_call_reply (call), "error");
    const msgpack_object *code = wsis_msg_get (error, "code");
    const msgpack_object *message = wsis_msg_get (error, "message");
    bool readable = code && code->type == MSGPACK_OBJECT_STR
                 && message && message->type == MSGPACK_OBJECT_STR;
    fprintf (stderr, "wsisctl: %s refused events.since: %.*s: %.*s\n", wsisctl_call_service (call),
             readable? (int) code->via.str.size: 8, readable? code->via.str.ptr: "internal",
             readable? (int) message->via.str.size: 0, readable? message->via.str.ptr: "");
    return WSISCTL_EXIT_REFUSED;
}

//  Gives each event of one page to fn. 1 when fn stopped, 0 to go on,
//  -1 on a malformed page or a failed fn. *last and *read move on.
static int
s_page (const char *service, const msgpack_object *events, uint64_t *last, int64_t *read,
        wsisctl_event_fn *fn, void *arg)
{
    for (uint32_t i = 0; i < events->via.array.size; i++) {
        const msgpack_object *envelope = &events->via.array.ptr [i];
        const msgpack_object *type = wsis_msg_get (envelope, "type");
        uint64_t seq;
        //  Oldest first and each once: a page that goes back is not one
        if (s_uint (envelope, "seq", &seq) || seq <= *last
        ||  !type || type->type != MSGPACK_OBJECT_STR) {
            fprintf (stderr, "wsisctl: malformed events.since page from %s "
                     "(an event without a type, or not after seq %llu)\n",
                     service, (unsigned long long) *last);
            return -1;
        }
        *last = seq;
        (*read)++;
        int rc = fn (arg, envelope);
        if (rc)
            return rc;
    }
    return 0;
}

int
wsisctl_history_read (const wsisctl_options_t *options, const char *service,
                      uint64_t after, int64_t limit, wsisctl_event_fn *fn, void *arg,
                      uint64_t *last_out)
{
    uint64_t last = after;
    int64_t read = 0;
    int exit_code = WSISCTL_EXIT_OK;
    while (true) {
        int64_t page = limit && limit - read < PAGE_SIZE? limit - read: PAGE_SIZE;
        wsisctl_call_t *call = s_ask (options, service, last, page);
        if (!call) {
            exit_code = WSISCTL_EXIT_FAILED;
            break;
        }
        if (!wsisctl_call_ok (call)) {
            exit_code = s_refused (call);
            wsisctl_call_destroy (&call);
            break;
        }
        const msgpack_object *body = wsisctl_each_body (call);
        const msgpack_object *events = wsis_msg_get (body, "events");
        uint64_t head;
        if (!events || events->type != MSGPACK_OBJECT_ARRAY || s_uint (body, "last_seq", &head)) {
            fprintf (stderr, "wsisctl: malformed events.since reply from %s\n", service);
            wsisctl_call_destroy (&call);
            exit_code = WSISCTL_EXIT_FAILED;
            break;
        }
        int rc = s_page (service, events, &last, &read, fn, arg);
        //  Up to the head the source gave with this page: what comes after
        //  is for tail's live stream (or the next history)
        bool done = rc != 0 || events->via.array.size == 0 || last >= head
                 || (limit && read >= limit);
        wsisctl_call_destroy (&call);
        if (rc < 0)
            exit_code = WSISCTL_EXIT_FAILED;
        if (done)
            break;
    }
    *last_out = last;
    return exit_code;
}

//  history prints every event it reads.
static int
s_print (void *arg, const msgpack_object *envelope)
{
    const msgpack_object *type = wsis_msg_get (envelope, "type");
    if (wsisctl_event_print ((const wsisctl_options_t *) arg, type->via.str.ptr,
                             type->via.str.size, envelope)) {
        fprintf (stderr, "wsisctl: cannot write to stdout\n");
        return -1;
    }
    return 0;
}

int
wsisctl_history (const wsisctl_options_t *options, const char *service)
{
    uint64_t last;
    return wsisctl_history_read (options, service, options->since, options->limit,
                                 s_print, (void *) options, &last);
}
