/*  wsis_reply: reply bodies under construction, and reply frames. */
#include "wsis_reply.h"
#include "wsis_msg.h"
#include "wsis_pack.h"

#include <string.h>

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
    wsis_error_vset (&reply->error, code, field, format, args);
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
