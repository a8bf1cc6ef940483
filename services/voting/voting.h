/*  wsis-voting: the public online vote of the WSIS Prizes (phase 3).

    Eligible voters come from stakeholder.registered, candidates from
    nominations.published (docs/protocol.md section 10). The hot path is vote.cast: the
    real contest takes 1.3-2 million votes a year, most of them in the last
    days before the deadline. So the store is shaped for that load:

      - the vote log (table vote) is append-only in commit order: a vote is
        one row at the end of one B-tree, never a random index page;
      - "one vote per voter per call per category" is checked against an
        index kept in memory (voting_index.c), rebuilt from the log at start
        and after a rolled-back transaction, so it is exactly what is on disk;
      - the voters (stakeholder_id -> voter_no) are an in-memory registry
        (voting_voters.c) loaded from the voter table;
      - counts are kept incrementally: in memory for tally and close, and in
        the candidate rows in the same transaction as the vote, so they are
        never recounted per request.

    The runtime commits each batch in one BEGIN IMMEDIATE transaction with
    synchronous=FULL before any reply is sent, so an ok reply means the vote
    survives a power cut.

    In-memory state changes only after the store writes of a request have
    succeeded; when a whole transaction rolls back, the rolled_back hook
    reloads everything from the store (voting_state_load).
*/
#ifndef VOTING_H
#define VOTING_H

#include "wsis_hash.h"
#include "wsis_service.h"
#include "wsis_valid.h"

#include <sodium.h>

#include <stdbool.h>
#include <stdint.h>

#define VOTING_SECRET_SIZE 32
//  A receipt: 16 hex digits of the vote's number in the log, then the 64
//  hex digits of HMAC-SHA256 (per-installation secret) over call,
//  category, submission_id and voter_id.
#define VOTING_RECEIPT_LEN 80
//  The index keys a vote by voter, poll and category in 64 bits and keeps
//  the candidate in 16 bits of its value.
#define VOTING_MAX_POLLS 2048
#define VOTING_MAX_CANDIDATES 65535

//  ---------------------------------------------------------------------------
//  voting_voters.c: the registered stakeholders, numbered 1.. in the order
//  they were registered. Names live in one arena; lookup is an
//  open-addressing table of voter numbers (about 25 bytes a voter).

typedef struct {
    char *names;                //  arena of NUL-terminated stakeholder_ids
    size_t names_used;
    size_t names_alloc;
    uint32_t *offsets;          //  [voter_no] -> offset in names; [0] unused
    size_t count;               //  voters registered (the highest voter_no)
    size_t alloc;               //  entries of offsets
    uint32_t *slots;            //  0 empty, else voter_no
    size_t slot_mask;           //  slots - 1 (a power of two minus one)
} voting_voters_t;

//  Makes room for one more voter of that name length, so the add after
//  the store write cannot fail. 0 or -1 (out of memory).
int voting_voters_reserve (voting_voters_t *self, size_t len);
//  Adds a voter (reserve first; the name must be new). Returns its voter_no.
uint32_t voting_voters_add (voting_voters_t *self, const char *id, size_t len);
//  The voter_no of a stakeholder_id, 0 when not registered.
uint32_t voting_voters_find (const voting_voters_t *self, const char *id, size_t len);
//  The stakeholder_id of a voter_no (1..count); owned by the registry.
const char *voting_voters_name (const voting_voters_t *self, uint32_t voter_no);
void voting_voters_reset (voting_voters_t *self);

//  ---------------------------------------------------------------------------
//  voting_index.c: every vote of the log by (voter, poll, category): the
//  uniqueness check of the hot path. Open addressing, linear probing,
//  16 bytes a slot, at most 3/4 full.

typedef struct {
    uint64_t key;               //  0 empty
    uint64_t value;
} voting_slot_t;

typedef struct {
    voting_slot_t *slots;
    size_t mask;
    size_t count;
} voting_index_t;

static inline uint64_t
voting_index_key (uint32_t voter_no, uint32_t poll, int category)
{
    return ((uint64_t) voter_no << 16) | ((uint64_t) poll << 5) | (uint64_t) category;
}

static inline uint64_t
voting_index_value (uint64_t vote_no, uint32_t candidate)
{
    return (vote_no << 16) | candidate;
}

#define VOTING_VALUE_VOTE(value)      ((value) >> 16)
#define VOTING_VALUE_CANDIDATE(value) ((uint32_t) ((value) & 0xFFFF))

//  Makes room for `more` keys, so a put after the store write cannot fail.
int voting_index_reserve (voting_index_t *self, size_t more);
//  Adds a key that is not there yet (reserve first).
void voting_index_put (voting_index_t *self, uint64_t key, uint64_t value);
//  True with *value when the key is there.
bool voting_index_find (const voting_index_t *self, uint64_t key, uint64_t *value);
void voting_index_reset (voting_index_t *self);

//  ---------------------------------------------------------------------------
//  The poll of one prize call: its nominated projects and running counts.

typedef struct {
    char *submission_id;
    int category;               //  index in wsis_categories
    uint32_t position;          //  in the nominated list of its category
    int64_t candidate_no;       //  its row in the store
    //  Every vote for it, and the number of the last one: a tie at the
    //  cut-off goes to the project that reached its final count first.
    uint64_t votes_cast;
    uint64_t last_cast;
    //  Votes of voters whose ballot is complete (the 2013 rule), and the
    //  number of the vote that completed the last such ballot: that is
    //  when those votes started to count.
    uint64_t votes_complete;
    uint64_t last_complete;
} voting_candidate_t;

typedef struct {
    const wsis_call_t *call;    //  owned by the calendar
    const wsis_phase_t *phase;  //  its voting phase, owned by the calendar
    bool published;             //  nominations.published applied
    bool closed;                //  voting.closed emitted
    voting_candidate_t *candidates;
    size_t candidate_count;
    zhashx_t *by_submission;    //  "category\x1fsubmission_id" -> index + 1
    //  A complete ballot has a vote in every category that has a
    //  nominated project (18 when all are filled).
    int open_categories;
    uint8_t *ballots;           //  [voter_no] -> categories voted in (0-18)
    size_t ballots_alloc;
    uint64_t votes_cast;        //  votes in this call
    uint64_t voters_cast;       //  voters with at least one vote
    uint64_t complete_voters;   //  voters with a complete ballot
} voting_poll_t;

//  Where a candidate_no of the store lives in memory.
typedef struct {
    uint32_t poll;
    uint32_t candidate;
    bool known;
} voting_place_t;

//  The service's state (wsis_service_state).
typedef struct {
    voting_voters_t voters;
    voting_index_t index;
    voting_poll_t *polls;       //  one per prize call of the calendar
    size_t poll_count;
    voting_place_t *places;     //  [candidate_no]
    size_t places_alloc;
    uint64_t last_vote_no;      //  the last vote in the log
    bool complete_ballot_required;
    //  False while the state is not (re)loaded: a reload after a rollback
    //  failed. Operations answer `unavailable` and events wait, rather
    //  than check votes against a partial index; the tick tries again.
    bool ready;
    unsigned char secret [VOTING_SECRET_SIZE];
    //  HMAC-SHA256 keyed with the secret once (its padded key blocks
    //  absorbed): a receipt copies it and hashes only the vote.
    crypto_auth_hmacsha256_state keyed;
} voting_t;

//  ---------------------------------------------------------------------------
//  voting_state.c: loading and reloading the in-memory state, polls and
//  candidates.

//  Builds every in-memory structure from the store (start, rolled_back).
int voting_state_load (voting_t *self, wsis_service_t *service);
void voting_state_reset (voting_t *self);
//  The poll of a call id, or NULL (not a prize call of the calendar).
voting_poll_t *voting_state_poll (voting_t *self, const char *call_id);
//  Index of the candidate for submission_id in a category of the poll, or -1.
int voting_state_candidate (voting_poll_t *poll, int category, const char *submission_id, size_t len);
//  Grows every poll's ballot array to hold voter_no. 0 or -1.
int voting_state_reserve_voter (voting_t *self, uint32_t voter_no);
//  Adds a candidate loaded or published; 0 or -1 (out of memory).
int voting_state_add_candidate (voting_t *self, voting_poll_t *poll, int64_t candidate_no,
                                int category, const char *submission_id, uint32_t position);
//  Records in memory a vote already written to the store (the index must
//  have room). Returns true when it completed the voter's ballot.
bool voting_state_count (voting_t *self, voting_poll_t *poll, uint32_t voter_no,
                         uint32_t candidate, uint64_t vote_no);
//  Lists (for the store) the candidates whose complete count a vote that
//  completes a ballot raises: the voter's vote in every category. Returns
//  how many were written into out (at most WSIS_CATEGORY_COUNT).
size_t voting_state_ballot (voting_t *self, voting_poll_t *poll, uint32_t voter_no,
                            uint32_t out [WSIS_CATEGORY_COUNT]);

//  ---------------------------------------------------------------------------
//  voting_receipt.c: receipts (HMAC-SHA256 with libsodium).

int voting_receipt_init (void);
void voting_receipt_new_secret (unsigned char secret [VOTING_SECRET_SIZE]);
//  Keys the HMAC state with the secret.
void voting_receipt_key (crypto_auth_hmacsha256_state *keyed,
                         const unsigned char secret [VOTING_SECRET_SIZE]);
//  Writes VOTING_RECEIPT_LEN hex digits and a NUL into out.
void voting_receipt_make (const crypto_auth_hmacsha256_state *keyed, uint64_t vote_no,
                          const char *call, const char *category,
                          const char *submission_id, size_t submission_len,
                          const char *voter_id, size_t voter_len, char *out);
//  The vote number a well-formed receipt names; -1 when malformed.
int voting_receipt_parse (const char *text, size_t len, uint64_t *vote_no);
//  Constant-time comparison of two receipts of VOTING_RECEIPT_LEN.
bool voting_receipt_equal (const char *a, const char *b);

//  ---------------------------------------------------------------------------
//  voting_tally.c: ranking, champions, results, closing.

//  Valid votes of a candidate under the rule (complete ballots or all).
uint64_t voting_tally_votes (const voting_t *self, const voting_candidate_t *candidate);
//  The candidates of one category, best first (ranks 1..n): more valid
//  votes first; equal votes: the one that reached its count first; no
//  votes: the nominated list's order. Writes indexes into out (sized
//  candidate_count), returns how many.
size_t voting_tally_rank (const voting_t *self, const voting_poll_t *poll, int category,
                          uint32_t *out);
//  Valid votes and voters of the poll under the rule.
uint64_t voting_tally_total_votes (const voting_t *self, const voting_poll_t *poll);
uint64_t voting_tally_total_voters (const voting_t *self, const voting_poll_t *poll);
//  Packs the reply of vote.tally (category -1: all).
int voting_tally_pack (const voting_t *self, const voting_poll_t *poll, int category,
                       msgpack_packer *pk);
//  Closes the poll in the open transaction: stores and emits
//  voting.closed, whose body is also packed into pk when not NULL.
//  0 or -1 (store failure; nothing changed in memory).
int voting_tally_close (wsis_service_t *service, voting_poll_t *poll, const char *by,
                        msgpack_packer *pk);
//  The tick hook: closes every published poll whose voting phase has ended.
void voting_tally_tick (wsis_service_t *service);

//  ---------------------------------------------------------------------------
//  voting_events.c: what the service learns from other services.

int voting_events_apply (wsis_service_t *service, const wsis_event_t *event);

//  ---------------------------------------------------------------------------
//  voting_store.c: every SQL statement of the service.

int voting_store_secret (wsis_store_t *store, unsigned char secret [VOTING_SECRET_SIZE]);

int voting_store_voter_add (wsis_store_t *store, uint32_t voter_no, const char *id, size_t len);
//  Calls fn for every voter in voter_no order; stops at the first -1.
int voting_store_voters_each (wsis_store_t *store,
                              int (*fn) (void *arg, uint32_t voter_no, const char *id, size_t len),
                              void *arg);

int voting_store_poll_published (wsis_store_t *store, const char *call, int64_t ts);
int voting_store_poll_closed (wsis_store_t *store, const char *call, int64_t ts, const char *by,
                              const void *result, size_t size);
//  Calls fn for every stored poll.
int voting_store_polls_each (wsis_store_t *store,
                             int (*fn) (void *arg, const char *call, bool published, bool closed),
                             void *arg);

//  Inserts a nominated project; *candidate_no is its row.
int voting_store_candidate_add (wsis_store_t *store, const char *call, const char *category,
                                const char *submission_id, uint32_t position, int64_t *candidate_no);
typedef struct {
    int64_t candidate_no;
    const char *call;
    const char *category;
    const char *submission_id;
    uint32_t position;
    uint64_t votes_cast, last_cast, votes_complete, last_complete;
} voting_store_candidate_t;
int voting_store_candidates_each (wsis_store_t *store,
                                  int (*fn) (void *arg, const voting_store_candidate_t *row),
                                  void *arg);
//  The persisted counts of a candidate.
int voting_store_count_cast (wsis_store_t *store, int64_t candidate_no, uint64_t vote_no);
int voting_store_count_complete (wsis_store_t *store, int64_t candidate_no, uint64_t vote_no);
int voting_store_counts_set (wsis_store_t *store, const voting_candidate_t *candidate);

//  The vote log.
int voting_store_vote_add (wsis_store_t *store, uint64_t vote_no, uint32_t voter_no,
                           int64_t candidate_no, uint64_t request);
//  0 found, 1 not found, -1 failure.
int voting_store_vote_get (wsis_store_t *store, uint64_t vote_no, uint32_t *voter_no,
                           int64_t *candidate_no, uint64_t *request);
int voting_store_votes_each (wsis_store_t *store,
                             int (*fn) (void *arg, uint64_t vote_no, uint32_t voter_no,
                                        int64_t candidate_no),
                             void *arg);

//  ---------------------------------------------------------------------------
//  voting_ops.c

extern const wsis_op_t voting_ops [];

#endif
