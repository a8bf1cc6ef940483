/*  wsis_event: envelope encoding and strict decoding. */
#include "wsis_event.h"
#include "wsis_msg.h"
#include "wsis_pack.h"

#include <string.h>

//  "source:seq" into id, cut to size as snprintf would: without its cost,
//  once per event.
static void
s_event_id (char *id, size_t size, const char *source, uint64_t seq)
{
    char digits [20];
    size_t count = 0;
    do
        digits [count++] = (char) ('0' + seq % 10);
    while (seq /= 10);
    size_t used = strnlen (source, size - 1);
    memcpy (id, source, used);
    if (used < size - 1)
        id [used++] = ':';
    while (count > 0 && used < size - 1)
        id [used++] = digits [--count];
    id [used] = 0;
}

void
wsis_event_encode (msgpack_sbuffer *out, const char *source, uint64_t seq,
                   const char *type, int64_t ts, const void *body, size_t body_size)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 7);
    wsis_pack_kv_int (&pk, "v", WSIS_PROTOCOL_VERSION);
    wsis_pack_kv_str (&pk, "source", source);
    wsis_pack_kv_uint (&pk, "seq", seq);
    char id [96];
    s_event_id (id, sizeof id, source, seq);
    wsis_pack_kv_str (&pk, "id", id);
    wsis_pack_kv_str (&pk, "type", type);
    wsis_pack_kv_int (&pk, "ts", ts);
    wsis_pack_str (&pk, "body");
    if (body_size)
        wsis_pack_raw (&pk, body, body_size);
    else
        msgpack_pack_map (&pk, 0);
}

//  The fields of an envelope map into event (which does not own them).
static int
s_fields (wsis_event_t *event, const msgpack_object *root, wsis_error_t *error)
{
    if (root->type != MSGPACK_OBJECT_MAP)
        return wsis_error_set (error, "bad_request", NULL, "an envelope is a map");
    if (wsis_msg_check_maps (root, error))
        return -1;
    const msgpack_object *v = wsis_msg_get (root, "v");
    if (!v || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != WSIS_PROTOCOL_VERSION)
        return wsis_error_set (error, "bad_request", "v", "'v' must be 1");
    if (wsis_msg_copy_str (wsis_msg_get (root, "source"), event->source, 1, sizeof event->source - 1))
        return wsis_error_set (error, "bad_request", "source", "'source' must be a short string");
    const msgpack_object *seq = wsis_msg_get (root, "seq");
    if (!seq || seq->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return wsis_error_set (error, "bad_request", "seq", "'seq' must be an unsigned integer");
    event->seq = seq->via.u64;
    if (wsis_msg_copy_str (wsis_msg_get (root, "type"), event->type, 1, sizeof event->type - 1))
        return wsis_error_set (error, "bad_request", "type", "'type' must be a short string");
    const msgpack_object *ts = wsis_msg_get (root, "ts");
    //  A uint above INT64_MAX would read back as a negative ts
    if (!ts || (ts->type != MSGPACK_OBJECT_POSITIVE_INTEGER && ts->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
    ||  (ts->type == MSGPACK_OBJECT_POSITIVE_INTEGER && ts->via.u64 > INT64_MAX))
        return wsis_error_set (error, "bad_request", "ts", "'ts' must be an integer");
    event->ts = ts->via.i64;
    const msgpack_object *body = wsis_msg_get (root, "body");
    if (!body || body->type != MSGPACK_OBJECT_MAP)
        return wsis_error_set (error, "bad_request", "body", "'body' must be a map");
    event->body = body;
    return 0;
}

int
wsis_event_decode (wsis_event_t *event, const void *data, size_t size, wsis_error_t *error)
{
    memset (event, 0, sizeof *event);
    msgpack_unpacked_init (&event->unpacked);
    event->raw = data;
    event->raw_size = size;
    if (wsis_msg_unpack (&event->unpacked, data, size, &wsis_msg_default_limits, error))
        return -1;
    return s_fields (event, &event->unpacked.data, error);
}

int
wsis_event_from_object (wsis_event_t *event, const msgpack_object *envelope, wsis_error_t *error)
{
    memset (event, 0, sizeof *event);
    msgpack_unpacked_init (&event->unpacked);
    return s_fields (event, envelope, error);
}

void
wsis_event_release (wsis_event_t *event)
{
    msgpack_unpacked_destroy (&event->unpacked);
}
