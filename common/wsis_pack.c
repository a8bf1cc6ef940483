/*  wsis_pack: msgpack writing helpers. */
#include "wsis_pack.h"

#include <string.h>

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
