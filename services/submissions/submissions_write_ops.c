/*  submissions_write_ops: submission.create, submission.update and
    submission.withdraw (docs/protocol.md section 8).

    Every check comes before the first write, and the runtime rolls back
    whatever a failing handler wrote or emitted, so a refused request
    leaves neither a row nor an event behind.
*/
#include "submissions.h"

#include <stdlib.h>
#include <string.h>

//  The submission an update or withdrawal is about, copied out of the store.
typedef struct {
    bool found;
    int64_t id;
    char call [128];
    char kind [16];
    char status [16];
    char category [16];
    int64_t stakeholder_id;
    void *fields;
    size_t fields_size;
} s_current_t;

static int
s_copy_current (const submission_row_t *row, void *arg)
{
    s_current_t *current = (s_current_t *) arg;
    current->found = true;
    current->id = row->id;
    snprintf (current->call, sizeof current->call, "%s", row->call);
    snprintf (current->kind, sizeof current->kind, "%s", row->kind);
    snprintf (current->status, sizeof current->status, "%s", row->status);
    snprintf (current->category, sizeof current->category, "%s", row->category? row->category: "");
    current->stakeholder_id = row->stakeholder_id;
    current->fields = malloc (row->fields_size? row->fields_size: 1);
    if (!current->fields)
        return -1;
    //  An empty blob comes back from SQLite as NULL
    if (row->fields_size)
        memcpy (current->fields, row->fields, row->fields_size);
    current->fields_size = row->fields_size;
    return 0;
}

static void
s_current_release (s_current_t *current)
{
    free (current->fields);
    current->fields = NULL;
}

//  The call of a new submission; its kind decides which form applies.
static int
s_read_call (wsis_service_t *service, wsis_fields_t *body, const wsis_call_t **call, int *kind)
{
    char call_id [128];
    if (wsis_fields_text (body, "call", WSIS_REQUIRED, 1, 127, call_id, sizeof call_id))
        return -1;
    *call = wsis_calendar_call (wsis_service_calendar (service), call_id);
    if (!*call)
        return wsis_fields_fail (body, "call", "is not a call of the calendar");
    *kind = submissions_kind_of_call ((*call)->kind);
    if (*kind < 0)
        return wsis_fields_fail (body, "call", "is a %s call, which takes nominations, not submissions",
                                 (*call)->kind);
    return 0;
}

//  docs/protocol.md section 6: a stakeholder submits only for itself; and the
//  submitter must be a registered stakeholder.
static int
s_read_submitter (wsis_service_t *service, wsis_request_t *request, wsis_fields_t *body,
                  int64_t *stakeholder_id)
{
    const char *text;
    size_t len;
    if (wsis_fields_str (body, "stakeholder_id", WSIS_REQUIRED, 1, 64, &text, &len))
        return -1;
    *stakeholder_id = submissions_id_parse ("stk", text, len);
    if (!*stakeholder_id)
        return wsis_fields_fail (body, "stakeholder_id", "must be a stakeholder id like stk-3");
    if (!wsis_request_may_act_for (request, text, len))
        return wsis_reply_fail (body->reply, "forbidden", "stakeholder_id",
                                "a stakeholder may only submit for itself");
    int rc = submissions_store_stakeholder_exists (wsis_service_store (service), *stakeholder_id);
    if (rc < 0)
        return wsis_reply_fail (body->reply, "internal", NULL, "the store failed");
    if (rc == 0)
        return wsis_reply_fail (body->reply, "not_found", "stakeholder_id",
                                "no stakeholder is registered with this id (stakeholder.register first)");
    return 0;
}

//  Strict deadlines (docs/protocol.md section 7): the call's submission phase must be
//  open by the service clock, start inclusive, end exclusive.
static int
s_phase_open (wsis_service_t *service, wsis_reply_t *reply, const char *call_id)
{
    wsis_calendar_t *calendar = wsis_service_calendar (service);
    const wsis_call_t *call = wsis_calendar_call (calendar, call_id);
    const wsis_phase_t *phase = wsis_calendar_call_phase (call, "submission");
    wsis_phase_state_t state;
    if (!phase || wsis_calendar_phase_state (calendar, call_id, "submission",
                                             wsis_service_now (service), &state))
        return wsis_reply_fail (reply, "phase_not_open", NULL, "%s has no submission phase", call_id);
    char when [WSIS_TIME_ZONED_BUFSIZE];
    if (state == WSIS_PHASE_NOT_OPEN) {
        wsis_time_format_zoned (call->zone, phase->start, when, sizeof when);
        return wsis_reply_fail (reply, "phase_not_open", NULL,
                                "submissions to %s open at %s", call_id, when);
    }
    if (state == WSIS_PHASE_PASSED) {
        wsis_time_format_zoned (call->zone, phase->end, when, sizeof when);
        return wsis_reply_fail (reply, "deadline_passed", NULL,
                                "submissions to %s closed at %s", call_id, when);
    }
    return 0;
}

//  The rules of the WSIS Prizes contest that look at other projects of
//  the call (self: the project being updated, which may keep its own
//  slot and title).
static int
s_prize_rules (wsis_service_t *service, wsis_reply_t *reply, const char *call,
               const submission_draft_t *draft, int64_t self)
{
    if (draft->kind != SUBMISSION_PRIZE)
        return 0;
    wsis_store_t *store = wsis_service_store (service);

    //  A project that won a WSIS Prize in an earlier call may not enter again.
    int won = submissions_store_previous_winner (store, call, draft->entity_key, draft->title_key,
                                                 draft->description_key);
    if (won < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (won)
        return wsis_reply_fail (reply, "ineligible", "title",
                                "this project won a WSIS Prize in an earlier call and may not enter again");

    //  The same project not twice (in any category): same entity and title
    //  ignoring case, accents and spacing, or the same short description.
    int64_t other = submissions_store_same_title (store, call, draft->entity_key, draft->title_key, self);
    if (other < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (other)
        return wsis_reply_fail (reply, "duplicate", "title",
                                "this entity already submitted a project with this title (sub-%lld)",
                                (long long) other);
    other = submissions_store_same_description (store, call, draft->description_key, self);
    if (other < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (other)
        return wsis_reply_fail (reply, "duplicate", "short_description",
                                "a project with this short description is already submitted (sub-%lld)",
                                (long long) other);

    //  One project per entity per category.
    other = submissions_store_slot_taken (store, call, draft->entity_key, draft->category, self);
    if (other < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (other)
        return wsis_reply_fail (reply, "conflict", "category",
                                "this entity already has a project in category %s (sub-%lld)",
                                draft->category, (long long) other);
    return 0;
}

//  The Repository of Women in Tech lists a person once: one live profile
//  per stakeholder in the call. A second is the same person twice, as a
//  second registration of an email is (`duplicate`); she updates the one
//  she has, or withdraws it and submits anew.
static int
s_repository_rules (wsis_service_t *service, wsis_reply_t *reply, const char *call,
                    int64_t stakeholder_id, const submission_draft_t *draft)
{
    if (draft->kind != SUBMISSION_REPOSITORY)
        return 0;
    int64_t other = submissions_store_live_profile (wsis_service_store (service), call, stakeholder_id);
    if (other < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (other)
        return wsis_reply_fail (reply, "duplicate", "stakeholder_id",
                                "this stakeholder already has a profile in %s (sub-%lld): update it instead",
                                call, (long long) other);
    return 0;
}

static void
s_reply_status (wsis_reply_t *reply, int64_t id, const char *status)
{
    char submission_id [SUBMISSIONS_ID_BUFSIZE];
    submissions_id_format (submission_id, sizeof submission_id, "sub", id);
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_str (&reply->pk, "submission_id", submission_id);
    wsis_pack_kv_str (&reply->pk, "status", status);
}

//  submission.create {call, stakeholder_id, ...the kind's fields}
//  -> {submission_id, status: "received"}; submission.received
int
submissions_op_create (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = NULL;
    int kind = -1;
    int64_t stakeholder_id = 0;
    if (s_read_call (service, &body, &call, &kind)
    ||  s_read_submitter (service, request, &body, &stakeholder_id)
    ||  s_phase_open (service, reply, call->id))
        return -1;

    submission_draft_t draft;
    submissions_draft_init (&draft, (submission_kind_t) kind);
    int64_t id = 0;
    int rc = submissions_draft_read (&draft, request->body, true, reply);
    if (rc == 0)
        rc = s_prize_rules (service, reply, call->id, &draft, 0);
    if (rc == 0)
        rc = s_repository_rules (service, reply, call->id, stakeholder_id, &draft);
    if (rc == 0
    && (submissions_store_submission_insert (wsis_service_store (service), call->id, stakeholder_id,
                                             &draft, wsis_service_now (service), &id)
    ||  submissions_record_emit (service, "submission.received", id)))
        rc = wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (rc == 0)
        s_reply_status (reply, id, "received");
    submissions_draft_release (&draft);
    return rc;
}

//  The submission named by the body, its owner checked: 0, or -1 with
//  the reply failed (and *current released).
static int
s_load_own (wsis_service_t *service, wsis_request_t *request, wsis_fields_t *body,
            s_current_t *current)
{
    memset (current, 0, sizeof *current);
    const char *text;
    size_t len;
    if (wsis_fields_str (body, "submission_id", WSIS_REQUIRED, 1, 64, &text, &len))
        return -1;
    int64_t id = submissions_id_parse ("sub", text, len);
    if (!id)
        return wsis_fields_fail (body, "submission_id", "must be a submission id like sub-12");
    int rc = submissions_store_submission_get (wsis_service_store (service), id, s_copy_current, current);
    if (rc < 0) {
        s_current_release (current);
        return wsis_reply_fail (body->reply, "internal", NULL, "the store failed");
    }
    if (!current->found)
        return wsis_reply_fail (body->reply, "not_found", "submission_id", "no such submission");
    //  A stakeholder changes only its own submissions.
    char owner [SUBMISSIONS_ID_BUFSIZE];
    submissions_id_format (owner, sizeof owner, "stk", current->stakeholder_id);
    if (!wsis_request_may_act_for (request, owner, strlen (owner))) {
        s_current_release (current);
        return wsis_reply_fail (body->reply, "forbidden", "submission_id",
                                "a stakeholder may only change its own submissions");
    }
    if (streq (current->status, "withdrawn")) {
        s_current_release (current);
        return wsis_reply_fail (body->reply, "conflict", "submission_id", "the submission was withdrawn");
    }
    return 0;
}

//  A key of an update that names what the submission belongs to may be
//  repeated, not changed.
static int
s_unchanged (wsis_fields_t *body, const char *key, const char *current)
{
    const msgpack_object *value = wsis_msg_get (body->map, key);
    if (!value || value->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (wsis_msg_str_equals (value, current))
        return 0;
    return wsis_fields_fail (body, key, "cannot be changed by an update");
}

//  Keys of an update body that are not fields of the submission.
static const char *const s_update_keys [] = {
    "submission_id", "call", "stakeholder_id", "kind", NULL
};

//  submission.update {submission_id, ...changed fields} -> {submission_id,
//  status}; submission.updated. The owner only, while the submission phase
//  is open, and every rule of the kind checked again on the result.
int
submissions_op_update (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    s_current_t current;
    if (s_load_own (service, request, &body, &current))
        return -1;
    char stakeholder [SUBMISSIONS_ID_BUFSIZE];
    submissions_id_format (stakeholder, sizeof stakeholder, "stk", current.stakeholder_id);
    int kind = submissions_kind_of_call (current.kind);
    int rc = kind < 0? wsis_reply_fail (reply, "internal", NULL, "unknown kind of submission"): 0;
    if (rc == 0)
        rc = s_unchanged (&body, "call", current.call);
    if (rc == 0)
        rc = s_unchanged (&body, "stakeholder_id", stakeholder);
    if (rc == 0)
        rc = s_unchanged (&body, "kind", current.kind);
    if (rc == 0)
        rc = s_phase_open (service, reply, current.call);
    if (rc) {
        s_current_release (&current);
        return -1;
    }

    //  The stored fields with the changes laid over them go through the
    //  same reader as a new submission: an update cannot do what a create
    //  may not.
    msgpack_unpacked stored;
    msgpack_unpacked_init (&stored);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 1024);
    msgpack_object merged;
    size_t offset = 0;
    submission_draft_t draft;
    submissions_draft_init (&draft, (submission_kind_t) kind);
    bool readable = msgpack_unpack_next (&stored, (const char *) current.fields, current.fields_size,
                                         &offset) == MSGPACK_UNPACK_SUCCESS;
    if (readable)
        //  An empty str would keep msgpack-c's NULL ptr (wsis_msg.h)
        wsis_msg_fill_empty (&stored.data);
    if (!readable
    ||  submissions_fields_merge (&stored.data, request->body, s_update_keys, &zone, &merged))
        rc = wsis_reply_fail (reply, "internal", NULL, "the stored submission could not be read");
    if (rc == 0)
        rc = submissions_draft_read (&draft, &merged, false, reply);
    if (rc == 0)
        rc = s_prize_rules (service, reply, current.call, &draft, current.id);
    if (rc == 0
    && (submissions_store_submission_rewrite (wsis_service_store (service), current.call, current.id,
                                              &draft, wsis_service_now (service))
    ||  submissions_record_emit (service, "submission.updated", current.id)))
        rc = wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (rc == 0)
        s_reply_status (reply, current.id, "received");
    submissions_draft_release (&draft);
    msgpack_zone_destroy (&zone);
    msgpack_unpacked_destroy (&stored);
    s_current_release (&current);
    return rc;
}

//  submission.withdraw {submission_id} -> {submission_id, status:
//  "withdrawn"}; submission.withdrawn.
//
//  Only while the call's submission phase is open (before its end; the
//  Stocktaking call and the Repository of Women in Tech never close, and
//  withdrawing is how a woman leaves the repository). After the deadline
//  a prize project is in the staff's review, then on the nominated lists
//  and the ballot; a photo is before the jury; an OCP input is being
//  built into the programme. Pulling it out then would break lists
//  already published and votes already cast, so staff handle such a
//  request in their review (reject) rather than the submitter here:
//  `deadline_passed`.
int
submissions_op_withdraw (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    s_current_t current;
    if (s_load_own (service, request, &body, &current))
        return -1;
    int rc = s_phase_open (service, reply, current.call);
    if (rc == 0 && submissions_store_submission_withdraw (wsis_service_store (service), current.id,
                                                          wsis_service_now (service)))
        rc = wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (rc == 0) {
        //  The slot of a withdrawn prize project (entity + category) is
        //  free again: the rules only count live submissions.
        char id [SUBMISSIONS_ID_BUFSIZE], stakeholder [SUBMISSIONS_ID_BUFSIZE];
        submissions_id_format (id, sizeof id, "sub", current.id);
        submissions_id_format (stakeholder, sizeof stakeholder, "stk", current.stakeholder_id);
        bool has_category = *current.category != 0;
        msgpack_packer *pk = wsis_service_event (service);
        msgpack_pack_map (pk, 5 + has_category);
        wsis_pack_kv_str (pk, "submission_id", id);
        wsis_pack_kv_str (pk, "call", current.call);
        wsis_pack_kv_str (pk, "kind", current.kind);
        wsis_pack_kv_str (pk, "stakeholder_id", stakeholder);
        wsis_pack_kv_str (pk, "status", "withdrawn");
        if (has_category)
            wsis_pack_kv_str (pk, "category", current.category);
        if (wsis_service_event_emit (service, "submission.withdrawn"))
            rc = wsis_reply_fail (reply, "internal", NULL, "the outbox could not be written");
    }
    if (rc == 0)
        s_reply_status (reply, current.id, "withdrawn");
    s_current_release (&current);
    return rc;
}
