/*  wsis_pack: writing msgpack maps, the way every reply, event body and
    envelope is written.

        msgpack_pack_map (pk, 2);
        wsis_pack_kv_str (pk, "submission_id", id);
        wsis_pack_kv_uint (pk, "votes", votes);

    Keys are always str; text is UTF-8 the caller already checked.
*/
#ifndef WSIS_PACK_H
#define WSIS_PACK_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void wsis_pack_str (msgpack_packer *pk, const char *text);
//  len bytes of text, which need not be NUL-terminated.
void wsis_pack_strn (msgpack_packer *pk, const char *text, size_t len);
void wsis_pack_kv_str (msgpack_packer *pk, const char *key, const char *value);
void wsis_pack_kv_int (msgpack_packer *pk, const char *key, int64_t value);
void wsis_pack_kv_uint (msgpack_packer *pk, const char *key, uint64_t value);
void wsis_pack_kv_bool (msgpack_packer *pk, const char *key, bool value);

//  Writes already packed msgpack bytes as the next object (a stored reply
//  body, an envelope from the outbox).
void wsis_pack_raw (msgpack_packer *pk, const void *data, size_t size);

#endif
