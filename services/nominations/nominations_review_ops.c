/*  nominations_review_ops: phase 2 of the WSIS Prizes, the nomination phase.

    The secretariat reviews every received project and nominates up to 20
    per Action Line category (the 2022 call: 360 nominated projects, 20 in
    each of the 18), then publishes the lists once; the public online vote
    (wsis-voting) accepts exactly the published projects.
*/
#include "nominations.h"

#include <stdlib.h>
#include <string.h>

#define REASON_MAX_CHARS 1000

//  -------------------------------------------------------------------------
//  review.decide {submission_id, decision: nominate|reject, reason?}

static int
s_emit_decided (wsis_service_t *service, const nominations_project_t *project,
                const char *decision, const char *reason)
{
    msgpack_packer *pk = wsis_service_event (service);
    msgpack_pack_map (pk, *reason? 5: 4);
    wsis_pack_kv_str (pk, "call", project->call);
    wsis_pack_kv_str (pk, "submission_id", project->submission_id);
    wsis_pack_kv_str (pk, "category", project->category);
    wsis_pack_kv_str (pk, "decision", decision);
    if (*reason)
        wsis_pack_kv_str (pk, "reason", reason);
    return wsis_service_event_emit (service, "review.decided");
}

//  What staff decide; review.list also lists the projects not decided yet.
static const char *const s_decisions [] = { "nominate", "reject", "pending" };

int
nominations_review_op_decide (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char submission_id [NOMINATIONS_ID_MAX + 1], decision [16];
    char reason [REASON_MAX_CHARS * 4 + 1] = "";
    if (wsis_fields_text (&body, "submission_id", WSIS_REQUIRED, 1, NOMINATIONS_ID_MAX,
                          submission_id, sizeof submission_id)
    ||  wsis_fields_choice_text (&body, "decision", WSIS_REQUIRED, s_decisions, 2,
                                 decision, sizeof decision))
        return -1;
    if (wsis_fields_text (&body, "reason", WSIS_OPTIONAL, 1, REASON_MAX_CHARS,
                          reason, sizeof reason) < 0)
        return -1;
    //  A rejected submitter is told why (notifications confirm the outcome
    //  to the project's contact), so staff must give the reason.
    if (streq (decision, "reject") && !*reason)
        return wsis_fields_fail (&body, "reason", "is required to reject a project");

    nominations_project_t project;
    int rc = nominations_store_project (store, submission_id, &project);
    if (rc < 0)
        return nominations_fail_internal (reply);
    const wsis_call_t *call = NULL;
    char *previous_reason = NULL;
    if (rc == 0)
        call = wsis_calendar_call (wsis_service_calendar (service), project.call);
    //  Only prize projects are reviewed (photo entries are judged whole
    //  by photo.winners.select).
    if (rc == 1 || !streq (project.kind, "prize") || !call || !streq (call->kind, "prize")) {
        rc = wsis_reply_fail (reply, "not_found", "submission_id",
                              "no prize project %s is known", submission_id);
        goto cleanup;
    }
    //  From the submission close to the nomination close (docs/protocol.md section 9):
    //  no project is judged while others may still be submitted.
    if (nominations_require_passed (service, reply, call, "submission")
    ||  nominations_require_not_passed (service, reply, call, "nomination")) {
        rc = -1;
        goto cleanup;
    }
    rc = nominations_store_published (store, project.call, NULL);
    if (rc < 0) {
        rc = nominations_fail_internal (reply);
        goto cleanup;
    }
    if (rc == 0) {
        rc = wsis_reply_fail (reply, "conflict", "submission_id",
                              "the nominated projects of %s are published; decisions are final",
                              project.call);
        goto cleanup;
    }
    if (streq (project.status, "withdrawn")) {
        rc = wsis_reply_fail (reply, "conflict", "submission_id",
                              "%s was withdrawn by its submitter", submission_id);
        goto cleanup;
    }

    char previous [16] = "";
    rc = nominations_store_review (store, submission_id, previous, sizeof previous, &previous_reason);
    if (rc < 0) {
        rc = nominations_fail_internal (reply);
        goto cleanup;
    }
    //  The same decision again changes nothing and tells nobody again.
    bool changed = rc == 1 || !streq (previous, decision) || !streq (previous_reason, reason);
    if (changed
    && (nominations_store_review_set (store, submission_id, decision, reason,
                                      nominations_actor (request), wsis_service_now (service))
    ||  s_emit_decided (service, &project, decision, reason))) {
        rc = nominations_fail_internal (reply);
        goto cleanup;
    }
    int64_t nominated = nominations_store_draft_count (store, project.call, project.category);
    if (nominated < 0) {
        rc = nominations_fail_internal (reply);
        goto cleanup;
    }
    msgpack_packer *pk = &reply->pk;
    msgpack_pack_map (pk, *reason? 8: 7);
    wsis_pack_kv_str (pk, "submission_id", submission_id);
    wsis_pack_kv_str (pk, "call", project.call);
    wsis_pack_kv_str (pk, "category", project.category);
    wsis_pack_kv_str (pk, "decision", decision);
    if (*reason)
        wsis_pack_kv_str (pk, "reason", reason);
    wsis_pack_kv_bool (pk, "changed", changed);
    //  How full the category is now, so staff see the limit coming.
    wsis_pack_kv_int (pk, "nominated", nominated);
    wsis_pack_kv_int (pk, "max_nominated",
                      ((nominations_t *) wsis_service_state (service))->max_nominated);
    rc = 0;

cleanup:
    free (previous_reason);
    nominations_project_release (&project);
    return rc;
}

//  -------------------------------------------------------------------------
//  review.list {call, category?, decision?: nominate|reject|pending, after?, limit?}

typedef struct {
    nominations_array_t items;
    int64_t last;               //  position of the last row: the next page's `after`
} review_page_t;

static void
s_pack_review (const nominations_review_row_t *row, void *arg)
{
    review_page_t *page = (review_page_t *) arg;
    msgpack_packer *pk = &page->items.pk;
    msgpack_pack_map (pk, 4 + (row->decision? 1: 0) + (row->reason? 1: 0));
    wsis_pack_kv_str (pk, "submission_id", row->submission_id);
    wsis_pack_kv_str (pk, "category", row->category);
    wsis_pack_kv_str (pk, "title", row->title);
    wsis_pack_kv_str (pk, "status", row->status);
    if (row->decision)
        wsis_pack_kv_str (pk, "decision", row->decision);
    if (row->reason)
        wsis_pack_kv_str (pk, "reason", row->reason);
    page->items.count++;
    page->last = row->position;
}

//  Every prize project of a call with its decision: what staff work
//  through in phase 2 ("pending" ones have none yet).
int
nominations_review_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "prize");
    if (!call)
        return -1;
    char category [16] = "", decision [16] = "";
    uint64_t after = 0, limit = 500;
    if (wsis_fields_choice_text (&body, "category", WSIS_OPTIONAL, wsis_categories,
                                 WSIS_CATEGORY_COUNT, category, sizeof category) < 0
    ||  wsis_fields_choice_text (&body, "decision", WSIS_OPTIONAL, s_decisions, 3,
                                 decision, sizeof decision) < 0
    ||  wsis_fields_uint (&body, "after", WSIS_OPTIONAL, 0, INT64_MAX, &after) < 0
    ||  wsis_fields_uint (&body, "limit", WSIS_OPTIONAL, 1, 1000, &limit) < 0)
        return -1;

    review_page_t page = { .last = 0 };
    nominations_array_init (&page.items);
    int count = nominations_store_review_each (wsis_service_store (service), call->id,
                                               *category? category: NULL,
                                               *decision? decision: NULL,
                                               (int64_t) after, (int64_t) limit,
                                               s_pack_review, &page);
    if (count < 0) {
        nominations_array_release (&page.items);
        return nominations_fail_internal (reply);
    }
    msgpack_packer *pk = &reply->pk;
    msgpack_pack_map (pk, 3);
    wsis_pack_kv_str (pk, "call", call->id);
    wsis_pack_str (pk, "items");
    nominations_array_pack (&page.items, pk);
    //  A full page may have more after it: `next` is the `after` to ask
    //  with (an opaque position), nil at the end.
    wsis_pack_str (pk, "next");
    if ((uint64_t) count == limit)
        msgpack_pack_int64 (pk, page.last);
    else
        msgpack_pack_nil (pk);
    return 0;
}

//  -------------------------------------------------------------------------
//  nominations.publish {call}

//  Ids of one category's list, collected before they are written.
static void
s_collect (const char *submission_id, const char *title, void *arg)
{
    zlist_append ((zlist_t *) arg, (void *) submission_id);
}

static void
s_pack_ids (msgpack_packer *pk, zlist_t *ids)
{
    msgpack_pack_array (pk, zlist_size (ids));
    for (const char *id = (const char *) zlist_first (ids); id; id = (const char *) zlist_next (ids))
        wsis_pack_str (pk, id);
}

//  {call, categories: {each of the 18: [ids]}}: the body of the event and
//  of the reply.
static void
s_pack_published (msgpack_packer *pk, const char *call, zlist_t *lists [WSIS_CATEGORY_COUNT],
                  size_t extra)
{
    msgpack_pack_map (pk, 2 + extra);
    wsis_pack_kv_str (pk, "call", call);
    wsis_pack_str (pk, "categories");
    msgpack_pack_map (pk, WSIS_CATEGORY_COUNT);
    for (int i = 0; i < WSIS_CATEGORY_COUNT; i++) {
        wsis_pack_str (pk, wsis_categories [i]);
        s_pack_ids (pk, lists [i]);
    }
}

int
nominations_op_publish (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    nominations_t *self = (nominations_t *) wsis_service_state (service);
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "prize");
    if (!call)
        return -1;
    //  After the submission close, and while the vote can still use it.
    if (nominations_require_passed (service, reply, call, "submission")
    ||  nominations_require_not_passed (service, reply, call, "voting"))
        return -1;
    int rc = nominations_store_published (store, call->id, NULL);
    if (rc < 0)
        return nominations_fail_internal (reply);
    if (rc == 0)
        return wsis_reply_fail (reply, "conflict", "call",
                                "the nominated projects of %s are already published", call->id);

    //  Twenty projects per Action Line category (the WSIS Prizes rule;
    //  nominations/max_nominated). Every category is checked before
    //  anything is written, and the message names each one over.
    char over [200] = "";
    const char *first_over = NULL;
    int64_t first_count = 0;
    for (int i = 0; i < WSIS_CATEGORY_COUNT; i++) {
        int64_t count = nominations_store_draft_count (store, call->id, wsis_categories [i]);
        if (count < 0)
            return nominations_fail_internal (reply);
        if (count > self->max_nominated) {
            if (!first_over) {
                first_over = wsis_categories [i];
                first_count = count;
            }
            size_t used = strlen (over);
            snprintf (over + used, sizeof over - used, "%s%s (%lld)",
                      used? ", ": "", wsis_categories [i], (long long) count);
        }
    }
    if (first_over)
        return wsis_reply_fail (reply, "limit_exceeded", first_over,
                                "%s has %lld nominated projects, more than the %lld allowed per "
                                "category (field: the first category over; all over: %s)",
                                first_over, (long long) first_count,
                                (long long) self->max_nominated, over);

    zlist_t *lists [WSIS_CATEGORY_COUNT] = { NULL };
    int64_t now = wsis_service_now (service);
    size_t total = 0;
    rc = nominations_store_publish (store, call->id, nominations_actor (request), now);
    for (int i = 0; i < WSIS_CATEGORY_COUNT && rc == 0; i++) {
        lists [i] = zlist_new ();
        zlist_autofree (lists [i]);
        if (nominations_store_draft_each (store, call->id, wsis_categories [i],
                                          s_collect, lists [i]) < 0) {
            rc = -1;
            break;
        }
        int position = 0;
        for (const char *id = (const char *) zlist_first (lists [i]); id && rc == 0;
             id = (const char *) zlist_next (lists [i]))
            rc = nominations_store_nominated_add (store, call->id, wsis_categories [i],
                                                  ++position, id);
        total += zlist_size (lists [i]);
    }
    if (rc == 0) {
        msgpack_packer *pk = wsis_service_event (service);
        s_pack_published (pk, call->id, lists, 0);
        rc = wsis_service_event_emit (service, "nominations.published");
    }
    if (rc == 0) {
        char published_at [WSIS_TIME_BUFSIZE];
        wsis_time_format (now, published_at);
        s_pack_published (&reply->pk, call->id, lists, 2);
        wsis_pack_kv_uint (&reply->pk, "nominated", total);
        wsis_pack_kv_str (&reply->pk, "published_at", published_at);
    }
    for (int i = 0; i < WSIS_CATEGORY_COUNT; i++)
        zlist_destroy (&lists [i]);
    return rc? nominations_fail_internal (reply): 0;
}

//  -------------------------------------------------------------------------
//  nominations.list {call}

typedef struct {
    nominations_array_t ids;            //  of one category
    nominations_array_t titles;         //  {id: title} over every category
} list_builder_t;

static void
s_list_row (const char *submission_id, const char *title, void *arg)
{
    list_builder_t *builder = (list_builder_t *) arg;
    wsis_pack_str (&builder->ids.pk, submission_id);
    builder->ids.count++;
    wsis_pack_kv_str (&builder->titles.pk, submission_id, title? title: "");
    builder->titles.count++;
}

int
nominations_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "prize");
    if (!call)
        return -1;
    int64_t published_at = 0;
    int rc = nominations_store_published (store, call->id, &published_at);
    if (rc < 0)
        return nominations_fail_internal (reply);
    bool published = rc == 0;
    //  Public only once published; the secretariat (and operators) see the
    //  draft being built before that.
    if (!published && request->role != WSIS_ROLE_STAFF && request->role != WSIS_ROLE_OPERATOR)
        return wsis_reply_fail (reply, "forbidden", NULL,
                                "the nominated projects of %s are not published yet", call->id);

    list_builder_t builder;
    nominations_array_init (&builder.ids);
    nominations_array_init (&builder.titles);
    msgpack_sbuffer categories;
    msgpack_sbuffer_init (&categories);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &categories, msgpack_sbuffer_write);
    rc = 0;
    for (int i = 0; i < WSIS_CATEGORY_COUNT && rc >= 0; i++) {
        const char *category = wsis_categories [i];
        rc = published
           ? nominations_store_nominated_each (store, call->id, category, s_list_row, &builder)
           : nominations_store_draft_each (store, call->id, category, s_list_row, &builder);
        wsis_pack_str (&pk, wsis_categories [i]);
        nominations_array_pack (&builder.ids, &pk);
    }
    if (rc < 0) {
        msgpack_sbuffer_destroy (&categories);
        nominations_array_release (&builder.ids);
        nominations_array_release (&builder.titles);
        return nominations_fail_internal (reply);
    }
    msgpack_packer *out = &reply->pk;
    msgpack_pack_map (out, published? 5: 4);
    wsis_pack_kv_str (out, "call", call->id);
    wsis_pack_kv_bool (out, "published", published);
    if (published) {
        char when [WSIS_TIME_BUFSIZE];
        wsis_time_format (published_at, when);
        wsis_pack_kv_str (out, "published_at", when);
    }
    wsis_pack_str (out, "categories");
    msgpack_pack_map (out, WSIS_CATEGORY_COUNT);
    wsis_pack_raw (out, categories.data, categories.size);
    wsis_pack_str (out, "titles");
    nominations_map_pack (&builder.titles, out);
    msgpack_sbuffer_destroy (&categories);
    nominations_array_release (&builder.ids);
    return 0;
}
