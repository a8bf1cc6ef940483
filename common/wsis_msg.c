/*  wsis_msg: strict request/event decoding and reply/envelope encoding. */
#include "wsis_msg.h"
#include "wsis_mpcheck.h"
#include "wsis_valid.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define WSIS_MAP_MAX_KEYS 1024

//  A photo entry's image is the largest legitimate value (4 MiB); strings
//  are bounded well below the frame limit so one field cannot hog memory.
const wsis_msg_limits_t wsis_msg_default_limits = {
    .max_depth = 16,
    .max_str = 1024 * 1024,
    .max_bin = 4 * 1024 * 1024,
    .max_elements = 200000
};

static const char *const s_role_names [] = {
    "public", "stakeholder", "staff", "expert",
    "operator", "gateway", "service", "publisher"
};
#define ROLE_COUNT (sizeof (s_role_names) / sizeof (s_role_names [0]))

wsis_role_t
wsis_role_parse (const char *text, size_t len)
{
    for (size_t i = 0; i < ROLE_COUNT; i++)
        if (strlen (s_role_names [i]) == len && memcmp (s_role_names [i], text, len) == 0)
            return (wsis_role_t) (1 << i);
    return (wsis_role_t) 0;
}

const char *
wsis_role_name (wsis_role_t role)
{
    for (size_t i = 0; i < ROLE_COUNT; i++)
        if (role == (wsis_role_t) (1 << i))
            return s_role_names [i];
    return "unknown";
}

static int
s_error_vset (wsis_error_t *error, const char *code, const char *field,
              const char *format, va_list args)
{
    error->code = code;
    vsnprintf (error->message, sizeof error->message, format, args);
    snprintf (error->field, sizeof error->field, "%s", field? field: "");
    return -1;
}

int
wsis_error_set (wsis_error_t *error, const char *code, const char *field,
                const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_error_vset (error, code, field, format, args);
    va_end (args);
    return -1;
}

const msgpack_object *
wsis_msg_get (const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t key_len = strlen (key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr [i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == key_len
        &&  memcmp (k->via.str.ptr, key, key_len) == 0)
            return &map->via.map.ptr [i].val;
    }
    return NULL;
}

bool
wsis_msg_str_equals (const msgpack_object *obj, const char *text)
{
    return obj && obj->type == MSGPACK_OBJECT_STR
        && obj->via.str.size == strlen (text)
        && memcmp (obj->via.str.ptr, text, obj->via.str.size) == 0;
}

//  Copies a str object into a fixed buffer; -1 if it is not a str or does
//  not fit in min..max bytes.
static int
s_copy_str (const msgpack_object *obj, char *buffer, size_t min, size_t max)
{
    if (!obj || obj->type != MSGPACK_OBJECT_STR)
        return -1;
    if (obj->via.str.size < min || obj->via.str.size > max)
        return -1;
    memcpy (buffer, obj->via.str.ptr, obj->via.str.size);
    buffer [obj->via.str.size] = 0;
    return 0;
}

//  Every map in a request must have str keys and no key twice: a decoder
//  that took the first or the last of two "voter_id"s would be a hole.
static int
s_check_maps (const msgpack_object *obj, wsis_error_t *error)
{
    if (obj->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < obj->via.array.size; i++)
            if (s_check_maps (&obj->via.array.ptr [i], error))
                return -1;
    }
    else
    if (obj->type == MSGPACK_OBJECT_MAP) {
        const msgpack_object_kv *kv = obj->via.map.ptr;
        uint32_t size = obj->via.map.size;
        for (uint32_t i = 0; i < size; i++) {
            if (kv [i].key.type != MSGPACK_OBJECT_STR)
                return wsis_error_set (error, "bad_request", NULL, "map keys must be strings");
            //  Quadratic, but maps on the wire are small: none in the
            //  protocol has more than a few dozen keys.
            if (size > WSIS_MAP_MAX_KEYS)
                return wsis_error_set (error, "bad_request", NULL, "a map has more than %d keys",
                                       WSIS_MAP_MAX_KEYS);
            for (uint32_t j = 0; j < i; j++)
                if (kv [j].key.via.str.size == kv [i].key.via.str.size
                &&  memcmp (kv [j].key.via.str.ptr, kv [i].key.via.str.ptr,
                            kv [i].key.via.str.size) == 0)
                    return wsis_error_set (error, "bad_request", NULL,
                                           "key '%.*s' appears twice",
                                           (int) (kv [i].key.via.str.size > 60? 60: kv [i].key.via.str.size),
                                           kv [i].key.via.str.ptr);
            if (s_check_maps (&kv [i].val, error))
                return -1;
        }
    }
    return 0;
}

//  Walks, then unpacks: the walk guarantees every declared size is backed
//  by bytes present, so msgpack_unpack_next's allocations stay bounded by
//  the frame size.
static int
s_unpack (msgpack_unpacked *unpacked, const void *data, size_t size,
          const wsis_msg_limits_t *limits, wsis_error_t *error)
{
    wsis_mpcheck_limits_t check = {
        limits->max_depth, limits->max_str, limits->max_bin, limits->max_elements
    };
    size_t offset = 0;
    wsis_mpcheck_result_t result = wsis_mpcheck (data, size, &check, &offset);
    if (result != WSIS_MPCHECK_OK)
        return wsis_error_set (error, "bad_request", NULL, "not a valid msgpack frame: %s at byte %zu",
                               wsis_mpcheck_strerror (result), offset);
    size_t off = 0;
    if (msgpack_unpack_next (unpacked, (const char *) data, size, &off) != MSGPACK_UNPACK_SUCCESS)
        return wsis_error_set (error, "bad_request", NULL, "not a valid msgpack frame");
    return 0;
}

int
wsis_request_decode (wsis_request_t *req, const void *data, size_t size,
                     const wsis_msg_limits_t *limits, wsis_error_t *error)
{
    memset (req, 0, sizeof *req);
    msgpack_unpacked_init (&req->unpacked);
    req->empty_body.type = MSGPACK_OBJECT_MAP;
    req->body = &req->empty_body;
    req->role = WSIS_ROLE_PUBLIC;

    if (s_unpack (&req->unpacked, data, size, limits, error))
        return -1;
    const msgpack_object *root = &req->unpacked.data;
    if (root->type != MSGPACK_OBJECT_MAP)
        return wsis_error_set (error, "bad_request", NULL, "a request is a msgpack map");

    //  Read the id first, so every later error can echo it.
    const msgpack_object *id = wsis_msg_get (root, "id");
    if (!id)
        return wsis_error_set (error, "bad_request", "id", "missing 'id'");
    if (s_copy_str (id, req->id, 1, WSIS_ID_MAX))
        return wsis_error_set (error, "bad_request", "id", "'id' must be a string of 1-64 bytes");
    if (s_check_maps (root, error))
        return -1;

    const msgpack_object *v = wsis_msg_get (root, "v");
    if (!v)
        return wsis_error_set (error, "bad_request", "v", "missing 'v'");
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != WSIS_PROTOCOL_VERSION)
        return wsis_error_set (error, "bad_request", "v", "'v' must be the integer 1");

    const msgpack_object *op = wsis_msg_get (root, "op");
    if (!op)
        return wsis_error_set (error, "bad_request", "op", "missing 'op'");
    if (s_copy_str (op, req->op, 1, sizeof req->op - 1))
        return wsis_error_set (error, "bad_request", "op", "'op' must be a string of 1-127 bytes");

    const msgpack_object *actor = wsis_msg_get (root, "actor");
    if (actor && actor->type != MSGPACK_OBJECT_NIL) {
        if (actor->type != MSGPACK_OBJECT_MAP)
            return wsis_error_set (error, "bad_request", "actor", "'actor' must be a map");
        const msgpack_object *actor_id = wsis_msg_get (actor, "id");
        if (actor_id && s_copy_str (actor_id, req->actor_id, 1, sizeof req->actor_id - 1))
            return wsis_error_set (error, "bad_request", "actor.id",
                                   "'actor.id' must be a string of 1-128 bytes");
        const msgpack_object *role = wsis_msg_get (actor, "role");
        if (role) {
            if (role->type != MSGPACK_OBJECT_STR)
                return wsis_error_set (error, "bad_request", "actor.role", "'actor.role' must be a string");
            req->role = wsis_role_parse (role->via.str.ptr, role->via.str.size);
            if (!req->role)
                return wsis_error_set (error, "bad_request", "actor.role", "unknown role");
            req->has_actor_role = true;
        }
    }
    const msgpack_object *body = wsis_msg_get (root, "body");
    if (body && body->type != MSGPACK_OBJECT_NIL) {
        if (body->type != MSGPACK_OBJECT_MAP)
            return wsis_error_set (error, "bad_request", "body", "'body' must be a map");
        req->body = body;
    }
    return 0;
}

bool
wsis_request_may_act_for (const wsis_request_t *req, const char *subject, size_t len)
{
    if (req->role != WSIS_ROLE_STAKEHOLDER && req->role != WSIS_ROLE_EXPERT)
        return true;
    return strlen (req->actor_id) == len && memcmp (req->actor_id, subject, len) == 0;
}

void
wsis_request_release (wsis_request_t *req)
{
    msgpack_unpacked_destroy (&req->unpacked);
}

void
wsis_reply_init (wsis_reply_t *reply)
{
    memset (reply, 0, sizeof *reply);
    msgpack_sbuffer_init (&reply->buffer);
    msgpack_packer_init (&reply->pk, &reply->buffer, msgpack_sbuffer_write);
}

void
wsis_reply_reset (wsis_reply_t *reply)
{
    msgpack_sbuffer_clear (&reply->buffer);
    reply->failed = false;
    memset (&reply->error, 0, sizeof reply->error);
}

void
wsis_reply_release (wsis_reply_t *reply)
{
    msgpack_sbuffer_destroy (&reply->buffer);
}

int
wsis_reply_fail (wsis_reply_t *reply, const char *code, const char *field,
                 const char *format, ...)
{
    msgpack_sbuffer_clear (&reply->buffer);
    reply->failed = true;
    va_list args;
    va_start (args, format);
    s_error_vset (&reply->error, code, field, format, args);
    va_end (args);
    return -1;
}

static void
s_pack_head (msgpack_packer *pk, const char *id, bool ok)
{
    msgpack_pack_map (pk, 4);
    wsis_pack_kv_int (pk, "v", WSIS_PROTOCOL_VERSION);
    wsis_pack_kv_str (pk, "id", id);
    wsis_pack_kv_bool (pk, "ok", ok);
}

void
wsis_reply_encode_error (msgpack_sbuffer *out, const char *id, const wsis_error_t *error)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    s_pack_head (&pk, id, false);
    wsis_pack_str (&pk, "error");
    msgpack_pack_map (&pk, error->field [0]? 3: 2);
    wsis_pack_kv_str (&pk, "code", error->code? error->code: "internal");
    wsis_pack_kv_str (&pk, "message", error->message);
    if (error->field [0])
        wsis_pack_kv_str (&pk, "field", error->field);
}

void
wsis_reply_encode (msgpack_sbuffer *out, const char *id, const wsis_reply_t *reply)
{
    if (reply->failed) {
        wsis_reply_encode_error (out, id, &reply->error);
        return;
    }
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    s_pack_head (&pk, id, true);
    wsis_pack_str (&pk, "body");
    if (reply->buffer.size)
        wsis_pack_raw (&pk, reply->buffer.data, reply->buffer.size);
    else
        msgpack_pack_map (&pk, 0);
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
    snprintf (id, sizeof id, "%s:%llu", source, (unsigned long long) seq);
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
s_event_fields (wsis_event_t *event, const msgpack_object *root, wsis_error_t *error)
{
    if (root->type != MSGPACK_OBJECT_MAP)
        return wsis_error_set (error, "bad_request", NULL, "an envelope is a map");
    if (s_check_maps (root, error))
        return -1;
    const msgpack_object *v = wsis_msg_get (root, "v");
    if (!v || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != WSIS_PROTOCOL_VERSION)
        return wsis_error_set (error, "bad_request", "v", "'v' must be 1");
    if (s_copy_str (wsis_msg_get (root, "source"), event->source, 1, sizeof event->source - 1))
        return wsis_error_set (error, "bad_request", "source", "'source' must be a short string");
    const msgpack_object *seq = wsis_msg_get (root, "seq");
    if (!seq || seq->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return wsis_error_set (error, "bad_request", "seq", "'seq' must be an unsigned integer");
    event->seq = seq->via.u64;
    if (s_copy_str (wsis_msg_get (root, "type"), event->type, 1, sizeof event->type - 1))
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

//  Envelopes come from our own services and from the bus journal, but the
//  bus forwards whatever a publisher pushes into its XSUB, so they are
//  untrusted bytes like any request.
int
wsis_event_decode (wsis_event_t *event, const void *data, size_t size, wsis_error_t *error)
{
    memset (event, 0, sizeof *event);
    msgpack_unpacked_init (&event->unpacked);
    event->raw = data;
    event->raw_size = size;
    if (s_unpack (&event->unpacked, data, size, &wsis_msg_default_limits, error))
        return -1;
    return s_event_fields (event, &event->unpacked.data, error);
}

int
wsis_event_from_object (wsis_event_t *event, const msgpack_object *envelope, wsis_error_t *error)
{
    memset (event, 0, sizeof *event);
    msgpack_unpacked_init (&event->unpacked);
    return s_event_fields (event, envelope, error);
}

int
wsis_msg_unpack (msgpack_unpacked *unpacked, const void *data, size_t size,
                 const wsis_msg_limits_t *limits, wsis_error_t *error)
{
    return s_unpack (unpacked, data, size, limits, error);
}

void
wsis_event_release (wsis_event_t *event)
{
    msgpack_unpacked_destroy (&event->unpacked);
}

void
wsis_pack_strn (msgpack_packer *pk, const char *text, size_t len)
{
    msgpack_pack_str (pk, len);
    msgpack_pack_str_body (pk, text, len);
}

void
wsis_pack_str (msgpack_packer *pk, const char *text)
{
    wsis_pack_strn (pk, text, strlen (text));
}

void
wsis_pack_kv_str (msgpack_packer *pk, const char *key, const char *value)
{
    wsis_pack_str (pk, key);
    wsis_pack_str (pk, value);
}

void
wsis_pack_kv_int (msgpack_packer *pk, const char *key, int64_t value)
{
    wsis_pack_str (pk, key);
    msgpack_pack_int64 (pk, value);
}

void
wsis_pack_kv_uint (msgpack_packer *pk, const char *key, uint64_t value)
{
    wsis_pack_str (pk, key);
    msgpack_pack_uint64 (pk, value);
}

void
wsis_pack_kv_bool (msgpack_packer *pk, const char *key, bool value)
{
    wsis_pack_str (pk, key);
    if (value)
        msgpack_pack_true (pk);
    else
        msgpack_pack_false (pk);
}

void
wsis_pack_raw (msgpack_packer *pk, const void *data, size_t size)
{
    pk->callback (pk->data, (const char *) data, size);
}
