/*  nominations_selection_ops: phase 4 of the WSIS Prizes and the Photo
    Contest winners.

    The public vote leaves five champions per Action Line category
    (voting.closed); the ITU Expert Group scores each champion on seven
    criteria, and the highest mean total wins the category: 18 winners and
    72 further champions, published in "WSIS Stocktaking: Success Stories".
    The Photo Contest has three winning entries, chosen by staff after its
    submission phase.
*/
#include "nominations.h"

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 200
#define TEXT_BYTES (NAME_MAX_CHARS * 4 + 1)
#define CHAMPIONS_MAX 64                //  voting.closed names five; room to spare
#define PHOTO_WINNERS_DEFAULT 3         //  "the three winning entries"

//  The category field: one of the 18 codes.
static int
s_category (wsis_fields_t *body, char *category, size_t size)
{
    return wsis_fields_choice_text (body, "category", WSIS_REQUIRED, wsis_categories,
                                    WSIS_CATEGORY_COUNT, category, size);
}

//  -------------------------------------------------------------------------
//  expert.register {call, expert_id, name, country, entity}

int
nominations_expert_op_register (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "prize");
    if (!call)
        return -1;
    char expert_id [NOMINATIONS_ID_MAX + 1], name [TEXT_BYTES], country [4], entity [TEXT_BYTES];
    if (wsis_fields_text (&body, "expert_id", WSIS_REQUIRED, 1, NOMINATIONS_ID_MAX,
                          expert_id, sizeof expert_id)
    ||  wsis_fields_text (&body, "name", WSIS_REQUIRED, 1, NAME_MAX_CHARS, name, sizeof name)
    ||  wsis_fields_text (&body, "country", WSIS_REQUIRED, 2, 2, country, sizeof country))
        return -1;
    if (!wsis_valid_country (country, strlen (country)))
        return wsis_fields_fail (&body, "country", "is not an ISO 3166-1 alpha-2 country code");
    if (wsis_fields_text (&body, "entity", WSIS_REQUIRED, 1, NAME_MAX_CHARS, entity, sizeof entity))
        return -1;
    //  The group may be formed any time until scoring is over.
    if (nominations_require_not_passed (service, reply, call, "selection"))
        return -1;

    nominations_expert_t expert;
    int rc = nominations_store_expert (store, call->id, expert_id, &expert);
    nominations_expert_release (&expert);
    if (rc < 0)
        return nominations_fail_internal (reply);
    //  Country and entity decide conflicts of interest: they are not
    //  changed under scores already given.
    if (rc == 0)
        return wsis_reply_fail (reply, "duplicate", "expert_id",
                                "%s is already in the expert group of %s", expert_id, call->id);
    char *entity_norm = wsis_valid_normalize (entity, strlen (entity));
    if (!entity_norm)
        return nominations_fail_internal (reply);
    rc = nominations_store_expert_add (store, call->id, expert_id, name, country, entity,
                                       entity_norm, nominations_actor (request),
                                       wsis_service_now (service));
    free (entity_norm);
    if (rc == 0) {
        msgpack_packer *pk = wsis_service_event (service);
        msgpack_pack_map (pk, 5);
        wsis_pack_kv_str (pk, "call", call->id);
        wsis_pack_kv_str (pk, "expert_id", expert_id);
        wsis_pack_kv_str (pk, "name", name);
        wsis_pack_kv_str (pk, "country", country);
        wsis_pack_kv_str (pk, "entity", entity);
        rc = wsis_service_event_emit (service, "expert.registered");
    }
    if (rc)
        return nominations_fail_internal (reply);
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_str (&reply->pk, "call", call->id);
    wsis_pack_kv_str (&reply->pk, "expert_id", expert_id);
    return 0;
}

//  -------------------------------------------------------------------------
//  selection.score {call, submission_id, expert_id, scores {seven criteria: 0-10}}

static int
s_scores (wsis_fields_t *body, int64_t scores [NOMINATIONS_CRITERIA], int64_t *total)
{
    wsis_fields_t criteria;
    if (wsis_fields_map (body, "scores", WSIS_REQUIRED, &criteria))
        return -1;
    *total = 0;
    for (int i = 0; i < NOMINATIONS_CRITERIA; i++) {
        if (wsis_fields_int (&criteria, nominations_criteria [i], WSIS_REQUIRED, 0, 10, &scores [i]))
            return -1;
        *total += scores [i];
    }
    //  A criterion we do not know, a typo that would silently score
    //  nothing, never gets here: the operation declares the seven
    //  (nominations_ops.c), and the server refuses any other.
    return 0;
}

int
nominations_selection_op_score (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "prize");
    if (!call)
        return -1;
    char submission_id [NOMINATIONS_ID_MAX + 1], expert_id [NOMINATIONS_ID_MAX + 1];
    int64_t scores [NOMINATIONS_CRITERIA], total;
    if (wsis_fields_text (&body, "submission_id", WSIS_REQUIRED, 1, NOMINATIONS_ID_MAX,
                          submission_id, sizeof submission_id)
    ||  wsis_fields_text (&body, "expert_id", WSIS_REQUIRED, 1, NOMINATIONS_ID_MAX,
                          expert_id, sizeof expert_id)
    ||  s_scores (&body, scores, &total))
        return -1;
    //  docs/protocol.md section 6: an expert scores only as itself.
    if (!wsis_request_may_act_for (request, expert_id, strlen (expert_id)))
        return wsis_reply_fail (reply, "forbidden", "expert_id",
                                "an expert may only score as itself");
    if (nominations_require_open (service, reply, call, "selection"))
        return -1;

    nominations_expert_t expert;
    nominations_project_t project = { .title = NULL };
    int rc = nominations_store_expert (store, call->id, expert_id, &expert);
    if (rc < 0) {
        rc = nominations_fail_internal (reply);
        goto cleanup;
    }
    if (rc == 1) {
        rc = wsis_reply_fail (reply, "forbidden", "expert_id",
                              "%s is not in the expert group of %s", expert_id, call->id);
        goto cleanup;
    }
    //  Only the five champions of each category reach phase 4.
    char category [16];
    rc = nominations_store_champion (store, call->id, submission_id, category, sizeof category);
    if (rc < 0) {
        rc = nominations_fail_internal (reply);
        goto cleanup;
    }
    if (rc == 1) {
        rc = wsis_fields_fail (&body, "submission_id", "is not a champion of %s", call->id);
        goto cleanup;
    }
    rc = nominations_store_winner (store, call->id, category, NULL, 0);
    if (rc < 0) {
        rc = nominations_fail_internal (reply);
        goto cleanup;
    }
    if (rc == 0) {
        rc = wsis_reply_fail (reply, "conflict", "submission_id",
                              "the winner of %s in %s is already selected", category, call->id);
        goto cleanup;
    }
    rc = nominations_store_project (store, submission_id, &project);
    if (rc < 0) {
        rc = nominations_fail_internal (reply);
        goto cleanup;
    }
    if (rc == 1) {
        //  Its country and entity come from wsis-submissions; without them
        //  no conflict of interest can be ruled out. Catch-up brings them.
        rc = wsis_reply_fail (reply, "unavailable", "submission_id",
                              "the details of %s have not arrived yet; try again shortly",
                              submission_id);
        goto cleanup;
    }
    if (streq (project.status, "withdrawn")) {
        rc = wsis_reply_fail (reply, "conflict", "submission_id",
                              "%s was withdrawn by its submitter", submission_id);
        goto cleanup;
    }
    //  Conflict of interest: no expert judges a project from their own
    //  country or their own entity.
    if (*project.country && streq (project.country, expert.country)) {
        rc = wsis_reply_fail (reply, "conflict", "submission_id",
                              "%s is from %s, the country of expert %s",
                              submission_id, project.country, expert_id);
        goto cleanup;
    }
    if (*project.entity_norm && streq (project.entity_norm, expert.entity_norm)) {
        rc = wsis_reply_fail (reply, "conflict", "submission_id",
                              "%s is a project of the entity of expert %s", submission_id, expert_id);
        goto cleanup;
    }
    int replaced = nominations_store_score_exists (store, call->id, submission_id, expert_id);
    if (replaced < 0
    ||  nominations_store_score_set (store, call->id, submission_id, expert_id, scores,
                                     wsis_service_now (service))) {
        rc = nominations_fail_internal (reply);
        goto cleanup;
    }
    msgpack_packer *pk = &reply->pk;
    msgpack_pack_map (pk, 6);
    wsis_pack_kv_str (pk, "call", call->id);
    wsis_pack_kv_str (pk, "submission_id", submission_id);
    wsis_pack_kv_str (pk, "category", category);
    wsis_pack_kv_str (pk, "expert_id", expert_id);
    wsis_pack_kv_int (pk, "total", total);
    wsis_pack_kv_bool (pk, "replaced", replaced == 1);
    rc = 0;

cleanup:
    nominations_expert_release (&expert);
    nominations_project_release (&project);
    return rc;
}

//  -------------------------------------------------------------------------
//  Standings of a category: the champions and their mean totals

typedef struct {
    char submission_id [NOMINATIONS_ID_MAX + 1];
    int rank;
    int64_t votes;
    int64_t experts;
    int64_t total;
    bool withdrawn;
} standing_t;

typedef struct {
    standing_t items [CHAMPIONS_MAX];
    size_t count;
} standings_t;

static void
s_collect_standing (const nominations_standing_t *row, void *arg)
{
    standings_t *standings = (standings_t *) arg;
    if (standings->count == CHAMPIONS_MAX)
        return;
    standing_t *item = &standings->items [standings->count++];
    snprintf (item->submission_id, sizeof item->submission_id, "%s", row->submission_id);
    item->rank = row->rank;
    item->votes = row->votes;
    item->experts = row->experts;
    item->total = row->total;
    item->withdrawn = row->withdrawn;
}

//  Only a champion some expert scored, still in the contest, can win.
static bool
s_eligible (const standing_t *item)
{
    return item->experts > 0 && !item->withdrawn;
}

//  Compares mean totals exactly (a.total / a.experts against b's) in
//  integers, so a tie is a tie and not a rounding accident. Totals are at
//  most 70 per expert: the products stay far inside int64.
static int
s_compare (const standing_t *a, const standing_t *b)
{
    int64_t left = a->total * b->experts;
    int64_t right = b->total * a->experts;
    return left < right? -1: left > right? 1: 0;
}

static double
s_mean (const standing_t *item)
{
    return item->experts? (double) item->total / (double) item->experts: 0.0;
}

static int
s_standings (wsis_service_t *service, wsis_reply_t *reply, const char *call,
             const char *category, standings_t *standings)
{
    standings->count = 0;
    if (nominations_store_standings_each (wsis_service_store (service), call, category,
                                          s_collect_standing, standings) < 0)
        return nominations_fail_internal (reply);
    return 0;
}

//  selection.standings {call, category} -> {call, category, champions:
//  [{submission_id, rank, votes, experts, mean?}], winner?}
int
nominations_selection_op_standings (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "prize");
    char category [16];
    if (!call || s_category (&body, category, sizeof category))
        return -1;
    standings_t *standings = (standings_t *) zmalloc (sizeof (standings_t));
    char winner [NOMINATIONS_ID_MAX + 1] = "";
    int rc = s_standings (service, reply, call->id, category, standings);
    if (rc == 0) {
        rc = nominations_store_winner (wsis_service_store (service), call->id, category,
                                       winner, sizeof winner);
        rc = rc < 0? nominations_fail_internal (reply): 0;
    }
    if (rc == 0) {
        msgpack_packer *pk = &reply->pk;
        msgpack_pack_map (pk, *winner? 4: 3);
        wsis_pack_kv_str (pk, "call", call->id);
        wsis_pack_kv_str (pk, "category", category);
        wsis_pack_str (pk, "champions");
        msgpack_pack_array (pk, standings->count);
        for (size_t i = 0; i < standings->count; i++) {
            const standing_t *item = &standings->items [i];
            msgpack_pack_map (pk, 6);
            wsis_pack_kv_str (pk, "submission_id", item->submission_id);
            wsis_pack_kv_int (pk, "rank", item->rank);
            wsis_pack_kv_int (pk, "votes", item->votes);
            wsis_pack_kv_int (pk, "experts", item->experts);
            wsis_pack_kv_bool (pk, "withdrawn", item->withdrawn);
            wsis_pack_str (pk, "mean");
            if (item->experts)
                msgpack_pack_double (pk, s_mean (item));
            else
                msgpack_pack_nil (pk);
        }
        if (*winner)
            wsis_pack_kv_str (pk, "winner", winner);
    }
    free (standings);
    return rc;
}

//  -------------------------------------------------------------------------
//  selection.finalize {call, category, winner?}

//  {call, category, winner, champions, scores {id: mean}, tie}: the body
//  of winners.selected and of the reply.
static void
s_pack_winner (msgpack_packer *pk, const char *call, const char *category, const char *winner,
               const standings_t *standings, bool tie)
{
    msgpack_pack_map (pk, 6);
    wsis_pack_kv_str (pk, "call", call);
    wsis_pack_kv_str (pk, "category", category);
    wsis_pack_kv_str (pk, "winner", winner);
    wsis_pack_str (pk, "champions");
    msgpack_pack_array (pk, standings->count);
    for (size_t i = 0; i < standings->count; i++)
        wsis_pack_str (pk, standings->items [i].submission_id);
    size_t scored = 0;
    for (size_t i = 0; i < standings->count; i++)
        scored += standings->items [i].experts > 0;
    wsis_pack_str (pk, "scores");
    msgpack_pack_map (pk, scored);
    for (size_t i = 0; i < standings->count; i++)
        if (standings->items [i].experts > 0) {
            wsis_pack_str (pk, standings->items [i].submission_id);
            msgpack_pack_double (pk, s_mean (&standings->items [i]));
        }
    wsis_pack_kv_bool (pk, "tie", tie);
}

static void
s_count_nominee (const char *submission_id, const char *title, void *arg)
{
    (*(int *) arg)++;
}

//  Why a category has no champion to select from, so staff know whether
//  to wait (voting still open) or to move on (nobody was nominated there).
static int
s_no_champions (wsis_store_t *store, wsis_reply_t *reply, const char *call, const char *category)
{
    int nominees = 0;
    int published = nominations_store_published (store, call, NULL);
    int listed = published == 0?
        nominations_store_nominated_each (store, call, category, s_count_nominee, &nominees): 0;
    int closed = nominations_store_champions_known (store, call);
    if (published < 0 || listed < 0 || closed < 0)
        return nominations_fail_internal (reply);
    const char *why = published == 1? "its nominations were never published, so it has no nominees":
                      nominees == 0? "it had no nominees, so there is no winner to select":
                      closed == 0? "voting closed without one": "voting has not closed";
    return wsis_reply_fail (reply, "conflict", "category", "%s has no champions in %s: %s",
                            category, call, why);
}

int
nominations_selection_op_finalize (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "prize");
    char category [16], named [NOMINATIONS_ID_MAX + 1] = "";
    if (!call || s_category (&body, category, sizeof category)
    ||  wsis_fields_text (&body, "winner", WSIS_OPTIONAL, 1, NOMINATIONS_ID_MAX,
                          named, sizeof named) < 0)
        return -1;
    //  During the selection phase and after it (a late decision is still
    //  a decision), never before the experts could score.
    if (nominations_require_started (service, reply, call, "selection"))
        return -1;
    int rc = nominations_store_winner (store, call->id, category, NULL, 0);
    if (rc < 0)
        return nominations_fail_internal (reply);
    if (rc == 0)
        return wsis_reply_fail (reply, "conflict", "category",
                                "the winner of %s in %s is already selected", category, call->id);

    standings_t *standings = (standings_t *) zmalloc (sizeof (standings_t));
    if (s_standings (service, reply, call->id, category, standings)) {
        free (standings);
        return -1;
    }
    const standing_t *best = NULL;
    for (size_t i = 0; i < standings->count; i++) {
        const standing_t *item = &standings->items [i];
        if (s_eligible (item) && (!best || s_compare (item, best) > 0))
            best = item;
    }
    //  Everyone sharing the highest mean total; ids in rank order.
    char tied [256] = "";
    size_t tied_count = 0;
    const standing_t *chosen = best;
    bool named_is_champion = false, named_is_tied = false;
    for (size_t i = 0; i < standings->count; i++) {
        const standing_t *item = &standings->items [i];
        bool is_named = *named && streq (item->submission_id, named);
        named_is_champion |= is_named;
        if (best && s_eligible (item) && s_compare (item, best) == 0) {
            size_t used = strlen (tied);
            snprintf (tied + used, sizeof tied - used, "%s%s", used? ",": "", item->submission_id);
            tied_count++;
            if (is_named) {
                named_is_tied = true;
                chosen = item;
            }
        }
    }
    if (standings->count == 0)
        rc = s_no_champions (store, reply, call->id, category);
    else
    if (!best)
        rc = wsis_reply_fail (reply, "conflict", "category",
                              "no champion of %s in %s has been scored", category, call->id);
    else
    if (*named && !named_is_champion)
        rc = wsis_fields_fail (&body, "winner", "is not a champion of %s", category);
    else
    if (*named && !named_is_tied)
        rc = wsis_fields_fail (&body, "winner", "is not among the highest scored: %s", tied);
    else
    if (tied_count > 1 && !*named)
        //  Error replies carry no body, so the tied ids lead the message
        //  ("tied: <id>,<id>; ..."), for people and for programs.
        rc = wsis_reply_fail (reply, "conflict", "winner",
                              "tied: %s; the highest mean total (%.2f of 70) is shared, "
                              "name one of them as winner", tied, s_mean (best));
    else {
        bool tie = tied_count > 1;
        rc = nominations_store_winner_set (store, call->id, category, chosen->submission_id, tie,
                                           nominations_actor (request), wsis_service_now (service));
        if (rc == 0) {
            msgpack_packer *pk = wsis_service_event (service);
            s_pack_winner (pk, call->id, category, chosen->submission_id, standings, tie);
            rc = wsis_service_event_emit (service, "winners.selected");
        }
        if (rc == 0)
            s_pack_winner (&reply->pk, call->id, category, chosen->submission_id, standings, tie);
        else
            rc = nominations_fail_internal (reply);
    }
    free (standings);
    return rc;
}

//  -------------------------------------------------------------------------
//  photo.winners.select {call, winners: [ids]}

int
nominations_photo_op_winners_select (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "photo");
    if (!call)
        return -1;
    size_t wanted = call->winners > 0? (size_t) call->winners: PHOTO_WINNERS_DEFAULT;
    const msgpack_object_array *list;
    if (wsis_fields_array (&body, "winners", WSIS_REQUIRED, wanted, wanted, &list))
        return -1;
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *item = &list->ptr [i];
        if (item->type != MSGPACK_OBJECT_STR || item->via.str.size == 0
        ||  item->via.str.size > NOMINATIONS_ID_MAX)
            return wsis_fields_fail (&body, "winners", "must hold submission ids");
        for (uint32_t j = 0; j < i; j++)
            if (wsis_msg_bytes_equal (list->ptr [j].via.str.ptr, list->ptr [j].via.str.size,
                                      item->via.str.ptr, item->via.str.size))
                return wsis_fields_fail (&body, "winners", "names %.*s twice",
                                         (int) item->via.str.size, item->via.str.ptr);
    }
    //  Entries are judged once all are in.
    if (nominations_require_passed (service, reply, call, "submission"))
        return -1;
    int rc = nominations_store_photo_selected (store, call->id);
    if (rc < 0)
        return nominations_fail_internal (reply);
    if (rc == 0)
        return wsis_reply_fail (reply, "conflict", "call",
                                "the winners of %s are already selected", call->id);

    const char *actor = nominations_actor (request);
    int64_t now = wsis_service_now (service);
    char ids [PHOTO_WINNERS_DEFAULT * 8][NOMINATIONS_ID_MAX + 1];
    if (wanted > sizeof ids / sizeof ids [0])
        return wsis_fields_fail (&body, "winners", "names more winners than can be recorded");
    for (uint32_t i = 0; i < list->size; i++) {
        snprintf (ids [i], sizeof ids [i], "%.*s",
                  (int) list->ptr [i].via.str.size, list->ptr [i].via.str.ptr);
        nominations_project_t entry;
        rc = nominations_store_project (store, ids [i], &entry);
        bool ours = rc == 0 && streq (entry.kind, "photo") && streq (entry.call, call->id);
        bool withdrawn = ours && streq (entry.status, "withdrawn");
        nominations_project_release (&entry);
        if (rc < 0)
            return nominations_fail_internal (reply);
        if (!ours)
            return wsis_reply_fail (reply, "not_found", "winners",
                                    "%s is not an entry of %s", ids [i], call->id);
        if (withdrawn)
            return wsis_reply_fail (reply, "conflict", "winners",
                                    "%s was withdrawn by its photographer", ids [i]);
        if (nominations_store_photo_winner_add (store, call->id, (int) i + 1, ids [i], actor, now))
            return nominations_fail_internal (reply);
    }

    msgpack_packer *pk = wsis_service_event (service);
    for (int round = 0; round < 2; round++) {
        //  The same body for the event and the reply.
        msgpack_packer *out = round == 0? pk: &reply->pk;
        msgpack_pack_map (out, 2);
        wsis_pack_kv_str (out, "call", call->id);
        wsis_pack_str (out, "winners");
        msgpack_pack_array (out, list->size);
        for (uint32_t i = 0; i < list->size; i++)
            wsis_pack_str (out, ids [i]);
    }
    rc = wsis_service_event_emit (service, "photo.winners.selected");
    return rc? nominations_fail_internal (reply): 0;
}
