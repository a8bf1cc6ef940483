/*  nominations_events: what wsis-nominations learns from other services.

    From wsis-submissions: the prize projects it reviews and the photo
    entries it picks winners among (submission.received, .updated,
    .withdrawn). From wsis-voting: the champions the experts score
    (voting.closed). The runtime applies each event exactly once, inside a
    transaction, in seq order; an event this service cannot use is logged
    and skipped, never retried (it would block every event after it).
*/
#include "nominations.h"
#include "wsis_log.h"

#include <stdlib.h>
#include <string.h>

//  A str of 1..max bytes under key, or false.
static bool
s_str (const msgpack_object *map, const char *key, size_t max, const char **text, size_t *len)
{
    const msgpack_object *value = wsis_msg_get (map, key);
    if (!value || value->type != MSGPACK_OBJECT_STR
    ||  value->via.str.size == 0 || value->via.str.size > max)
        return false;
    *text = value->via.str.ptr;
    *len = value->via.str.size;
    return true;
}

static bool
s_is (const char *text, size_t len, const char *word)
{
    return wsis_msg_bytes_equal (text, len, word, strlen (word));
}

//  submission.received / submission.updated carry the whole public record;
//  submission.withdrawn only {submission_id, call, kind, stakeholder_id, category?}.
static int
s_apply_submission (wsis_service_t *service, const wsis_event_t *event, bool withdrawn)
{
    const msgpack_object *body = event->body;
    nominations_project_event_t project = { NULL };
    if (!s_str (body, "submission_id", NOMINATIONS_ID_MAX, &project.submission_id,
                &project.submission_id_len)
    ||  !s_str (body, "call", NOMINATIONS_CALL_MAX, &project.call, &project.call_len)
    ||  !s_str (body, "kind", 16, &project.kind, &project.kind_len)) {
        wsis_log_warning ("%s %s:%llu lacks submission_id, call or kind; skipped",
                          event->type, event->source, (unsigned long long) event->seq);
        return 0;
    }
    //  Stocktaking entries and OCP inputs are nobody's business here.
    bool prize = s_is (project.kind, project.kind_len, "prize");
    if (!prize && !s_is (project.kind, project.kind_len, "photo"))
        return 0;
    if (prize) {
        bool has = s_str (body, "category", 15, &project.category, &project.category_len);
        if (has && wsis_valid_category (project.category, project.category_len) < 0)
            has = false;
        if (!has && !withdrawn) {
            wsis_log_warning ("%s %s:%llu: prize project without a valid category; skipped",
                              event->type, event->source, (unsigned long long) event->seq);
            return 0;
        }
        if (!has)
            project.category = NULL;
    }
    if (withdrawn)
        return nominations_store_project_withdraw (wsis_service_store (service), &project);

    if (!s_str (body, "status", 15, &project.status, &project.status_len)) {
        project.status = "received";
        project.status_len = strlen (project.status);
    }
    if (!s_str (body, "title", 4096, &project.title, &project.title_len))
        project.title = NULL;
    if (!s_str (body, "entity", 4096, &project.entity, &project.entity_len))
        project.entity = NULL;
    if (!s_str (body, "country", 7, &project.country, &project.country_len))
        project.country = NULL;
    //  Conflicts of interest compare entities as people mean them: case,
    //  accents and punctuation aside.
    char *entity_norm = project.entity? wsis_valid_normalize (project.entity, project.entity_len): NULL;
    if (project.entity && !entity_norm)
        return -1;
    project.entity_norm = entity_norm;
    int rc = nominations_store_project_upsert (wsis_service_store (service), &project);
    free (entity_norm);
    return rc;
}

//  The votes of a champion from results {cat: [{submission_id, votes, rank}]}.
static int64_t
s_votes (const msgpack_object *results, const msgpack_object *category, const msgpack_object *id)
{
    if (!results || results->type != MSGPACK_OBJECT_MAP)
        return 0;
    for (uint32_t i = 0; i < results->via.map.size; i++) {
        const msgpack_object *key = &results->via.map.ptr [i].key;
        const msgpack_object *rows = &results->via.map.ptr [i].val;
        if (key->type != MSGPACK_OBJECT_STR
        ||  !wsis_msg_bytes_equal (key->via.str.ptr, key->via.str.size,
                                   category->via.str.ptr, category->via.str.size)
        ||  rows->type != MSGPACK_OBJECT_ARRAY)
            continue;
        for (uint32_t j = 0; j < rows->via.array.size; j++) {
            const msgpack_object *row = &rows->via.array.ptr [j];
            const msgpack_object *row_id = wsis_msg_get (row, "submission_id");
            const msgpack_object *votes = wsis_msg_get (row, "votes");
            if (row_id && row_id->type == MSGPACK_OBJECT_STR
            &&  wsis_msg_bytes_equal (row_id->via.str.ptr, row_id->via.str.size,
                                      id->via.str.ptr, id->via.str.size)
            &&  votes && votes->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                return (int64_t) votes->via.u64;
        }
    }
    return 0;
}

//  voting.closed {call, results, champions: {cat: [ids]}, ...}: the
//  champions of each category in rank order.
static int
s_apply_voting_closed (wsis_service_t *service, const wsis_event_t *event)
{
    wsis_store_t *store = wsis_service_store (service);
    const char *call_text;
    size_t call_len;
    const msgpack_object *champions = wsis_msg_get (event->body, "champions");
    if (!s_str (event->body, "call", NOMINATIONS_CALL_MAX, &call_text, &call_len)
    ||  !champions || champions->type != MSGPACK_OBJECT_MAP) {
        wsis_log_warning ("voting.closed %s:%llu lacks call or champions; skipped",
                          event->source, (unsigned long long) event->seq);
        return 0;
    }
    char call [NOMINATIONS_CALL_MAX + 1];
    memcpy (call, call_text, call_len);
    call [call_len] = 0;
    int rc = nominations_store_champions_known (store, call);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        //  Voting closes once; a second close would change what experts
        //  may already have scored.
        wsis_log_warning ("voting.closed for %s again (seq %llu); keeping the first champions",
                          call, (unsigned long long) event->seq);
        return 0;
    }
    const msgpack_object *results = wsis_msg_get (event->body, "results");
    for (uint32_t i = 0; i < champions->via.map.size; i++) {
        const msgpack_object *key = &champions->via.map.ptr [i].key;
        const msgpack_object *ids = &champions->via.map.ptr [i].val;
        if (key->type != MSGPACK_OBJECT_STR
        ||  wsis_valid_category (key->via.str.ptr, key->via.str.size) < 0
        ||  ids->type != MSGPACK_OBJECT_ARRAY) {
            wsis_log_warning ("voting.closed for %s: a malformed category entry; skipped", call);
            continue;
        }
        char category [16];
        snprintf (category, sizeof category, "%.*s", (int) key->via.str.size, key->via.str.ptr);
        for (uint32_t j = 0; j < ids->via.array.size; j++) {
            const msgpack_object *id = &ids->via.array.ptr [j];
            if (id->type != MSGPACK_OBJECT_STR || id->via.str.size == 0
            ||  id->via.str.size > NOMINATIONS_ID_MAX)
                continue;
            char submission_id [NOMINATIONS_ID_MAX + 1];
            memcpy (submission_id, id->via.str.ptr, id->via.str.size);
            submission_id [id->via.str.size] = 0;
            if (nominations_store_champion_add (store, call, category, submission_id, (int) j + 1,
                                                s_votes (results, key, id)))
                return -1;
        }
    }
    return 0;
}

int
nominations_events_apply (wsis_service_t *service, const wsis_event_t *event)
{
    if (streq (event->source, "submissions")) {
        if (streq (event->type, "submission.received") || streq (event->type, "submission.updated"))
            return s_apply_submission (service, event, false);
        if (streq (event->type, "submission.withdrawn"))
            return s_apply_submission (service, event, true);
    }
    else
    if (streq (event->source, "voting") && streq (event->type, "voting.closed"))
        return s_apply_voting_closed (service, event);
    //  Everything else (stakeholder.registered, vote.cast, ...) is not ours.
    return 0;
}
