/*  wsisctl_settle: waits until every service has applied every event of
    every source it follows (docs/protocol.md section 4: sys.ping's
    last_seq is a source's head, sys.stats's sources.<source>.last_seq a
    consumer's position in it).

    Events travel on their own: an operator who has just closed the
    submission phase, or a rehearsal that has just moved the clock, asks
    this before the step that needs the others to know (staff review what
    nominations has learnt; voting accepts votes for what it has learnt
    was nominated). It prints one line per service with its lag behind
    each source, once they are all 0 or when the time is up.
*/
#include "wsisctl.h"

#define SETTLE_TIMEOUT_MS   10000
#define SETTLE_POLL_MS      100

//  The head (last_seq) of each service that answered sys.ping; UINT64_MAX
//  for one that did not.
static int
s_heads (const wsisctl_options_t *options, const char *const *names, size_t count,
         uint64_t *heads)
{
    wsisctl_call_t *calls [WSISCTL_SERVICES_MAX];
    if (wsisctl_each_call (options, names, count, "sys.ping", NULL, WSISCTL_PING_TIMEOUT_MS, calls))
        return -1;
    for (size_t i = 0; i < count; i++) {
        const msgpack_object *seq = wsis_msg_get (wsisctl_each_body (calls [i]), "last_seq");
        heads [i] = seq && seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER? seq->via.u64: UINT64_MAX;
        wsisctl_call_destroy (&calls [i]);
    }
    return 0;
}

//  The index of name among the services, or -1.
static int
s_index (const char *const *names, size_t count, const char *name, size_t len)
{
    for (size_t i = 0; i < count; i++)
        if (strlen (names [i]) == len && memcmp (names [i], name, len) == 0)
            return (int) i;
    return -1;
}

//  One line per service, {service, ok, lag: {source: n}}, into lines (a
//  JSON array); *settled stays true only when every lag is 0 and every
//  service answered, *silent becomes true when one did not answer.
static int
s_lags (const wsisctl_options_t *options, const char *const *names, size_t count,
        const uint64_t *heads, json_t *lines, bool *settled, bool *silent)
{
    wsisctl_call_t *calls [WSISCTL_SERVICES_MAX];
    if (wsisctl_each_call (options, names, count, "sys.stats", NULL, WSISCTL_PING_TIMEOUT_MS, calls))
        return -1;
    for (size_t i = 0; i < count; i++) {
        const msgpack_object *body = wsisctl_each_body (calls [i]);
        const msgpack_object *sources = wsis_msg_get (body, "sources");
        json_t *line = json_pack ("{s:s}", "service", names [i]);
        json_t *lag = json_object ();
        bool answered = body && heads [i] != UINT64_MAX;
        for (uint32_t s = 0; sources && sources->type == MSGPACK_OBJECT_MAP
                          && s < sources->via.map.size; s++) {
            const msgpack_object_kv *source = &sources->via.map.ptr [s];
            if (source->key.type != MSGPACK_OBJECT_STR)
                continue;
            int head = s_index (names, count, source->key.via.str.ptr, source->key.via.str.size);
            const msgpack_object *at = wsis_msg_get (&source->val, "last_seq");
            if (head < 0 || !at || at->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
                continue;
            char *key = zsys_sprintf ("%.*s", (int) source->key.via.str.size, source->key.via.str.ptr);
            if (heads [head] == UINT64_MAX)
                json_object_set_new (lag, key, json_null ());
            else
                json_object_set_new (lag, key, json_integer (
                    heads [head] > at->via.u64? (json_int_t) (heads [head] - at->via.u64): 0));
            if (heads [head] == UINT64_MAX || heads [head] > at->via.u64)
                *settled = false;
            zstr_free (&key);
        }
        if (!answered) {
            *settled = false;
            *silent = true;
            json_object_set_new (line, "ok", json_false ());
            json_object_set_new (line, "error", json_string (
                wsisctl_call_answered (calls [i])? "refused": wsisctl_call_failure_code (calls [i])));
        }
        else
            json_object_set_new (line, "ok", json_true ());
        json_object_set_new (line, "lag", lag);
        json_array_append_new (lines, line);
        wsisctl_call_destroy (&calls [i]);
    }
    return 0;
}

int
wsisctl_settle (const wsisctl_options_t *options)
{
    const char *names [WSISCTL_SERVICES_MAX];
    size_t count = wsisctl_each_names (NULL, names);
    int timeout_ms = options->timeout_ms > 0? options->timeout_ms: SETTLE_TIMEOUT_MS;
    int64_t deadline = zclock_mono () + timeout_ms;
    while (true) {
        uint64_t heads [WSISCTL_SERVICES_MAX];
        json_t *lines = json_array ();
        bool settled = true, silent = false;
        if (s_heads (options, names, count, heads)
        ||  s_lags (options, names, count, heads, lines, &settled, &silent)) {
            json_decref (lines);
            return WSISCTL_EXIT_FAILED;
        }
        bool late = zclock_mono () >= deadline;
        if (settled || late || zsys_interrupted) {
            size_t i;
            json_t *line;
            json_array_foreach (lines, i, line)
                if (wsisctl_json_print (line, true)) {
                    json_decref (lines);
                    return WSISCTL_EXIT_FAILED;
                }
            json_decref (lines);
            if (settled)
                return WSISCTL_EXIT_OK;
            if (silent) {
                fprintf (stderr, "wsisctl: not every service answered within %d ms (above)\n",
                         timeout_ms);
                return WSISCTL_EXIT_FAILED;
            }
            fprintf (stderr, "wsisctl: not every service has applied every event after %d ms "
                     "(lag above); is one of them stopped or failing? see its log\n", timeout_ms);
            return WSISCTL_EXIT_REFUSED;
        }
        json_decref (lines);
        zclock_sleep (SETTLE_POLL_MS);
    }
}
