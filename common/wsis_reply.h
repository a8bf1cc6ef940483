/*  wsis_reply: the answer to one command (docs/protocol.md section 2).

    A handler packs its reply body (one map) into reply->pk, or fails the
    reply with a code, a field and a message; the command endpoint then
    encodes the whole frame, {v, id, ok: true, body} or
    {v, id, ok: false, error: {code, message, field?}}.
*/
#ifndef WSIS_REPLY_H
#define WSIS_REPLY_H

#include "wsis_error.h"

#include <msgpack.h>
#include <stdbool.h>

typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer pk;          //  writes into buffer
    wsis_error_t error;
    bool failed;
} wsis_reply_t;

void wsis_reply_init (wsis_reply_t *reply);
//  Empties the body and the error, for the next request.
void wsis_reply_reset (wsis_reply_t *reply);
void wsis_reply_release (wsis_reply_t *reply);

//  Marks the reply failed (whatever body was packed is dropped). Returns
//  -1 so handlers can `return wsis_reply_fail (...)`. field may be NULL.
int wsis_reply_fail (wsis_reply_t *reply, const char *code, const char *field,
                     const char *format, ...) __attribute__ ((format (printf, 4, 5)));

//  The whole reply frame appended to out: {v, id, ok: true, body} with the
//  packed body (an empty map if nothing was packed), or the error.
void wsis_reply_encode (msgpack_sbuffer *out, const char *id, const wsis_reply_t *reply);

//  An error reply frame without a reply struct.
void wsis_reply_encode_error (msgpack_sbuffer *out, const char *id, const wsis_error_t *error);

#endif
