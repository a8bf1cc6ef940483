/*  voting_slots: the hash tables of the in-memory registries (voters by
    stakeholder_id, ballots by pseudonym).

    A registry numbers its entries 1..count and keeps them itself; its
    table holds only the 4-byte numbers (0: an empty slot), placed by the
    entry's hash with linear probing, and is kept at most half full, so a
    probe ends quickly whether it finds an entry or not (an ineligible
    voter, a first vote). At a million voters that is 8 MiB, not the
    hundred bytes an entry a general hash of strings costs.
*/
#include "voting.h"

#include <stdlib.h>

int
voting_slots_reserve (uint32_t **slots, size_t *mask, size_t count)
{
    size_t capacity = *slots? *mask + 1: 0;
    if ((count + 1) * 2 <= capacity)
        return 0;
    size_t grown = capacity? capacity * 2: 8192;
    while ((count + 1) * 2 > grown)
        grown *= 2;
    uint32_t *table = (uint32_t *) voting_memory_table (grown * sizeof (uint32_t), !*slots);
    if (!table)
        return -1;
    free (*slots);
    *slots = table;
    *mask = grown - 1;
    return 1;
}

void
voting_slots_put (uint32_t *slots, size_t mask, uint64_t hash, uint32_t number)
{
    size_t slot = (size_t) hash & mask;
    while (slots [slot])
        slot = (slot + 1) & mask;
    slots [slot] = number;
}
