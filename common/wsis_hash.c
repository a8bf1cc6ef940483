/*  wsis_hash: FNV-1a over bytes. */
#include "wsis_hash.h"

#define FNV_PRIME 1099511628211ULL

uint64_t
wsis_hash_add (uint64_t hash, const void *data, size_t size)
{
    const unsigned char *byte = (const unsigned char *) data;
    for (size_t i = 0; i < size; i++) {
        hash ^= byte [i];
        hash *= FNV_PRIME;
    }
    return hash;
}

uint64_t
wsis_hash (const void *data, size_t size)
{
    return wsis_hash_add (WSIS_HASH_START, data, size);
}
