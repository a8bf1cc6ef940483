/*  voting_events: what wsis-voting learns from the other services.

    Eligible voters are the stakeholders of stakeholder.registered
    (submissions); the candidates of a call are the lists of
    nominations.published (nominations). Applied exactly once by the
    runtime, inside its transaction. An event that cannot be used is logged
    and skipped; -1 only when the store (or memory) failed, so the batch is
    rolled back and the event comes again.
*/
#include "voting.h"
#include "wsis_log.h"

#include <string.h>

#define ID_MAX 256

//  A usable id: a non-empty str without NUL, of at most ID_MAX bytes.
static bool
s_id (const msgpack_object *value)
{
    return value && value->type == MSGPACK_OBJECT_STR && value->via.str.size > 0
        && value->via.str.size <= ID_MAX && !memchr (value->via.str.ptr, 0, value->via.str.size);
}

static int
s_registered (wsis_service_t *service, voting_t *self, const wsis_event_t *event)
{
    const msgpack_object *id = wsis_msg_get (event->body, "stakeholder_id");
    if (!s_id (id)) {
        wsis_log_warning ("voting: %s:%llu has no usable stakeholder_id; skipped",
                          event->source, (unsigned long long) event->seq);
        return 0;
    }
    const char *text = id->via.str.ptr;
    size_t len = id->via.str.size;
    if (voting_voters_find (&self->voters, text, len)) {
        wsis_log_warning ("voting: stakeholder %.*s registered twice; skipped", (int) len, text);
        return 0;
    }
    uint32_t voter_no = (uint32_t) self->voters.count + 1;
    //  Memory first reserved, then the row, then the registry: nothing in
    //  memory changes unless the row was written.
    if (voting_voters_reserve (&self->voters, len)
    ||  voting_store_voter_add (wsis_service_store (service), voter_no, text, len))
        return -1;
    voting_voters_add (&self->voters, text, len);
    return 0;
}

static int
s_published (wsis_service_t *service, voting_t *self, const wsis_event_t *event)
{
    const msgpack_object *call = wsis_msg_get (event->body, "call");
    const msgpack_object *categories = wsis_msg_get (event->body, "categories");
    if (!s_id (call) || !categories || categories->type != MSGPACK_OBJECT_MAP) {
        wsis_log_warning ("voting: %s:%llu is not a usable nominations.published; skipped",
                          event->source, (unsigned long long) event->seq);
        return 0;
    }
    char call_id [ID_MAX + 1];
    memcpy (call_id, call->via.str.ptr, call->via.str.size);
    call_id [call->via.str.size] = 0;
    voting_poll_t *poll = voting_state_poll (self, call_id);
    if (!poll) {
        wsis_log_warning ("voting: nominations of %s, which is not a prize call of the calendar; skipped",
                          call_id);
        return 0;
    }
    if (poll->published) {
        //  The nominations service publishes a call once; the list voters
        //  were given stays the ballot.
        wsis_log_warning ("voting: nominations of %s published again; the first list stands", call_id);
        return 0;
    }
    wsis_store_t *store = wsis_service_store (service);
    size_t added = 0;
    for (uint32_t i = 0; i < categories->via.map.size; i++) {
        const msgpack_object *key = &categories->via.map.ptr [i].key;
        const msgpack_object *list = &categories->via.map.ptr [i].val;
        int category = key->type == MSGPACK_OBJECT_STR
                     ? wsis_valid_category (key->via.str.ptr, key->via.str.size): -1;
        if (category < 0 || list->type != MSGPACK_OBJECT_ARRAY) {
            wsis_log_warning ("voting: nominations of %s: an entry that is not a category list; skipped",
                              call_id);
            continue;
        }
        for (uint32_t j = 0; j < list->via.array.size; j++) {
            const msgpack_object *id = &list->via.array.ptr [j];
            if (!s_id (id)) {
                wsis_log_warning ("voting: nominations of %s %s: an entry that is not an id; skipped",
                                  call_id, wsis_categories [category]);
                continue;
            }
            if (voting_state_candidate (poll, category, id->via.str.ptr, id->via.str.size) >= 0)
                continue;       //  listed twice: one candidate
            if (poll->candidate_count >= VOTING_MAX_CANDIDATES) {
                wsis_log_error ("voting: nominations of %s list more than %d projects; the rest skipped",
                                call_id, VOTING_MAX_CANDIDATES);
                break;
            }
            char submission_id [ID_MAX + 1];
            memcpy (submission_id, id->via.str.ptr, id->via.str.size);
            submission_id [id->via.str.size] = 0;
            int64_t candidate_no;
            if (voting_store_candidate_add (store, call_id, wsis_categories [category],
                                            submission_id, j, &candidate_no)
            ||  voting_state_add_candidate (self, poll, candidate_no, category, submission_id, j))
                return -1;
            added++;
        }
    }
    if (voting_store_poll_published (store, call_id, event->ts))
        return -1;
    poll->published = true;
    wsis_log_info ("voting: ballot of %s: %zu nominated projects in %d categories",
                   call_id, added, poll->open_categories);
    return 0;
}

int
voting_events_apply (wsis_service_t *service, const wsis_event_t *event)
{
    voting_t *self = (voting_t *) wsis_service_state (service);
    if (!self->ready)
        return -1;              //  the batch rolls back and comes again
    if (streq (event->type, "stakeholder.registered"))
        return s_registered (service, self, event);
    if (streq (event->type, "nominations.published"))
        return s_published (service, self, event);
    return 0;                   //  other events of the sources: not ours
}
