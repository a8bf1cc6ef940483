/*  wsis_msg: the envelope codec (PROTOCOL.md sections 1-3).

    Decodes requests and event envelopes strictly from untrusted bytes
    (wsis_mpcheck walks them first, so msgpack-c never sees a lying
    length), and encodes replies and envelopes. Decoded objects live in a
    msgpack zone owned by the decoded struct (*_release frees it), but
    their strings and bins point into the frame itself (msgpack_unpack_next
    does not copy them): keep the frame until the struct is released.
*/
#ifndef WSIS_MSG_H
#define WSIS_MSG_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WSIS_PROTOCOL_VERSION 1
#define WSIS_ID_MAX 64

//  Roles, as a bit each so an operation lists the roles it allows.
typedef enum {
    WSIS_ROLE_PUBLIC      = 1 << 0,
    WSIS_ROLE_STAKEHOLDER = 1 << 1,
    WSIS_ROLE_STAFF       = 1 << 2,
    WSIS_ROLE_EXPERT      = 1 << 3,
    WSIS_ROLE_OPERATOR    = 1 << 4,
    WSIS_ROLE_GATEWAY     = 1 << 5,
    WSIS_ROLE_SERVICE     = 1 << 6,
    WSIS_ROLE_PUBLISHER   = 1 << 7
} wsis_role_t;

//  The role named by text, or 0.
wsis_role_t wsis_role_parse (const char *text, size_t len);
const char *wsis_role_name (wsis_role_t role);

//  An error reply: a code from PROTOCOL.md section 2, a message for people,
//  and the field it is about ("" when none).
typedef struct {
    const char *code;
    char message [256];
    char field [128];
} wsis_error_t;

//  Sets an error; returns -1 so callers can `return wsis_error_set (...)`.
int wsis_error_set (wsis_error_t *error, const char *code, const char *field,
                    const char *format, ...) __attribute__ ((format (printf, 4, 5)));

typedef struct {
    size_t max_depth;           //  nesting of maps/arrays
    size_t max_str;             //  bytes of one string
    size_t max_bin;             //  bytes of one bin (photo images)
    size_t max_elements;        //  array elements + map pairs in total
} wsis_msg_limits_t;

//  The limits every service applies to requests.
extern const wsis_msg_limits_t wsis_msg_default_limits;

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
//  (bad_request, or validation naming the field). req->id is filled in
//  whenever it could be read, also on failure, so the reply can echo it.
//  Always call wsis_request_release afterwards.
int wsis_request_decode (wsis_request_t *req, const void *data, size_t size,
                         const wsis_msg_limits_t *limits, wsis_error_t *error);
void wsis_request_release (wsis_request_t *req);

//  PROTOCOL.md 6: a stakeholder acts only for itself (and an expert only
//  as itself); gateway and operator may act for anyone. True when the
//  request's actor may act for the subject (a stakeholder_id, voter_id or
//  expert_id of length len). Other roles: true (their op's role list
//  decides).
bool wsis_request_may_act_for (const wsis_request_t *req, const char *subject, size_t len);

//  A reply body under construction: handlers pack one map into pk.
typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    wsis_error_t error;
    bool failed;
} wsis_reply_t;

void wsis_reply_init (wsis_reply_t *reply);
void wsis_reply_reset (wsis_reply_t *reply);
void wsis_reply_release (wsis_reply_t *reply);

//  Marks the reply failed (whatever body was packed is dropped). Returns
//  -1 so handlers can `return wsis_reply_fail (...)`.
int wsis_reply_fail (wsis_reply_t *reply, const char *code, const char *field,
                     const char *format, ...) __attribute__ ((format (printf, 4, 5)));

//  The whole reply frame into out: {v, id, ok: true, body} with the packed
//  body (an empty map if nothing was packed), or {v, id, ok: false, error}.
void wsis_reply_encode (msgpack_sbuffer *out, const char *id, const wsis_reply_t *reply);

//  An error reply frame without a reply struct.
void wsis_reply_encode_error (msgpack_sbuffer *out, const char *id, const wsis_error_t *error);

//  An event envelope {v, source, seq, id, type, ts, body} where body is
//  already packed msgpack (one map).
void wsis_event_encode (msgpack_sbuffer *out, const char *source, uint64_t seq,
                        const char *type, int64_t ts, const void *body, size_t body_size);

typedef struct {
    char source [64];
    uint64_t seq;
    char type [128];
    int64_t ts;
    const msgpack_object *body; //  a map
    const void *raw;            //  the whole envelope as received (not owned)
    size_t raw_size;
    msgpack_unpacked unpacked;
} wsis_event_t;

//  Decodes an envelope strictly. 0 or -1 with *error set.
int wsis_event_decode (wsis_event_t *event, const void *data, size_t size, wsis_error_t *error);
void wsis_event_release (wsis_event_t *event);

//  The same from an envelope already unpacked (an element of an
//  events.since reply); the event does not own it (raw is NULL).
int wsis_event_from_object (wsis_event_t *event, const msgpack_object *envelope, wsis_error_t *error);

//  Checks (wsis_mpcheck) and unpacks one untrusted msgpack frame.
int wsis_msg_unpack (msgpack_unpacked *unpacked, const void *data, size_t size,
                     const wsis_msg_limits_t *limits, wsis_error_t *error);

//  Packing helpers for handlers.
void wsis_pack_str (msgpack_packer *pk, const char *text);
void wsis_pack_strn (msgpack_packer *pk, const char *text, size_t len);
void wsis_pack_kv_str (msgpack_packer *pk, const char *key, const char *value);
void wsis_pack_kv_int (msgpack_packer *pk, const char *key, int64_t value);
void wsis_pack_kv_uint (msgpack_packer *pk, const char *key, uint64_t value);
void wsis_pack_kv_bool (msgpack_packer *pk, const char *key, bool value);
//  Writes already packed msgpack bytes as the next object.
void wsis_pack_raw (msgpack_packer *pk, const void *data, size_t size);

//  Reading helpers: the value of a str key in a map, or NULL.
const msgpack_object *wsis_msg_get (const msgpack_object *map, const char *key);
bool wsis_msg_str_equals (const msgpack_object *obj, const char *text);

#endif
