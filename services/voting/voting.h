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
        (voting_voters.c) loaded from the voter table, used only to say who
        may vote;
      - the ballot is secret at rest too: the log keys a vote by the
        voter's pseudonym, an HMAC of the stakeholder_id with a key that
        lives in a file of its own (voting_key.c, voting_keyfile.c), never
        by voter_no, so voting.db alone does not tell who voted for what;
      - counts are kept incrementally in memory for tally and close,
        replayed from the log at start: a vote writes its log row and its
        outbox row, nothing else.

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

//  The key file: 32 bytes of master key, from which the pseudonym and
//  request subkeys are derived, then the 32 bytes of the receipt key
//  (random, or the secret an older voting.db held, so that its receipts
//  still verify).
#define VOTING_KEY_SIZE 64
#define VOTING_KEY_HALF 32
//  A voter's pseudonym: HMAC-SHA256 of the stakeholder_id, truncated.
//  128 bits: two voters of a million share one with odds of 2^-88.
#define VOTING_PSEUDONYM_SIZE 16
#define VOTING_MAC_SIZE crypto_auth_hmacsha256_BYTES
//  A receipt: 16 hex digits of the vote's number in the log, then the 64
//  hex digits of HMAC-SHA256 (the receipt key) over call, category,
//  submission_id and the voter's pseudonym (before version 2 of the
//  schema, the voter_id).
#define VOTING_RECEIPT_LEN 80
//  The index keys a vote by voter, poll and category in 64 bits and keeps
//  the candidate in 16 bits of its value.
#define VOTING_MAX_POLLS 2048
#define VOTING_MAX_CANDIDATES 65535

//  ---------------------------------------------------------------------------
//  voting_memory.c: zeroed memory for a big table (freed with free), on
//  huge pages where the kernel has them when it is made for an empty
//  registry (the load's), on small ones when it grows while serving.
void *voting_memory_table (size_t bytes, bool empty);

//  ---------------------------------------------------------------------------
//  voting_slots.c: the hash tables of the registries below: the numbers
//  1..count of a registry's entries (0: empty), at most half full.

//  Makes room for count + 1 numbers. 1 when the table was made anew (the
//  caller puts its count numbers again), 0 when it had room, -1 out of
//  memory (the table unchanged).
int voting_slots_reserve (uint32_t **slots, size_t *mask, size_t count);
//  Puts number in the first empty slot from its entry's hash.
void voting_slots_put (uint32_t *slots, size_t mask, uint64_t hash, uint32_t number);

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
//  The same without placing it in the table, for a load of many at once:
//  voting_voters_place_from (first appended) places them all before any
//  find, asking the memory for their slots ahead of each.
uint32_t voting_voters_append (voting_voters_t *self, const char *id, size_t len);
void voting_voters_place_from (voting_voters_t *self, uint32_t first);
//  The voter_no of a stakeholder_id, 0 when not registered.
uint32_t voting_voters_find (const voting_voters_t *self, const char *id, size_t len);
//  The stakeholder_id of a voter_no (1..count); owned by the registry.
const char *voting_voters_name (const voting_voters_t *self, uint32_t voter_no);
void voting_voters_reset (voting_voters_t *self);

//  ---------------------------------------------------------------------------
//  voting_ballots.c: the pseudonyms of the voters who voted, numbered 1..
//  in memory in the order of their first vote in the log (the ballot
//  number keys the vote index and the per-poll counts). About 24 bytes a
//  voter: the pseudonyms in one array, a table of 4-byte numbers at most
//  half full.

typedef struct {
    unsigned char (*pseudonyms) [VOTING_PSEUDONYM_SIZE];   //  [ballot_no]; [0] unused
    size_t count;               //  ballots (the highest ballot_no)
    size_t alloc;               //  entries of pseudonyms
    uint32_t *slots;            //  0 empty, else ballot_no
    size_t slot_mask;
} voting_ballots_t;

//  Makes room for one more ballot, so the add after the store write
//  cannot fail. 0 or -1 (out of memory).
int voting_ballots_reserve (voting_ballots_t *self);
//  Adds a pseudonym that is not there yet (reserve first). Returns its
//  ballot_no.
uint32_t voting_ballots_add (voting_ballots_t *self, const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE]);
//  The ballot_no of a pseudonym, 0 when it has not voted.
uint32_t voting_ballots_find (const voting_ballots_t *self,
                              const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE]);
//  Ask the memory ahead for what a find of pseudonym will read: its slot
//  in the table, then (once the slot is there) the pseudonym it holds.
void voting_ballots_prefetch_slot (const voting_ballots_t *self,
                                   const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE]);
void voting_ballots_prefetch_entry (const voting_ballots_t *self,
                                    const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE]);
void voting_ballots_reset (voting_ballots_t *self);

//  ---------------------------------------------------------------------------
//  voting_index.c: every vote of the log by (ballot, poll, category): the
//  uniqueness check of the hot path. Open addressing, linear probing,
//  16 bytes a slot, at most 3/4 full. It grows by doubling, a little at a
//  time: the keys of the old table move to the new one a few slots per
//  put, and a find looks in both meanwhile, so no vote waits for the
//  whole table to be copied (at 800,000 votes that copy stalled the
//  loop for ~100 ms).

typedef struct {
    uint64_t key;               //  0 empty
    uint64_t value;
} voting_slot_t;

typedef struct {
    voting_slot_t *slots;
    size_t mask;
    size_t count;               //  keys, in slots and not yet moved from old
    voting_slot_t *old;         //  the table being moved from, or NULL
    size_t old_mask;
    size_t moved;               //  old slots [0, moved) are in slots too
} voting_index_t;

static inline uint64_t
voting_index_key (uint32_t ballot_no, uint32_t poll, int category)
{
    return ((uint64_t) ballot_no << 16) | ((uint64_t) poll << 5) | (uint64_t) category;
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
//  Ask the memory ahead for the slot a find or put of key starts at.
void voting_index_prefetch (const voting_index_t *self, uint64_t key);
//  Moves what is left of a growth at once (a load, the tests).
void voting_index_settle (voting_index_t *self);
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
    uint8_t *ballots;           //  [ballot_no] -> categories voted in (0-18)
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

//  ---------------------------------------------------------------------------
//  voting_key.c: what the key file's bytes are used for (libsodium's
//  HMAC-SHA256, each state keyed once: a use copies it and hashes only
//  its input; SipHash-2-4 for the request hashes).

typedef struct {
    crypto_auth_hmacsha256_state pseudonym;     //  HMAC(master, "wsis voting voter")
    //  HMAC(master, "wsis voting request siphash"), truncated: SipHash's key
    unsigned char request [crypto_shorthash_siphash24_KEYBYTES];
    crypto_auth_hmacsha256_state request_v2;    //  HMAC(master, "wsis voting request")
    crypto_auth_hmacsha256_state receipt;       //  the receipt key
    //  The fingerprint voting.db keeps of the key, never the key:
    //  HMAC(master, "wsis voting key check" || receipt key).
    unsigned char check [VOTING_MAC_SIZE];
} voting_keys_t;

//  Derives every key from the key file's bytes.
void voting_key_derive (voting_keys_t *keys, const unsigned char file [VOTING_KEY_SIZE]);
//  The pseudonym of a voter_id.
void voting_key_pseudonym (const voting_keys_t *keys, const char *voter_id, size_t len,
                           unsigned char pseudonym [VOTING_PSEUDONYM_SIZE]);
//  The keyed form of a request's hash (role, actor and id), as the log
//  keeps it (SipHash-2-4), and as it kept it before version 3 of the
//  schema (HMAC-SHA256): a resend of a vote cast then matches that one.
uint64_t voting_key_request (const voting_keys_t *keys, uint64_t request_hash);
uint64_t voting_key_request_v2 (const voting_keys_t *keys, uint64_t request_hash);

//  ---------------------------------------------------------------------------
//  voting_keyfile.c: where the key file lives, making it and checking it
//  against voting.db before the migrations run.

//  The key file's path from voting/key_file, wsis/keys, wsis/data_dir
//  (caller frees).
char *voting_keyfile_path (wsis_config_t *config);
//  Before the store's migrations: *version is its schema version; reads
//  (or, for a voting.db that may have a new one, makes) the key at path
//  and checks it against what the store holds; gives the store the
//  functions its migration rehashes the votes with (keys must outlive
//  it). 0 with keys derived, or -1 with *error one line naming the file
//  (caller frees).
int voting_keyfile_prepare (wsis_store_t *store, const char *path, voting_keys_t *keys,
                            int *version, char **error);
//  After the migrations of a store that was at version: what a migration
//  from version 1 must not leave behind is gone from the file and its WAL.
int voting_keyfile_migrated (wsis_store_t *store, int version);

//  The service's state (wsis_service_state).
typedef struct {
    voting_voters_t voters;
    voting_ballots_t ballots;
    voting_index_t index;
    voting_poll_t *polls;       //  one per prize call of the calendar
    size_t poll_count;
    voting_place_t *places;     //  [candidate_no]
    size_t places_alloc;
    uint64_t last_vote_no;      //  the last vote in the log
    //  [voter_no] -> the ballot of that voter, 0 while not known: the
    //  pseudonym (an HMAC) and the ballot's lookup are done once per voter
    //  rather than once per vote. 4 bytes a voter; emptied with the rest of
    //  the state on a reload (ballot numbers are the state's).
    uint32_t *ballot_of;
    size_t ballot_of_alloc;
    bool complete_ballot_required;
    //  False while the state is not (re)loaded: a reload after a rollback
    //  failed. Operations answer `unavailable` and events wait, rather
    //  than check votes against a partial index; the tick tries again.
    bool ready;
    voting_keys_t keys;
    //  PRAGMA user_version of voting.db before this start's migrations.
    int schema_before;
} voting_t;

//  ---------------------------------------------------------------------------
//  voting_state.c: loading and reloading the in-memory state, polls and
//  candidates.

//  Builds every in-memory structure from the store (start, rolled_back).
int voting_state_load (voting_t *self, wsis_service_t *service);
void voting_state_reset (voting_t *self);
//  The poll of a call id, or NULL (not a prize call of the calendar).
voting_poll_t *voting_state_poll (voting_t *self, const char *call_id);
//  Where a candidate_no of the store lives in memory, or NULL when it is
//  none (a vote of a call no longer in the calendar, a number read from a
//  forged receipt).
const voting_place_t *voting_state_place (const voting_t *self, int64_t candidate_no);
//  Index of the candidate for submission_id in a category of the poll, or -1.
int voting_state_candidate (voting_poll_t *poll, int category, const char *submission_id, size_t len);
//  The ballot of a registered voter (0: none yet), and its pseudonym in
//  pseudonym: from memory when the voter has voted since the state was
//  loaded, else made with the key and looked up.
uint32_t voting_state_voter_ballot (voting_t *self, uint32_t voter_no, const char *voter_id,
                                    size_t len, unsigned char pseudonym [VOTING_PSEUDONYM_SIZE]);
//  Remembers a voter's new ballot (after its first vote). 0 or -1 (out of
//  memory: it is then looked up again next time).
int voting_state_remember_ballot (voting_t *self, uint32_t voter_no, uint32_t ballot_no);
//  Grows every poll's ballot array to hold ballot_no. 0 or -1.
int voting_state_reserve_ballot (voting_t *self, uint32_t ballot_no);
//  Adds a candidate loaded or published; 0 or -1 (out of memory).
int voting_state_add_candidate (voting_t *self, voting_poll_t *poll, int64_t candidate_no,
                                int category, const char *submission_id, uint32_t position);
//  Records in memory a vote already written to the store (the index must
//  have room). Returns true when it completed the voter's ballot.
bool voting_state_count (voting_t *self, voting_poll_t *poll, uint32_t ballot_no,
                         uint32_t candidate, uint64_t vote_no);
//  Lists (for the store) the candidates whose complete count a vote that
//  completes a ballot raises: the voter's vote in every category. Returns
//  how many were written into out (at most WSIS_CATEGORY_COUNT).
size_t voting_state_ballot (voting_t *self, voting_poll_t *poll, uint32_t ballot_no,
                            uint32_t out [WSIS_CATEGORY_COUNT]);
//  The number of the ballot's first vote in the poll (0: none).
uint64_t voting_state_first_vote (voting_t *self, voting_poll_t *poll, uint32_t ballot_no);

//  ---------------------------------------------------------------------------
//  voting_receipt.c: receipts (HMAC-SHA256 with libsodium).

int voting_receipt_init (void);
//  The HMAC of a receipt: over call, category, submission_id and the
//  voter (its pseudonym; the voter_id in receipts given before version 2).
void voting_receipt_mac (const crypto_auth_hmacsha256_state *keyed,
                         const char *call, const char *category,
                         const char *submission_id, size_t submission_len,
                         const void *voter, size_t voter_len,
                         unsigned char mac [VOTING_MAC_SIZE]);
//  Writes the receipt of a vote number and its HMAC: VOTING_RECEIPT_LEN
//  hex digits and a NUL into out.
void voting_receipt_format (uint64_t vote_no, const unsigned char mac [VOTING_MAC_SIZE], char *out);
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

//  Before the migrations: PRAGMA user_version; the receipt secret of a
//  version 1 store (0 found, 1 none, -1 failure); the fingerprint of the
//  key of a later one (the same).
int voting_store_version (wsis_store_t *store);
int voting_store_old_secret (wsis_store_t *store, unsigned char secret [VOTING_KEY_HALF]);
int voting_store_key_check (wsis_store_t *store, unsigned char check [VOTING_MAC_SIZE]);
//  The connection before the migrations: secure_delete on (what is
//  deleted is overwritten, not left in free pages), and the SQL functions
//  the migration to version 2 rehashes the votes with (voting_pseudonym,
//  voting_request, voting_receipt_mac, voting_key_check), keyed with keys,
//  which must outlive the store.
int voting_store_prepare (wsis_store_t *store, const voting_keys_t *keys);
//  Moves every page of the WAL into voting.db and empties the WAL, so
//  that no copy of a page rewritten by a migration stays behind in it.
int voting_store_checkpoint (wsis_store_t *store);

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
} voting_store_candidate_t;
int voting_store_candidates_each (wsis_store_t *store,
                                  int (*fn) (void *arg, const voting_store_candidate_t *row),
                                  void *arg);

//  The vote log: no voter_no, the voter's pseudonym.
int voting_store_vote_add (wsis_store_t *store, uint64_t vote_no,
                           const unsigned char pseudonym [VOTING_PSEUDONYM_SIZE],
                           int64_t candidate_no, uint64_t request);
typedef struct {
    unsigned char pseudonym [VOTING_PSEUDONYM_SIZE];
    int64_t candidate_no;
    uint64_t request;           //  voting_key_request of who sent it and its id
    //  A receipt given before version 2, whose HMAC is over the voter_id
    //  that the log no longer holds: kept as it was given.
    bool has_receipt;
    unsigned char receipt [VOTING_MAC_SIZE];
} voting_store_vote_t;
//  0 found, 1 not found, -1 failure (or a row that is not well-formed).
int voting_store_vote_get (wsis_store_t *store, uint64_t vote_no, voting_store_vote_t *row);
//  The number of the last vote of the log (0 when empty): at most the
//  rows it holds, known without reading them (the rowid's B-tree).
int64_t voting_store_last_vote_no (wsis_store_t *store);
//  The number of the last registered voter (0: none), from the rowid.
int64_t voting_store_last_voter_no (wsis_store_t *store);
int voting_store_votes_each (wsis_store_t *store,
                             int (*fn) (void *arg, uint64_t vote_no,
                                        const unsigned char *pseudonym, size_t size,
                                        int64_t candidate_no),
                             void *arg);

//  ---------------------------------------------------------------------------
//  voting_ops.c

extern const wsis_op_t voting_ops [];
//  The body of a vote.cast event, packed again from its vote's row (ref:
//  the vote's number) for events.since and the archive (def->rebuild).
int voting_ops_rebuild (wsis_service_t *service, const char *type, int64_t ref, msgpack_packer *pk);

#endif
