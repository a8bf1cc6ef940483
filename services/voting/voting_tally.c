/*  voting_tally: ranking, champions, the tally and the close of a poll.

    Counts are kept incrementally with every vote (voting_state_count), so
    a tally or a close only sorts the few nominated projects of each
    category; nothing is ever recounted per request.

    Which votes are valid depends on voting/complete_ballot_required: off,
    every vote counts; on (the rule of the 2013 contest), only the votes of
    voters who voted in every category. Both counts are kept all along, so
    the tally shows staff the effect of the rule either way.
*/
#include "voting.h"
#include "wsis_log.h"

#include <stdlib.h>
#include <string.h>

//  The WSIS Prizes: the five projects with the most votes in a category
//  are its champions, scored by the ITU Expert Group in phase 4.
#define CHAMPIONS 5

uint64_t
voting_tally_votes (const voting_t *self, const voting_candidate_t *candidate)
{
    return self->complete_ballot_required? candidate->votes_complete: candidate->votes_cast;
}

//  The number of the vote after which the candidate had its valid count.
static uint64_t
s_reached (const voting_t *self, const voting_candidate_t *candidate)
{
    return self->complete_ballot_required? candidate->last_complete: candidate->last_cast;
}

typedef struct {
    const voting_t *self;
    const voting_poll_t *poll;
} rank_context_t;

static int
s_compare (const void *a, const void *b, void *arg)
{
    const rank_context_t *context = (const rank_context_t *) arg;
    const voting_candidate_t *one = &context->poll->candidates [*(const uint32_t *) a];
    const voting_candidate_t *two = &context->poll->candidates [*(const uint32_t *) b];
    uint64_t votes_one = voting_tally_votes (context->self, one);
    uint64_t votes_two = voting_tally_votes (context->self, two);
    if (votes_one != votes_two)
        return votes_one > votes_two? -1: 1;
    //  A tie goes to the project that reached its final count first:
    //  the earlier vote in the log.
    if (votes_one > 0) {
        uint64_t reached_one = s_reached (context->self, one);
        uint64_t reached_two = s_reached (context->self, two);
        if (reached_one != reached_two)
            return reached_one < reached_two? -1: 1;
    }
    //  No votes at all: the order of the nominated list.
    if (one->position != two->position)
        return one->position < two->position? -1: 1;
    return one->candidate_no < two->candidate_no? -1: one->candidate_no > two->candidate_no;
}

size_t
voting_tally_rank (const voting_t *self, const voting_poll_t *poll, int category, uint32_t *out)
{
    size_t count = 0;
    for (size_t i = 0; i < poll->candidate_count; i++)
        if (poll->candidates [i].category == category)
            out [count++] = (uint32_t) i;
    rank_context_t context = { self, poll };
    qsort_r (out, count, sizeof (uint32_t), s_compare, &context);
    return count;
}

uint64_t
voting_tally_total_votes (const voting_t *self, const voting_poll_t *poll)
{
    if (!self->complete_ballot_required)
        return poll->votes_cast;
    uint64_t total = 0;
    for (size_t i = 0; i < poll->candidate_count; i++)
        total += poll->candidates [i].votes_complete;
    return total;
}

uint64_t
voting_tally_total_voters (const voting_t *self, const voting_poll_t *poll)
{
    return self->complete_ballot_required? poll->complete_voters: poll->voters_cast;
}

int
voting_tally_pack (const voting_t *self, const voting_poll_t *poll, int category,
                   msgpack_packer *pk)
{
    uint32_t *order = (uint32_t *) malloc ((poll->candidate_count + 1) * sizeof (uint32_t));
    if (!order)
        return -1;
    msgpack_pack_map (pk, 9);
    wsis_pack_kv_str (pk, "call", poll->call->id);
    wsis_pack_kv_bool (pk, "closed", poll->closed);
    wsis_pack_kv_bool (pk, "complete_ballot_required", self->complete_ballot_required);
    wsis_pack_str (pk, "categories");
    msgpack_pack_map (pk, category < 0? WSIS_CATEGORY_COUNT: 1);
    for (int c = 0; c < WSIS_CATEGORY_COUNT; c++) {
        if (category >= 0 && c != category)
            continue;
        size_t count = voting_tally_rank (self, poll, c, order);
        wsis_pack_str (pk, wsis_categories [c]);
        msgpack_pack_array (pk, count);
        for (size_t i = 0; i < count; i++) {
            const voting_candidate_t *candidate = &poll->candidates [order [i]];
            msgpack_pack_map (pk, 5);
            wsis_pack_kv_str (pk, "submission_id", candidate->submission_id);
            wsis_pack_kv_uint (pk, "votes", voting_tally_votes (self, candidate));
            wsis_pack_kv_uint (pk, "votes_cast", candidate->votes_cast);
            wsis_pack_kv_uint (pk, "votes_complete", candidate->votes_complete);
            wsis_pack_kv_uint (pk, "rank", i + 1);
        }
    }
    wsis_pack_kv_uint (pk, "votes", voting_tally_total_votes (self, poll));
    wsis_pack_kv_uint (pk, "voters", voting_tally_total_voters (self, poll));
    wsis_pack_kv_uint (pk, "votes_cast", poll->votes_cast);
    wsis_pack_kv_uint (pk, "voters_cast", poll->voters_cast);
    wsis_pack_kv_uint (pk, "complete_voters", poll->complete_voters);
    free (order);
    return 0;
}

//  The body of voting.closed: every category's ranking and its champions.
static int
s_pack_result (const voting_t *self, const voting_poll_t *poll, msgpack_packer *pk)
{
    uint32_t *order = (uint32_t *) malloc ((poll->candidate_count + 1) * sizeof (uint32_t));
    if (!order)
        return -1;
    msgpack_pack_map (pk, 8);
    wsis_pack_kv_str (pk, "call", poll->call->id);
    wsis_pack_str (pk, "results");
    msgpack_pack_map (pk, WSIS_CATEGORY_COUNT);
    for (int c = 0; c < WSIS_CATEGORY_COUNT; c++) {
        size_t count = voting_tally_rank (self, poll, c, order);
        wsis_pack_str (pk, wsis_categories [c]);
        msgpack_pack_array (pk, count);
        for (size_t i = 0; i < count; i++) {
            const voting_candidate_t *candidate = &poll->candidates [order [i]];
            msgpack_pack_map (pk, 4);
            wsis_pack_kv_str (pk, "submission_id", candidate->submission_id);
            wsis_pack_kv_uint (pk, "votes", voting_tally_votes (self, candidate));
            wsis_pack_kv_uint (pk, "rank", i + 1);
            wsis_pack_kv_uint (pk, "votes_cast", candidate->votes_cast);
        }
    }
    wsis_pack_str (pk, "champions");
    msgpack_pack_map (pk, WSIS_CATEGORY_COUNT);
    for (int c = 0; c < WSIS_CATEGORY_COUNT; c++) {
        size_t count = voting_tally_rank (self, poll, c, order);
        if (count > CHAMPIONS)
            count = CHAMPIONS;
        wsis_pack_str (pk, wsis_categories [c]);
        msgpack_pack_array (pk, count);
        for (size_t i = 0; i < count; i++)
            wsis_pack_str (pk, poll->candidates [order [i]].submission_id);
    }
    wsis_pack_kv_uint (pk, "votes", voting_tally_total_votes (self, poll));
    wsis_pack_kv_uint (pk, "voters", voting_tally_total_voters (self, poll));
    wsis_pack_kv_uint (pk, "votes_cast", poll->votes_cast);
    wsis_pack_kv_uint (pk, "voters_cast", poll->voters_cast);
    wsis_pack_kv_bool (pk, "complete_ballot_required", self->complete_ballot_required);
    free (order);
    return 0;
}

int
voting_tally_close (wsis_service_t *service, voting_poll_t *poll, const char *by,
                    msgpack_packer *pk)
{
    voting_t *self = (voting_t *) wsis_service_state (service);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer result;
    msgpack_packer_init (&result, &buffer, msgpack_sbuffer_write);
    int rc = s_pack_result (self, poll, &result);
    //  The result is stored with the poll and emitted in the same
    //  transaction: the nominations service learns the champions from it.
    if (rc == 0)
        rc = voting_store_poll_closed (wsis_service_store (service), poll->call->id,
                                       wsis_service_now (service), by, buffer.data, buffer.size);
    if (rc == 0)
        rc = wsis_service_emit (service, "voting.closed", buffer.data, buffer.size);
    if (rc == 0) {
        if (pk)
            wsis_pack_raw (pk, buffer.data, buffer.size);
        poll->closed = true;
        wsis_log_info ("voting: %s closed by %s: %llu votes of %llu voters counted",
                       poll->call->id, by,
                       (unsigned long long) voting_tally_total_votes (self, poll),
                       (unsigned long long) voting_tally_total_voters (self, poll));
    }
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}

static int
s_close_by_clock (wsis_service_t *service, void *arg)
{
    return voting_tally_close (service, (voting_poll_t *) arg, "clock", NULL);
}

void
voting_tally_tick (wsis_service_t *service)
{
    voting_t *self = (voting_t *) wsis_service_state (service);
    if (!self->ready && voting_state_load (self, service))
        return;
    int64_t now = wsis_service_now (service);
    //  By index: a failed close reloads the state, and the polls with it.
    for (size_t i = 0; i < self->poll_count; i++) {
        voting_poll_t *poll = &self->polls [i];
        //  Only a poll with a ballot: a call whose nominations were never
        //  published has nothing to close (and nobody could vote in it).
        if (!poll->published || poll->closed || poll->phase->end == WSIS_PHASE_NO_END
        ||  now < poll->phase->end)
            continue;
        if (wsis_service_transact (service, s_close_by_clock, poll)) {
            wsis_log_error ("voting: could not close %s; will try again", self->polls [i].call->id);
            break;
        }
    }
}
