/*  wsis_hash: FNV-1a, the one hash function of wsis.

    Fast and good enough for in-memory tables whose keys nobody chooses to
    collide (voter ids handed out by the submissions service) and for
    telling a resent request from a different one (the key also holds the
    actor, so a collision only ever meets the same actor's requests). Not
    for anything an attacker could aim at.

    Values are stored (the vote log keeps a request's hash), so this
    function must never change.
*/
#ifndef WSIS_HASH_H
#define WSIS_HASH_H

#include <stddef.h>
#include <stdint.h>

//  The FNV-1a offset basis: where every hash starts.
#define WSIS_HASH_START 14695981039346656037ULL

//  Continues hash over size bytes of data. Hash several parts in a row by
//  passing each result on (put a separator byte between parts that could
//  run into each other).
uint64_t wsis_hash_add (uint64_t hash, const void *data, size_t size);

//  The hash of size bytes of data.
uint64_t wsis_hash (const void *data, size_t size);

#endif
