/*  voting_state: the in-memory state, built from the store.

    At start and after a transaction rolled back, everything in memory is
    rebuilt from what is committed: the voters, the polls and their
    nominated projects, and the ballots and the vote index, replayed from
    the vote log in commit order (by pseudonym: the log holds no voter).
    So after a crash the service knows exactly the votes that were
    acknowledged (a reply is sent only after the commit), no more and no
    fewer. The counts persisted with every vote are checked against the
    replay on the way.
*/
#include "voting.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <stdlib.h>
#include <string.h>

#define KEY_MAX 512

//  "category\x1fsubmission_id", cut to KEY_MAX - 1 bytes (a vote.cast
//  builds one: no snprintf on that path).
static void
s_key (char *key, int category, const char *submission_id, size_t len)
{
    const char *code = wsis_categories [category];
    size_t code_len = strlen (code);
    if (code_len > KEY_MAX - 2)
        code_len = KEY_MAX - 2;
    if (len > KEY_MAX - 2 - code_len)
        len = KEY_MAX - 2 - code_len;
    memcpy (key, code, code_len);
    key [code_len] = '\x1f';
    memcpy (key + code_len + 1, submission_id, len);
    key [code_len + 1 + len] = 0;
}

voting_poll_t *
voting_state_poll (voting_t *self, const char *call_id)
{
    for (size_t i = 0; i < self->poll_count; i++)
        if (streq (self->polls [i].call->id, call_id))
            return &self->polls [i];
    return NULL;
}

int
voting_state_candidate (voting_poll_t *poll, int category, const char *submission_id, size_t len)
{
    if (!poll->by_submission || len > KEY_MAX / 2 || memchr (submission_id, 0, len))
        return -1;
    char key [KEY_MAX];
    s_key (key, category, submission_id, len);
    uintptr_t found = (uintptr_t) zhashx_lookup (poll->by_submission, key);
    return found? (int) (found - 1): -1;
}

int
voting_state_reserve_ballot (voting_t *self, uint32_t ballot_no)
{
    for (size_t i = 0; i < self->poll_count; i++) {
        voting_poll_t *poll = &self->polls [i];
        if (ballot_no < poll->ballots_alloc)
            continue;
        size_t alloc = poll->ballots_alloc? poll->ballots_alloc: 4096;
        while (alloc <= ballot_no)
            alloc *= 2;
        uint8_t *ballots = (uint8_t *) realloc (poll->ballots, alloc);
        if (!ballots)
            return -1;
        memset (ballots + poll->ballots_alloc, 0, alloc - poll->ballots_alloc);
        poll->ballots = ballots;
        poll->ballots_alloc = alloc;
    }
    return 0;
}

int
voting_state_add_candidate (voting_t *self, voting_poll_t *poll, int64_t candidate_no,
                            int category, const char *submission_id, uint32_t position)
{
    if (poll->candidate_count >= VOTING_MAX_CANDIDATES || candidate_no <= 0)
        return -1;
    if ((size_t) candidate_no >= self->places_alloc) {
        size_t alloc = self->places_alloc? self->places_alloc: 256;
        while (alloc <= (size_t) candidate_no)
            alloc *= 2;
        voting_place_t *places = (voting_place_t *) realloc (self->places, alloc * sizeof *places);
        if (!places)
            return -1;
        memset (places + self->places_alloc, 0, (alloc - self->places_alloc) * sizeof *places);
        self->places = places;
        self->places_alloc = alloc;
    }
    voting_candidate_t *candidates = (voting_candidate_t *) realloc (poll->candidates,
        (poll->candidate_count + 1) * sizeof (voting_candidate_t));
    if (!candidates)
        return -1;
    poll->candidates = candidates;
    voting_candidate_t *candidate = &poll->candidates [poll->candidate_count];
    memset (candidate, 0, sizeof *candidate);
    candidate->submission_id = wsis_strdup (submission_id);
    candidate->category = category;
    candidate->position = position;
    candidate->candidate_no = candidate_no;

    bool first_in_category = true;
    for (size_t i = 0; i < poll->candidate_count; i++)
        if (poll->candidates [i].category == category)
            first_in_category = false;
    if (first_in_category)
        poll->open_categories++;

    char key [KEY_MAX];
    s_key (key, category, submission_id, strlen (submission_id));
    zhashx_update (poll->by_submission, key, (void *) (uintptr_t) (poll->candidate_count + 1));
    self->places [candidate_no].poll = (uint32_t) (poll - self->polls);
    self->places [candidate_no].candidate = (uint32_t) poll->candidate_count;
    self->places [candidate_no].known = true;
    poll->candidate_count++;
    return 0;
}

size_t
voting_state_ballot (voting_t *self, voting_poll_t *poll, uint32_t ballot_no,
                     uint32_t out [WSIS_CATEGORY_COUNT])
{
    uint32_t poll_no = (uint32_t) (poll - self->polls);
    size_t count = 0;
    for (int category = 0; category < WSIS_CATEGORY_COUNT; category++) {
        uint64_t value;
        if (voting_index_find (&self->index, voting_index_key (ballot_no, poll_no, category), &value))
            out [count++] = VOTING_VALUE_CANDIDATE (value);
    }
    return count;
}

const voting_place_t *
voting_state_place (const voting_t *self, int64_t candidate_no)
{
    if (candidate_no <= 0 || (size_t) candidate_no >= self->places_alloc
    ||  !self->places [candidate_no].known)
        return NULL;
    return &self->places [candidate_no];
}

uint64_t
voting_state_first_vote (voting_t *self, voting_poll_t *poll, uint32_t ballot_no)
{
    uint32_t poll_no = (uint32_t) (poll - self->polls);
    uint64_t first = 0;
    for (int category = 0; category < WSIS_CATEGORY_COUNT; category++) {
        uint64_t value;
        if (voting_index_find (&self->index, voting_index_key (ballot_no, poll_no, category), &value)
        &&  (!first || VOTING_VALUE_VOTE (value) < first))
            first = VOTING_VALUE_VOTE (value);
    }
    return first;
}

bool
voting_state_count (voting_t *self, voting_poll_t *poll, uint32_t ballot_no,
                    uint32_t candidate, uint64_t vote_no)
{
    voting_candidate_t *voted = &poll->candidates [candidate];
    voted->votes_cast++;
    voted->last_cast = vote_no;
    poll->votes_cast++;
    if (poll->ballots [ballot_no]++ == 0)
        poll->voters_cast++;
    if (poll->ballots [ballot_no] != poll->open_categories)
        return false;
    //  The 2013 rule: this vote completed the ballot, so from now on every
    //  vote of this voter in this call counts.
    poll->complete_voters++;
    uint32_t ballot [WSIS_CATEGORY_COUNT];
    size_t count = voting_state_ballot (self, poll, ballot_no, ballot);
    for (size_t i = 0; i < count; i++) {
        poll->candidates [ballot [i]].votes_complete++;
        poll->candidates [ballot [i]].last_complete = vote_no;
    }
    return true;
}

//  -------------------------------------------------------------------------
//  Loading

//  The votes of the log are replayed a batch at a time, so that the random
//  places each one reads in the ballots' tables and the index (a cache
//  miss each, at a year's size) are fetched for the whole batch at once
//  (prefetched) rather than one after the other: each pass over the batch
//  asks the memory for the next pass's places. The votes are still applied
//  one by one in the log's order.
#define S_LOAD_BATCH 64

typedef struct {
    uint64_t vote_no;
    unsigned char pseudonym [VOTING_PSEUDONYM_SIZE];
    size_t size;                //  of the pseudonym in the row
    int64_t candidate_no;
} loading_vote_t;

typedef struct {
    voting_t *self;
    wsis_store_t *store;
    uint64_t skipped;
    loading_vote_t batch [S_LOAD_BATCH];
    size_t batched;
} loader_t;

static int
s_load_poll (void *arg, const char *call, bool published, bool closed)
{
    loader_t *loader = (loader_t *) arg;
    voting_poll_t *poll = voting_state_poll (loader->self, call);
    if (!poll) {
        wsis_log_warning ("voting: call %s of the store is not a prize call of the calendar; ignored", call);
        return 0;
    }
    poll->published = published;
    poll->closed = closed;
    return 0;
}

static int
s_load_candidate (void *arg, const voting_store_candidate_t *row)
{
    loader_t *loader = (loader_t *) arg;
    voting_poll_t *poll = voting_state_poll (loader->self, row->call);
    int category = wsis_valid_category (row->category, strlen (row->category));
    if (!poll || category < 0)
        return 0;               //  a call no longer in the calendar (warned above)
    return voting_state_add_candidate (loader->self, poll, row->candidate_no, category,
                                       row->submission_id, row->position);
}

static int
s_load_voter (void *arg, uint32_t voter_no, const char *id, size_t len)
{
    loader_t *loader = (loader_t *) arg;
    voting_voters_t *voters = &loader->self->voters;
    if (voter_no != voters->count + 1) {
        wsis_log_error ("voting: voter numbers are not dense at %u", voter_no);
        return -1;
    }
    if (voting_voters_reserve (voters, len))
        return -1;
    voting_voters_append (voters, id, len);     //  placed once all are read
    return 0;
}

//  The ballot number of a pseudonym of the log, numbered at its first
//  row; 0 when out of memory.
static uint32_t
s_ballot (voting_t *self, const unsigned char *pseudonym)
{
    uint32_t ballot_no = voting_ballots_find (&self->ballots, pseudonym);
    if (ballot_no)
        return ballot_no;
    if (voting_ballots_reserve (&self->ballots)
    ||  voting_state_reserve_ballot (self, (uint32_t) self->ballots.count + 1))
        return 0;
    return voting_ballots_add (&self->ballots, pseudonym);
}

static int
s_apply_vote (loader_t *loader, uint64_t vote_no, const unsigned char *pseudonym, size_t size,
              int64_t candidate_no)
{
    voting_t *self = loader->self;
    self->last_vote_no = vote_no;
    if (size != VOTING_PSEUDONYM_SIZE) {
        wsis_log_error ("voting: vote %llu has no well-formed pseudonym; not counted",
                        (unsigned long long) vote_no);
        loader->skipped++;
        return 0;
    }
    const voting_place_t *place = voting_state_place (self, candidate_no);
    if (!place) {
        loader->skipped++;      //  a call no longer in the calendar
        return 0;
    }
    uint32_t ballot_no = s_ballot (self, pseudonym);
    if (!ballot_no)
        return -1;
    voting_poll_t *poll = &self->polls [place->poll];
    int category = poll->candidates [place->candidate].category;
    uint64_t key = voting_index_key (ballot_no, place->poll, category);
    uint64_t value;
    if (voting_index_find (&self->index, key, &value)) {
        //  Cannot happen: vote.cast checks the same index before writing.
        wsis_log_error ("voting: vote %llu repeats vote %llu of the same voter and category; not counted",
                        (unsigned long long) vote_no, (unsigned long long) VOTING_VALUE_VOTE (value));
        loader->skipped++;
        return 0;
    }
    if (voting_index_reserve (&self->index, 1))
        return -1;
    voting_index_put (&self->index, key, voting_index_value (vote_no, place->candidate));
    voting_state_count (self, poll, ballot_no, place->candidate, vote_no);
    return 0;
}

//  The index slot of a batched vote, asked of the memory ahead of its turn.
//  A first vote's ballot gets its number in its turn: *next_new is the
//  guess (a guess wrong only when one voter's first two votes are in the
//  same batch, which costs a useless prefetch).
static void
s_prefetch_index (voting_t *self, const loading_vote_t *vote, uint32_t *next_new)
{
    const voting_place_t *place = voting_state_place (self, vote->candidate_no);
    if (vote->size != VOTING_PSEUDONYM_SIZE || !place)
        return;
    uint32_t ballot_no = voting_ballots_find (&self->ballots, vote->pseudonym);
    if (!ballot_no)
        ballot_no = (*next_new)++;
    int category = self->polls [place->poll].candidates [place->candidate].category;
    voting_index_prefetch (&self->index, voting_index_key (ballot_no, place->poll, category));
}

//  Applies the batched votes in order, after two passes that prefetch
//  what they read: the ballots' pseudonyms (their table's slots were
//  asked for as the rows came), then the index slots.
static int
s_apply_batch (loader_t *loader)
{
    voting_t *self = loader->self;
    size_t count = loader->batched;
    loader->batched = 0;
    for (size_t i = 0; i < count; i++)
        voting_ballots_prefetch_entry (&self->ballots, loader->batch [i].pseudonym);
    uint32_t next_new = (uint32_t) self->ballots.count + 1;
    for (size_t i = 0; i < count; i++)
        s_prefetch_index (self, &loader->batch [i], &next_new);
    for (size_t i = 0; i < count; i++) {
        const loading_vote_t *vote = &loader->batch [i];
        if (s_apply_vote (loader, vote->vote_no, vote->pseudonym, vote->size, vote->candidate_no))
            return -1;
    }
    return 0;
}

static int
s_load_vote (void *arg, uint64_t vote_no, const unsigned char *pseudonym, size_t size,
             int64_t candidate_no)
{
    loader_t *loader = (loader_t *) arg;
    loading_vote_t *vote = &loader->batch [loader->batched++];
    vote->vote_no = vote_no;
    vote->size = size;
    vote->candidate_no = candidate_no;
    if (size == VOTING_PSEUDONYM_SIZE) {
        memcpy (vote->pseudonym, pseudonym, size);
        voting_ballots_prefetch_slot (&loader->self->ballots, pseudonym);
    }
    return loader->batched == S_LOAD_BATCH? s_apply_batch (loader): 0;
}

void
voting_state_reset (voting_t *self)
{
    for (size_t p = 0; p < self->poll_count; p++) {
        voting_poll_t *poll = &self->polls [p];
        for (size_t i = 0; i < poll->candidate_count; i++)
            free (poll->candidates [i].submission_id);
        free (poll->candidates);
        free (poll->ballots);
        zhashx_destroy (&poll->by_submission);
    }
    free (self->polls);
    self->polls = NULL;
    self->poll_count = 0;
    free (self->places);
    self->places = NULL;
    self->places_alloc = 0;
    voting_voters_reset (&self->voters);
    voting_ballots_reset (&self->ballots);
    voting_index_reset (&self->index);
    free (self->ballot_of);
    self->ballot_of = NULL;
    self->ballot_of_alloc = 0;
    self->last_vote_no = 0;
}

int
voting_state_remember_ballot (voting_t *self, uint32_t voter_no, uint32_t ballot_no)
{
    if (voter_no >= self->ballot_of_alloc) {
        size_t alloc = self->ballot_of_alloc? self->ballot_of_alloc: 4096;
        while (alloc <= voter_no)
            alloc *= 2;
        uint32_t *grown = (uint32_t *) realloc (self->ballot_of, alloc * sizeof (uint32_t));
        if (!grown)
            return -1;
        memset (grown + self->ballot_of_alloc, 0, (alloc - self->ballot_of_alloc) * sizeof (uint32_t));
        self->ballot_of = grown;
        self->ballot_of_alloc = alloc;
    }
    self->ballot_of [voter_no] = ballot_no;
    return 0;
}

uint32_t
voting_state_voter_ballot (voting_t *self, uint32_t voter_no, const char *voter_id, size_t len,
                           unsigned char pseudonym [VOTING_PSEUDONYM_SIZE])
{
    uint32_t ballot_no = voter_no < self->ballot_of_alloc? self->ballot_of [voter_no]: 0;
    if (ballot_no) {
        memcpy (pseudonym, self->ballots.pseudonyms [ballot_no], VOTING_PSEUDONYM_SIZE);
        return ballot_no;
    }
    voting_key_pseudonym (&self->keys, voter_id, len, pseudonym);
    ballot_no = voting_ballots_find (&self->ballots, pseudonym);
    if (ballot_no)
        voting_state_remember_ballot (self, voter_no, ballot_no);
    return ballot_no;
}

int
voting_state_load (voting_t *self, wsis_service_t *service)
{
    int64_t started = zclock_mono ();
    voting_state_reset (self);
    self->ready = false;
    wsis_store_t *store = wsis_service_store (service);
    wsis_calendar_t *calendar = wsis_service_calendar (service);
    self->complete_ballot_required = wsis_config_bool (wsis_service_config (service),
                                                       "voting/complete_ballot_required");

    //  One poll per prize call: only the WSIS Prizes have a public vote.
    size_t calls = wsis_calendar_size (calendar);
    self->polls = (voting_poll_t *) calloc (calls? calls: 1, sizeof (voting_poll_t));
    if (!self->polls)
        return -1;
    for (size_t i = 0; i < calls && self->poll_count < VOTING_MAX_POLLS; i++) {
        const wsis_call_t *call = wsis_calendar_at (calendar, i);
        const wsis_phase_t *phase = wsis_calendar_call_phase (call, "voting");
        if (!streq (call->kind, "prize") || !phase)
            continue;
        voting_poll_t *poll = &self->polls [self->poll_count++];
        poll->call = call;
        poll->phase = phase;
        poll->by_submission = zhashx_new ();
    }

    loader_t loader = { .self = self, .store = store };
    int rc = -1;
    //  The registries' tables at their final size before they fill: no
    //  rehash of a million voters as they double. Ballots are at most one
    //  per voter and one per vote.
    int64_t voters = voting_store_last_voter_no (store);
    int64_t last = voting_store_last_vote_no (store);
    if (voters < 0 || last < 0
    ||  voting_slots_reserve (&self->voters.slots, &self->voters.slot_mask, (size_t) voters) < 0
    ||  voting_slots_reserve (&self->ballots.slots, &self->ballots.slot_mask,
                              (size_t) (voters < last? voters: last)) < 0)
        goto cleanup;
    if (voting_store_polls_each (store, s_load_poll, &loader)
    ||  voting_store_candidates_each (store, s_load_candidate, &loader)
    ||  voting_store_voters_each (store, s_load_voter, &loader))
        goto cleanup;
    voting_voters_place_from (&self->voters, 1);
    //  The index at its final size before the replay (the log holds at
    //  most last_vote_no votes): no rehash while it fills, and never the
    //  old table and the new one (twice its size) allocated at once.
    if (voting_index_reserve (&self->index, (size_t) last))
        goto cleanup;
    if (voting_store_votes_each (store, s_load_vote, &loader)
    ||  s_apply_batch (&loader))
        goto cleanup;
    if (loader.skipped)
        wsis_log_warning ("voting: %llu votes of the log belong to no poll of the calendar",
                          (unsigned long long) loader.skipped);
    wsis_log_info ("voting: %zu voters, %zu ballots, %zu votes loaded in %lld ms (%s)",
                   self->voters.count, self->ballots.count, self->index.count,
                   (long long) (zclock_mono () - started),
                   self->complete_ballot_required? "complete ballots required": "every vote counts");
    self->ready = true;
    rc = 0;

cleanup:
    if (rc)
        wsis_log_error ("voting: cannot load the state from the store");
    return rc;
}
