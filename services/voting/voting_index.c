/*  voting_index: every vote of the log by (voter, poll, category).

    This is what makes "one vote per voter per call per category" cheap
    under the deadline rush. A UNIQUE (voter, category) index in SQLite
    dirties a random B-tree page per vote (it tops out near 15,000 votes/s
    on a small machine); here the check is a probe in memory and the vote
    is appended to the log in commit order. The index holds exactly what
    the log holds: it is rebuilt from the log at start and after a
    rolled-back transaction, and a key is added only after its row was
    written.
*/
#include "voting.h"

#include <stdlib.h>
#include <string.h>

//  splitmix64's finaliser: voter numbers are dense and small, the mix
//  spreads neighbours over the whole table.
static inline size_t
s_slot (uint64_t key, size_t mask)
{
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ULL;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebULL;
    key ^= key >> 31;
    return (size_t) key & mask;
}

static void
s_insert (voting_slot_t *slots, size_t mask, uint64_t key, uint64_t value)
{
    size_t slot = s_slot (key, mask);
    while (slots [slot].key)
        slot = (slot + 1) & mask;
    slots [slot].key = key;
    slots [slot].value = value;
}

//  Old slots moved per put while the table grows: the new table is twice
//  the old, so the move ends long before the new one fills.
#define S_MOVE_STEP 32

//  Copies the next `slots` old slots into the new table. The old ones
//  stay where they are (a probe in the old table must still walk its
//  chains) until the last is copied and the old table is freed.
static void
s_move (voting_index_t *self, size_t slots)
{
    size_t end = self->moved + slots;
    if (end > self->old_mask + 1)
        end = self->old_mask + 1;
    for (size_t i = self->moved; i < end; i++)
        if (self->old [i].key)
            s_insert (self->slots, self->mask, self->old [i].key, self->old [i].value);
    self->moved = end;
    if (self->moved == self->old_mask + 1) {
        free (self->old);
        self->old = NULL;
        self->old_mask = self->moved = 0;
    }
}

void
voting_index_settle (voting_index_t *self)
{
    if (self->old)
        s_move (self, self->old_mask + 1);
}

int
voting_index_reserve (voting_index_t *self, size_t more)
{
    size_t capacity = self->slots? self->mask + 1: 0;
    if ((self->count + more) * 4 <= capacity * 3)
        return 0;
    size_t grown = capacity? capacity: 1024;
    while ((self->count + more) * 4 > grown * 3)
        grown *= 2;
    voting_slot_t *slots = (voting_slot_t *) voting_memory_table (grown * sizeof (voting_slot_t),
                                                                self->count == 0);
    if (!slots)
        return -1;
    //  A growth still moving when the next is needed ends first (only a
    //  reserve of many keys at once, far past the steps of the puts).
    voting_index_settle (self);
    if (self->count) {
        self->old = self->slots;
        self->old_mask = self->mask;
        self->moved = 0;
    }
    else
        free (self->slots);
    self->slots = slots;
    self->mask = grown - 1;
    return 0;
}

void
voting_index_put (voting_index_t *self, uint64_t key, uint64_t value)
{
    s_insert (self->slots, self->mask, key, value);
    self->count++;
    if (self->old)
        s_move (self, S_MOVE_STEP);
}

static bool
s_find (const voting_slot_t *slots, size_t mask, uint64_t key, uint64_t *value)
{
    size_t slot = s_slot (key, mask);
    while (slots [slot].key) {
        if (slots [slot].key == key) {
            *value = slots [slot].value;
            return true;
        }
        slot = (slot + 1) & mask;
    }
    return false;
}

bool
voting_index_find (const voting_index_t *self, uint64_t key, uint64_t *value)
{
    if (!self->slots)
        return false;
    //  A key not moved yet is only in the old table.
    return s_find (self->slots, self->mask, key, value)
        || (self->old && s_find (self->old, self->old_mask, key, value));
}

void
voting_index_prefetch (const voting_index_t *self, uint64_t key)
{
    if (self->slots)
        __builtin_prefetch (&self->slots [s_slot (key, self->mask)]);
}

void
voting_index_reset (voting_index_t *self)
{
    free (self->slots);
    free (self->old);
    memset (self, 0, sizeof *self);
}
