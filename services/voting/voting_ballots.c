/*  voting_ballots: the pseudonyms of the voters who voted, numbered.

    The vote log names a voter only by its pseudonym (16 bytes of keyed
    hash), so the in-memory state that keeps one vote per voter per
    category, and counts complete ballots, is keyed by it too: it is
    rebuilt from the log alone, never joined to the voter table. A
    pseudonym gets a ballot number at its first vote (or its first row of
    the log, at load), which is what the vote index and the per-poll
    counts hold: 4 bytes rather than 16 per entry.
*/
#include "voting.h"

#include <stdlib.h>
#include <string.h>

//  A pseudonym is an HMAC output: its bytes are already uniform, and
//  nobody can choose them without the key, so its first 8 bytes are the
//  hash.
static uint64_t
s_hash (const unsigned char *pseudonym)
{
    uint64_t hash;
    memcpy (&hash, pseudonym, sizeof hash);
    return hash;
}

static void
s_place (voting_ballots_t *self, uint32_t ballot_no)
{
    voting_slots_put (self->slots, self->slot_mask, s_hash (self->pseudonyms [ballot_no]), ballot_no);
}

int
voting_ballots_reserve (voting_ballots_t *self)
{
    if (self->count + 1 >= UINT32_MAX)
        return -1;
    if (self->count + 2 > self->alloc) {
        size_t alloc = self->alloc? self->alloc * 2: 4096;
        void *grown = realloc (self->pseudonyms, alloc * VOTING_PSEUDONYM_SIZE);
        if (!grown)
            return -1;
        self->pseudonyms = (unsigned char (*) [VOTING_PSEUDONYM_SIZE]) grown;
        self->alloc = alloc;
    }
    int grown = voting_slots_reserve (&self->slots, &self->slot_mask, self->count);
    for (uint32_t ballot_no = 1; grown == 1 && ballot_no <= self->count; ballot_no++)
        s_place (self, ballot_no);
    return grown < 0? -1: 0;
}

uint32_t
voting_ballots_add (voting_ballots_t *self, const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE])
{
    uint32_t ballot_no = (uint32_t) ++self->count;
    memcpy (self->pseudonyms [ballot_no], pseudonym, VOTING_PSEUDONYM_SIZE);
    s_place (self, ballot_no);
    return ballot_no;
}

uint32_t
voting_ballots_find (const voting_ballots_t *self,
                     const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE])
{
    if (!self->slots)
        return 0;
    size_t slot = (size_t) s_hash (pseudonym) & self->slot_mask;
    uint32_t ballot_no;
    while ((ballot_no = self->slots [slot])) {
        if (memcmp (self->pseudonyms [ballot_no], pseudonym, VOTING_PSEUDONYM_SIZE) == 0)
            return ballot_no;
        slot = (slot + 1) & self->slot_mask;
    }
    return 0;
}

void
voting_ballots_prefetch_slot (const voting_ballots_t *self,
                              const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE])
{
    if (self->slots)
        __builtin_prefetch (&self->slots [(size_t) s_hash (pseudonym) & self->slot_mask]);
}

void
voting_ballots_prefetch_entry (const voting_ballots_t *self,
                               const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE])
{
    if (!self->slots)
        return;
    uint32_t ballot_no = self->slots [(size_t) s_hash (pseudonym) & self->slot_mask];
    if (ballot_no)
        __builtin_prefetch (self->pseudonyms [ballot_no]);
}

void
voting_ballots_reset (voting_ballots_t *self)
{
    free (self->pseudonyms);
    free (self->slots);
    memset (self, 0, sizeof *self);
}
