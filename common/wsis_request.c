/*  wsis_request: strict decoding of a command frame. */
#include "wsis_request.h"
#include "wsis_pack.h"

#include <string.h>

int
wsis_request_decode (wsis_request_t *request, const void *data, size_t size,
                     const wsis_msg_limits_t *limits, wsis_error_t *error)
{
    return wsis_request_decode_in (request, NULL, data, size, limits, error);
}

int
wsis_request_decode_in (wsis_request_t *request, msgpack_zone *zone, const void *data, size_t size,
                        const wsis_msg_limits_t *limits, wsis_error_t *error)
{
    memset (request, 0, sizeof *request);
    msgpack_unpacked_init (&request->unpacked);
    request->empty_body.type = MSGPACK_OBJECT_MAP;
    request->body = &request->empty_body;
    request->role = WSIS_ROLE_PUBLIC;

    //  With a zone of the caller's, request->unpacked owns nothing and its
    //  release frees nothing.
    if (zone? wsis_msg_unpack_in (zone, &request->unpacked.data, data, size, limits, error)
            : wsis_msg_unpack (&request->unpacked, data, size, limits, error))
        return -1;
    const msgpack_object *root = &request->unpacked.data;
    if (root->type != MSGPACK_OBJECT_MAP)
        return wsis_error_set (error, "bad_request", NULL, "a request is a msgpack map");

    //  Read the id first, so every later error can echo it.
    const msgpack_object *id = wsis_msg_get (root, "id");
    if (!id)
        return wsis_error_set (error, "bad_request", "id", "missing 'id'");
    if (wsis_msg_copy_str (id, request->id, 1, WSIS_ID_MAX))
        return wsis_error_set (error, "bad_request", "id", "'id' must be a string of 1-64 bytes");
    if (wsis_msg_check_maps (root, error))
        return -1;

    const msgpack_object *v = wsis_msg_get (root, "v");
    if (!v)
        return wsis_error_set (error, "bad_request", "v", "missing 'v'");
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != WSIS_PROTOCOL_VERSION)
        return wsis_error_set (error, "bad_request", "v", "'v' must be the integer 1");

    const msgpack_object *op = wsis_msg_get (root, "op");
    if (!op)
        return wsis_error_set (error, "bad_request", "op", "missing 'op'");
    if (wsis_msg_copy_str (op, request->op, 1, sizeof request->op - 1))
        return wsis_error_set (error, "bad_request", "op", "'op' must be a string of 1-127 bytes");

    const msgpack_object *actor = wsis_msg_get (root, "actor");
    if (actor && actor->type != MSGPACK_OBJECT_NIL) {
        if (actor->type != MSGPACK_OBJECT_MAP)
            return wsis_error_set (error, "bad_request", "actor", "'actor' must be a map");
        const msgpack_object *actor_id = wsis_msg_get (actor, "id");
        if (actor_id && wsis_msg_copy_str (actor_id, request->actor_id, 1, sizeof request->actor_id - 1))
            return wsis_error_set (error, "bad_request", "actor.id",
                                   "'actor.id' must be a string of 1-128 bytes");
        const msgpack_object *role = wsis_msg_get (actor, "role");
        if (role) {
            if (role->type != MSGPACK_OBJECT_STR)
                return wsis_error_set (error, "bad_request", "actor.role", "'actor.role' must be a string");
            request->role = wsis_role_parse (role->via.str.ptr, role->via.str.size);
            if (!request->role)
                return wsis_error_set (error, "bad_request", "actor.role", "unknown role");
            request->has_actor_role = true;
        }
    }
    const msgpack_object *body = wsis_msg_get (root, "body");
    if (body && body->type != MSGPACK_OBJECT_NIL) {
        if (body->type != MSGPACK_OBJECT_MAP)
            return wsis_error_set (error, "bad_request", "body", "'body' must be a map");
        request->body = body;
    }
    return 0;
}

bool
wsis_request_may_act_for (const wsis_request_t *request, const char *subject, size_t len)
{
    if (request->role != WSIS_ROLE_STAKEHOLDER && request->role != WSIS_ROLE_EXPERT)
        return true;
    return strlen (request->actor_id) == len && memcmp (request->actor_id, subject, len) == 0;
}

void
wsis_request_release (wsis_request_t *request)
{
    msgpack_unpacked_destroy (&request->unpacked);
}

void
wsis_request_pack_head (msgpack_packer *pk, const char *id, const char *op,
                        const char *actor_id, const char *role)
{
    msgpack_pack_map (pk, role? 5: 4);
    wsis_pack_kv_int (pk, "v", WSIS_PROTOCOL_VERSION);
    wsis_pack_kv_str (pk, "id", id);
    wsis_pack_kv_str (pk, "op", op);
    if (role) {
        wsis_pack_str (pk, "actor");
        msgpack_pack_map (pk, actor_id? 2: 1);
        if (actor_id)
            wsis_pack_kv_str (pk, "id", actor_id);
        wsis_pack_kv_str (pk, "role", role);
    }
    wsis_pack_str (pk, "body");
}
