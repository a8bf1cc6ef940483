/*  voting_voters: the registered stakeholders, who may vote.

    A million voters is the scale the service is built for. A general hash
    of strings costs around a hundred bytes an entry; this registry keeps
    the names in one arena, a 4-byte offset per voter and a table of 4-byte
    voter numbers at most half full (voting_slots.c): about 25 bytes a
    voter.
*/
#include "voting.h"

#include <stdlib.h>
#include <string.h>

//  FNV-1a: fast, and the keys are ids handed out by the submissions
//  service, not chosen by an attacker to collide.
static uint64_t
s_hash (const char *text, size_t len)
{
    uint64_t hash = wsis_hash (text, len);
    return hash ^ (hash >> 29);
}

static bool
s_same (const voting_voters_t *self, uint32_t voter_no, const char *id, size_t len)
{
    const char *name = self->names + self->offsets [voter_no];
    return strncmp (name, id, len) == 0 && name [len] == 0;
}

static void
s_place (voting_voters_t *self, uint32_t voter_no)
{
    const char *name = self->names + self->offsets [voter_no];
    voting_slots_put (self->slots, self->slot_mask, s_hash (name, strlen (name)), voter_no);
}

int
voting_voters_reserve (voting_voters_t *self, size_t len)
{
    if (self->count + 1 >= UINT32_MAX)
        return -1;
    if (self->names_used + len + 1 > self->names_alloc) {
        size_t alloc = self->names_alloc? self->names_alloc * 2: 64 * 1024;
        while (alloc < self->names_used + len + 1)
            alloc *= 2;
        if (alloc > UINT32_MAX)
            return -1;          //  offsets are 32 bits: 4 GiB of names
        char *names = (char *) realloc (self->names, alloc);
        if (!names)
            return -1;
        self->names = names;
        self->names_alloc = alloc;
    }
    if (self->count + 2 > self->alloc) {
        size_t alloc = self->alloc? self->alloc * 2: 4096;
        uint32_t *offsets = (uint32_t *) realloc (self->offsets, alloc * sizeof (uint32_t));
        if (!offsets)
            return -1;
        self->offsets = offsets;
        self->alloc = alloc;
    }
    int grown = voting_slots_reserve (&self->slots, &self->slot_mask, self->count);
    for (uint32_t voter_no = 1; grown == 1 && voter_no <= self->count; voter_no++)
        s_place (self, voter_no);
    return grown < 0? -1: 0;
}

uint32_t
voting_voters_append (voting_voters_t *self, const char *id, size_t len)
{
    uint32_t voter_no = (uint32_t) ++self->count;
    self->offsets [voter_no] = (uint32_t) self->names_used;
    memcpy (self->names + self->names_used, id, len);
    self->names [self->names_used + len] = 0;
    self->names_used += len + 1;
    return voter_no;
}

uint32_t
voting_voters_add (voting_voters_t *self, const char *id, size_t len)
{
    uint32_t voter_no = voting_voters_append (self, id, len);
    s_place (self, voter_no);
    return voter_no;
}

//  How many voters ahead the placing asks the memory for their slot.
#define S_AHEAD 16

void
voting_voters_place_from (voting_voters_t *self, uint32_t first)
{
    //  The hashes of the voters ahead, by voter_no modulo S_AHEAD.
    uint64_t ahead [S_AHEAD];
    for (size_t voter_no = first; voter_no <= self->count + S_AHEAD; voter_no++) {
        //  The one S_AHEAD back is placed first: its hash is where this
        //  one's goes.
        if (voter_no >= first + S_AHEAD) {
            size_t placed = voter_no - S_AHEAD;
            voting_slots_put (self->slots, self->slot_mask, ahead [placed % S_AHEAD],
                              (uint32_t) placed);
        }
        if (voter_no <= self->count) {
            const char *name = self->names + self->offsets [voter_no];
            uint64_t hash = s_hash (name, strlen (name));
            __builtin_prefetch (&self->slots [hash & self->slot_mask]);
            ahead [voter_no % S_AHEAD] = hash;
        }
    }
}

uint32_t
voting_voters_find (const voting_voters_t *self, const char *id, size_t len)
{
    if (!self->slots || memchr (id, 0, len))
        return 0;
    size_t slot = s_hash (id, len) & self->slot_mask;
    uint32_t voter_no;
    while ((voter_no = self->slots [slot])) {
        if (s_same (self, voter_no, id, len))
            return voter_no;
        slot = (slot + 1) & self->slot_mask;
    }
    return 0;
}

const char *
voting_voters_name (const voting_voters_t *self, uint32_t voter_no)
{
    return voter_no >= 1 && voter_no <= self->count? self->names + self->offsets [voter_no]: NULL;
}

void
voting_voters_reset (voting_voters_t *self)
{
    free (self->names);
    free (self->offsets);
    free (self->slots);
    memset (self, 0, sizeof *self);
}
