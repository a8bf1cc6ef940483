/*  wsis_request: one command as it arrives (docs/protocol.md section 2).

    {v: 1, id, op, actor: {id, role}, body} decoded strictly from untrusted
    bytes: a frame that is not msgpack, not a map, lacks v/id/op, or has a
    field of the wrong type is refused with bad_request, and id is read
    first so the error reply can echo it.
*/
#ifndef WSIS_REQUEST_H
#define WSIS_REQUEST_H

#include "wsis_error.h"
#include "wsis_msg.h"
#include "wsis_role.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>

#define WSIS_ID_MAX 64

typedef struct {
    char id [WSIS_ID_MAX + 1];  //  "" when it could not be read
    char op [128];
    char actor_id [WSIS_ID_MAX * 2 + 1];    //  "" when absent
    wsis_role_t role;           //  from actor.role; public when absent
    bool has_actor_role;        //  actor.role was given
    const msgpack_object *body; //  always a map (an empty one when absent)
    msgpack_unpacked unpacked;  //  owns every object above
    msgpack_object empty_body;
} wsis_request_t;

//  Decodes one request frame. 0 on success; -1 with *error set
//  (bad_request, naming the field where there is one). request->id is
//  filled in whenever it could be read, also on failure, so the reply can
//  echo it. The body points into data: keep the frame until the request
//  is released. Always call wsis_request_release afterwards.
int wsis_request_decode (wsis_request_t *request, const void *data, size_t size,
                         const wsis_msg_limits_t *limits, wsis_error_t *error);
void wsis_request_release (wsis_request_t *request);

//  The same, decoded into zone (the caller's; see wsis_msg_unpack_in):
//  clear it after wsis_request_release. A server keeps one zone for all
//  its requests rather than one created and freed per request.
int wsis_request_decode_in (wsis_request_t *request, msgpack_zone *zone, const void *data, size_t size,
                            const wsis_msg_limits_t *limits, wsis_error_t *error);

//  docs/protocol.md section 6: a stakeholder acts only for itself (and an
//  expert only as itself); gateway and operator may act for anyone. True
//  when the request's actor may act for the subject (a stakeholder_id,
//  voter_id or expert_id of length len). Other roles: true (their
//  operation's role list decides).
bool wsis_request_may_act_for (const wsis_request_t *request, const char *subject, size_t len);

//  The other side, for a program that sends requests: packs the map
//  {v, id, op, actor: {id, role}, body} up to the body's key, so the
//  caller packs the body's value next. actor_id NULL: an actor with the
//  role only; role NULL too: no actor.
void wsis_request_pack_head (msgpack_packer *pk, const char *id, const char *op,
                             const char *actor_id, const char *role);

#endif
