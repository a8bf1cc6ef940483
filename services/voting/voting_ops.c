/*  voting_ops: the operations of wsis-voting (docs/protocol.md section 10).

    vote.cast is the hot path: every check is a lookup in memory, and a new
    vote is one appended log row and one outbox row, in the batch
    transaction that the runtime commits before replying; the counts are
    the log's, kept in memory.
*/
#include "voting.h"
#include "wsis_fields.h"

#include <string.h>

//  The state, or NULL with the reply failed while it is being reloaded
//  (a reload after a rollback failed; the tick tries again).
static voting_t *
s_voting (wsis_service_t *service, wsis_reply_t *reply)
{
    voting_t *self = (voting_t *) wsis_service_state (service);
    if (self->ready)
        return self;
    wsis_reply_fail (reply, "unavailable", NULL, "the votes are being reloaded from the store; try again");
    return NULL;
}

//  Who sent a request and its id: kept with the vote so that a resend of
//  the same request gets the reply of its first execution. FNV-1a, then
//  keyed (voting_key_request): the actor of a stakeholder's vote is the
//  voter, and the log must not name it.
static uint64_t
s_request_plain (const wsis_request_t *request)
{
    uint64_t hash = WSIS_HASH_START;
    const char *parts [3] = { wsis_role_name (request->role), request->actor_id, request->id };
    for (int i = 0; i < 3; i++) {
        hash = wsis_hash_add (hash, parts [i], strlen (parts [i]));
        hash = wsis_hash_add (hash, "\xff", 1);   //  separator: ("ab", "c") is not ("a", "bc")
    }
    return hash;
}

static uint64_t
s_request_hash (voting_t *self, const wsis_request_t *request)
{
    return voting_key_request (&self->keys, s_request_plain (request));
}

//  True when the vote of the log whose request hash is `kept` was cast by
//  this same request: kept as today, or as the log kept it before
//  version 3 of the schema.
static bool
s_same_request (voting_t *self, const wsis_request_t *request, uint64_t kept)
{
    uint64_t plain = s_request_plain (request);
    return kept == voting_key_request (&self->keys, plain)
        || kept == voting_key_request_v2 (&self->keys, plain);
}

//  docs/protocol.md section 7: the voting phase is open from its start (inclusive) to
//  its end (exclusive) by the service clock: at 2022-03-31 23:00 Geneva
//  time (21:00:00Z) the vote has closed.
static int
s_check_phase (wsis_service_t *service, const voting_poll_t *poll, wsis_reply_t *reply)
{
    int64_t now = wsis_service_now (service);
    char when [WSIS_TIME_ZONED_BUFSIZE];
    if (now < poll->phase->start) {
        wsis_time_format_zoned (poll->call->zone, poll->phase->start, when, sizeof when);
        return wsis_reply_fail (reply, "phase_not_open", NULL, "voting of %s opens at %s",
                                poll->call->id, when);
    }
    if (now >= poll->phase->end || poll->closed) {
        wsis_time_format_zoned (poll->call->zone, poll->phase->end, when, sizeof when);
        return wsis_reply_fail (reply, "deadline_passed", NULL, "voting of %s closed at %s",
                                poll->call->id, when);
    }
    return 0;
}

static int
s_reply_vote (wsis_reply_t *reply, const char *receipt, bool duplicate)
{
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_str (&reply->pk, "receipt", receipt);
    wsis_pack_kv_bool (&reply->pk, "duplicate", duplicate);
    return 0;
}

//  A vote as read from a vote.cast request (the strings point into it).
typedef struct {
    char call_id [65];
    char code [16];             //  the category
    int category;
    const char *voter_id;
    size_t voter_len;
    const char *submission_id;
    size_t submission_len;
    unsigned char pseudonym [VOTING_PSEUDONYM_SIZE];    //  of the voter, when registered
    uint32_t voter_no;          //  0: not registered
} vote_t;

//  The receipt of a vote of the log: the one given before version 2 as it
//  was kept, else made from the vote and the voter's pseudonym.
static void
s_receipt (voting_t *self, const char *call, const char *category, const char *submission_id,
           size_t submission_len, const unsigned char *pseudonym, uint64_t vote_no,
           const voting_store_vote_t *row, char *receipt)
{
    unsigned char mac [VOTING_MAC_SIZE];
    if (row && row->has_receipt)
        memcpy (mac, row->receipt, sizeof mac);
    else
        voting_receipt_mac (&self->keys.receipt, call, category, submission_id, submission_len,
                            pseudonym, VOTING_PSEUDONYM_SIZE, mac);
    voting_receipt_format (vote_no, mac, receipt);
}

//  The body of vote.cast. It carries no voter: the ballot is secret.
static void
s_pack_cast (msgpack_packer *pk, const char *call, const char *category,
             const char *submission_id, size_t submission_len, const char *receipt,
             bool new_voter)
{
    msgpack_pack_map (pk, 5);
    wsis_pack_kv_str (pk, "call", call);
    wsis_pack_kv_str (pk, "category", category);
    wsis_pack_str (pk, "submission_id");
    wsis_pack_strn (pk, submission_id, submission_len);
    wsis_pack_kv_str (pk, "receipt", receipt);
    wsis_pack_kv_bool (pk, "new_voter", new_voter);
}

int
voting_ops_rebuild (wsis_service_t *service, const char *type, int64_t ref, msgpack_packer *pk)
{
    voting_t *self = (voting_t *) wsis_service_state (service);
    voting_store_vote_t row;
    const voting_place_t *place = NULL;
    if (!self->ready || !streq (type, "vote.cast") || ref <= 0
    ||  voting_store_vote_get (wsis_service_store (service), (uint64_t) ref, &row) != 0
    ||  !(place = voting_state_place (self, row.candidate_no)))
        return -1;
    voting_poll_t *poll = &self->polls [place->poll];
    const voting_candidate_t *candidate = &poll->candidates [place->candidate];
    const char *call = poll->call->id;
    const char *category = wsis_categories [candidate->category];
    size_t submission_len = strlen (candidate->submission_id);
    //  new_voter: this was the ballot's first vote in the call, the lowest
    //  vote number of the ballot's votes there.
    uint32_t ballot_no = voting_ballots_find (&self->ballots, row.pseudonym);
    if (!ballot_no)
        return -1;
    uint64_t first = voting_state_first_vote (self, poll, ballot_no);
    char receipt [VOTING_RECEIPT_LEN + 1];
    s_receipt (self, call, category, candidate->submission_id, submission_len,
               row.pseudonym, (uint64_t) ref, &row, receipt);
    s_pack_cast (pk, call, category, candidate->submission_id, submission_len,
                 receipt, first == (uint64_t) ref);
    return 0;
}

//  Records a new vote: every write first, and memory only once they all
//  succeeded (a failed handler is rolled back by the runtime, and the
//  index must hold exactly what the log holds). ballot_no is 0 for a
//  voter's first vote.
static int
s_record (wsis_service_t *service, voting_t *self, voting_poll_t *poll, const vote_t *vote,
          uint32_t ballot_no, uint32_t candidate, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    uint64_t vote_no = self->last_vote_no + 1;
    voting_candidate_t *chosen = &poll->candidates [candidate];
    bool new_voter = !ballot_no || poll->ballots [ballot_no] == 0;
    if (voting_index_reserve (&self->index, 1)
    ||  (!ballot_no && (voting_ballots_reserve (&self->ballots)
                        || voting_state_reserve_ballot (self, (uint32_t) self->ballots.count + 1))))
        return wsis_reply_fail (reply, "internal", NULL, "out of memory; the vote was not recorded");
    if (voting_store_vote_add (store, vote_no, vote->pseudonym, chosen->candidate_no,
                               s_request_hash (self, request)))
        return wsis_reply_fail (reply, "internal", NULL, "the vote could not be recorded");
    char receipt [VOTING_RECEIPT_LEN + 1];
    s_receipt (self, vote->call_id, vote->code, vote->submission_id, vote->submission_len,
               vote->pseudonym, vote_no, NULL, receipt);

    //  The outbox keeps only the vote's number: its row in the log holds
    //  the rest, and the body is packed again from it when served again
    //  (voting_ops_rebuild).
    s_pack_cast (wsis_service_event (service), vote->call_id, vote->code, vote->submission_id,
                 vote->submission_len, receipt, new_voter);
    int rc = wsis_service_event_emit_ref (service, "vote.cast", (int64_t) vote_no);
    if (rc)
        return wsis_reply_fail (reply, "internal", NULL, "the vote could not be recorded");

    if (!ballot_no) {
        ballot_no = voting_ballots_add (&self->ballots, vote->pseudonym);
        voting_state_remember_ballot (self, vote->voter_no, ballot_no);
    }
    uint32_t poll_no = (uint32_t) (poll - self->polls);
    voting_index_put (&self->index, voting_index_key (ballot_no, poll_no, vote->category),
                      voting_index_value (vote_no, candidate));
    voting_state_count (self, poll, ballot_no, candidate, vote_no);
    self->last_vote_no = vote_no;
    return s_reply_vote (reply, receipt, false);
}

//  vote.cast {call, voter_id, category, submission_id} -> {receipt, duplicate}
static int
s_op_cast (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    voting_t *self = s_voting (service, reply);
    if (!self)
        return -1;
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    vote_t vote;
    if (wsis_fields_text (&body, "call", WSIS_REQUIRED, 1, 64, vote.call_id, sizeof vote.call_id)
    ||  wsis_fields_str (&body, "voter_id", WSIS_REQUIRED, 1, 64, &vote.voter_id, &vote.voter_len)
    ||  wsis_fields_choice_text (&body, "category", WSIS_REQUIRED, wsis_categories,
                                 WSIS_CATEGORY_COUNT, vote.code, sizeof vote.code)
    ||  wsis_fields_str (&body, "submission_id", WSIS_REQUIRED, 1, 64,
                         &vote.submission_id, &vote.submission_len))
        return -1;
    vote.category = wsis_valid_category (vote.code, strlen (vote.code));
    //  docs/protocol.md section 6: a stakeholder votes only as itself; the gateway
    //  relays the votes of the public web site for anyone.
    if (!wsis_request_may_act_for (request, vote.voter_id, vote.voter_len))
        return wsis_reply_fail (reply, "forbidden", "voter_id", "a stakeholder casts only its own vote");
    voting_poll_t *poll = voting_state_poll (self, vote.call_id);
    if (!poll)
        return wsis_fields_fail (&body, "call", "is not a WSIS Prizes call of the calendar (only those have a public vote)");

    //  Every check from here on is a lookup in memory (and one HMAC, the
    //  voter's pseudonym); only a duplicate reads its row of the log.
    uint32_t poll_no = (uint32_t) (poll - self->polls);
    uint32_t voter_no = voting_voters_find (&self->voters, vote.voter_id, vote.voter_len);
    vote.voter_no = voter_no;
    uint32_t ballot_no = voter_no? voting_state_voter_ballot (self, voter_no, vote.voter_id,
                                                              vote.voter_len, vote.pseudonym): 0;
    int candidate = voting_state_candidate (poll, vote.category, vote.submission_id, vote.submission_len);
    uint64_t value = 0;
    bool voted = ballot_no
              && voting_index_find (&self->index, voting_index_key (ballot_no, poll_no, vote.category), &value);
    bool same = voted && candidate >= 0 && VOTING_VALUE_CANDIDATE (value) == (uint32_t) candidate;
    char receipt [VOTING_RECEIPT_LEN + 1];
    if (same) {
        //  docs/protocol.md section 2: a resend of the same request (same actor and
        //  id) gets the reply of its first execution, even after the
        //  deadline. The runtime does not store vote.cast replies
        //  (WSIS_OP_OWN_RETRY): the vote's log row remembers which
        //  request cast it.
        voting_store_vote_t row;
        int rc = voting_store_vote_get (wsis_service_store (service), VOTING_VALUE_VOTE (value), &row);
        if (rc != 0)
            return wsis_reply_fail (reply, "internal", NULL, "the vote log could not be read");
        s_receipt (self, vote.call_id, vote.code, vote.submission_id, vote.submission_len,
                   vote.pseudonym, VOTING_VALUE_VOTE (value), &row, receipt);
        if (s_same_request (self, request, row.request))
            return s_reply_vote (reply, receipt, false);
    }
    if (s_check_phase (service, poll, reply))
        return -1;
    //  Votes are accepted only from registered stakeholders (docs/design.md,
    //  Security).
    if (!voter_no)
        return wsis_reply_fail (reply, "ineligible", "voter_id", "only registered stakeholders may vote");
    if (candidate < 0)
        return wsis_fields_fail (&body, "submission_id", "is not a project nominated in %s of %s",
                                 vote.code, vote.call_id);
    //  One vote per voter per call per category, and it is final: the
    //  same vote again is harmless, another project is refused.
    if (same)
        return s_reply_vote (reply, receipt, true);
    if (voted)
        return wsis_reply_fail (reply, "already_voted", "category",
                                "this voter has already voted in %s of %s; a vote is final",
                                vote.code, vote.call_id);
    return s_record (service, self, poll, &vote, ballot_no, (uint32_t) candidate, request, reply);
}

//  vote.verify {receipt} -> {call, category, submission_id, counted}
static int
s_op_verify (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    voting_t *self = s_voting (service, reply);
    if (!self)
        return -1;
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char receipt [VOTING_RECEIPT_LEN + 2];
    if (wsis_fields_text (&body, "receipt", WSIS_REQUIRED, 1, VOTING_RECEIPT_LEN + 1,
                          receipt, sizeof receipt))
        return -1;
    size_t len = strlen (receipt);
    for (size_t i = 0; i < len; i++)
        if (receipt [i] >= 'A' && receipt [i] <= 'F')
            receipt [i] = (char) (receipt [i] - 'A' + 'a');
    uint64_t vote_no;
    if (voting_receipt_parse (receipt, len, &vote_no))
        return wsis_fields_fail (&body, "receipt", "must be the %d hex digits of a receipt",
                                 VOTING_RECEIPT_LEN);

    voting_store_vote_t row;
    int rc = voting_store_vote_get (wsis_service_store (service), vote_no, &row);
    if (rc < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the vote log could not be read");
    //  Nothing read is valid when no vote has that number (rc 1).
    int64_t candidate_no = rc == 0? row.candidate_no: 0;
    const voting_place_t *place = voting_state_place (self, candidate_no);
    if (!place)
        return wsis_reply_fail (reply, "not_found", "receipt", "no vote has this receipt");
    const voting_poll_t *poll = &self->polls [place->poll];
    const voting_candidate_t *candidate = &poll->candidates [place->candidate];
    const char *code = wsis_categories [candidate->category];

    //  Only the key's holder can make a receipt that matches the vote.
    char expected [VOTING_RECEIPT_LEN + 1];
    s_receipt (self, poll->call->id, code, candidate->submission_id,
               strlen (candidate->submission_id), row.pseudonym, vote_no, &row, expected);
    if (!voting_receipt_equal (receipt, expected))
        return wsis_reply_fail (reply, "not_found", "receipt", "no vote has this receipt");

    //  Under the 2013 rule a vote counts only once its voter's ballot is
    //  complete.
    uint32_t ballot_no = voting_ballots_find (&self->ballots, row.pseudonym);
    bool counted = !self->complete_ballot_required
                || (ballot_no && poll->ballots [ballot_no] == poll->open_categories);
    msgpack_pack_map (&reply->pk, 4);
    wsis_pack_kv_str (&reply->pk, "call", poll->call->id);
    wsis_pack_kv_str (&reply->pk, "category", code);
    wsis_pack_kv_str (&reply->pk, "submission_id", candidate->submission_id);
    wsis_pack_kv_bool (&reply->pk, "counted", counted);
    return 0;
}

//  The poll of the call a request names (a prize call of the calendar),
//  and the state in *self_p unless self_p is NULL. NULL with the reply
//  failed while the votes are being reloaded or when the call has no
//  public vote.
static voting_poll_t *
s_poll (wsis_service_t *service, wsis_fields_t *body, voting_t **self_p)
{
    voting_t *self = s_voting (service, body->reply);
    if (!self)
        return NULL;
    char call_id [65];
    if (wsis_fields_text (body, "call", WSIS_REQUIRED, 1, 64, call_id, sizeof call_id))
        return NULL;
    voting_poll_t *poll = voting_state_poll (self, call_id);
    if (!poll)
        wsis_fields_fail (body, "call", "is not a WSIS Prizes call of the calendar (only those have a public vote)");
    if (self_p)
        *self_p = self;
    return poll;
}

//  vote.tally {call, category?} -> {categories: {cat: [{submission_id,
//  votes, votes_cast, votes_complete, rank}]}, votes, voters, ...}
static int
s_op_tally (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    voting_t *self = NULL;
    voting_poll_t *poll = s_poll (service, &body, &self);
    if (!poll)
        return -1;
    char code [16];
    int category = -1;
    int rc = wsis_fields_choice_text (&body, "category", WSIS_OPTIONAL, wsis_categories,
                                      WSIS_CATEGORY_COUNT, code, sizeof code);
    if (rc < 0)
        return -1;
    if (rc == 0)
        category = wsis_valid_category (code, strlen (code));
    //  Live counts are embargoed until the vote closes (unlike Decidim,
    //  whose live counts leaked): only staff and operators see them.
    if (request->role != WSIS_ROLE_STAFF && request->role != WSIS_ROLE_OPERATOR && !poll->closed)
        return wsis_reply_fail (reply, "forbidden", NULL,
                                "the tally of %s is embargoed until its voting closes", poll->call->id);
    if (voting_tally_pack (self, poll, category, &reply->pk))
        return wsis_reply_fail (reply, "internal", NULL, "out of memory");
    return 0;
}

//  voting.close {call} -> the body of voting.closed
static int
s_op_close (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    voting_poll_t *poll = s_poll (service, &body, NULL);
    if (!poll)
        return -1;
    if (poll->closed)
        return wsis_reply_fail (reply, "conflict", "call", "voting of %s is already closed",
                                poll->call->id);
    if (wsis_service_now (service) < poll->phase->end) {
        char when [WSIS_TIME_ZONED_BUFSIZE];
        wsis_time_format_zoned (poll->call->zone, poll->phase->end, when, sizeof when);
        return wsis_reply_fail (reply, "phase_not_open", NULL, "voting of %s is still open until %s",
                                poll->call->id, when);
    }
    if (!poll->published)
        return wsis_reply_fail (reply, "conflict", "call",
                                "the nominations of %s were never published: there is no ballot to close",
                                poll->call->id);
    char by [WSIS_ID_MAX * 2 + 32];
    snprintf (by, sizeof by, "%s:%s", wsis_role_name (request->role), request->actor_id);
    if (voting_tally_close (service, poll, by, &reply->pk))
        return wsis_reply_fail (reply, "internal", NULL, "the result could not be stored");
    return 0;
}

const wsis_op_t voting_ops [] = {
    //  Naturally idempotent (the same vote again is ok with the same
    //  receipt, and a resend of the same request gets its first reply),
    //  so its replies are not stored for retries. Measured with 1,000,000
    //  voters and 815,000 votes (bench/bench_votes.py), stored replies
    //  took 26.5 us of CPU per vote instead of 16.3, 202 MiB of peak RSS
    //  instead of 103 (their in-memory index lives for a day) and a
    //  database of 415 MB instead of 250. And a stored reply would keep
    //  its actor (the voter itself, for a stakeholder's own vote) next to
    //  a receipt, which vote.verify ties to a choice: the ballot would no
    //  longer be secret in voting.db. A commit failure still turns its
    //  replies into `unavailable` (WSIS_OP_WRITES).
    { "vote.cast", s_op_cast, WSIS_ROLE_STAKEHOLDER | WSIS_ROLE_GATEWAY,
      WSIS_OP_WRITES | WSIS_OP_OWN_RETRY | WSIS_OP_NO_SAVEPOINT,
      "call voter_id category submission_id" },
    { "vote.verify", s_op_verify, WSIS_ROLE_PUBLIC, 0,
      "receipt" },
    //  Public, but the handler embargoes it until the close.
    { "vote.tally", s_op_tally, WSIS_ROLE_PUBLIC, 0,
      "call category?" },
    { "voting.close", s_op_close, WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR, WSIS_OP_WRITES,
      "call" },
    { NULL }
};
