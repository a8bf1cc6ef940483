/*  nominations_ops: the operation table of wsis-nominations and the checks
    its areas share (which call, which phase). The handlers live in one
    file per area: review, nominees, selection.
*/
#include "nominations.h"

#include <string.h>

const char *const nominations_criteria [NOMINATIONS_CRITERIA] = {
    "results", "empowerment", "sdg_relevance", "replicability",
    "sustainability", "partnerships", "wsis_values"
};

#define STAFF (WSIS_ROLE_STAFF)
#define STAFF_OR_OPERATOR (WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR)
#define NOMINATORS (WSIS_ROLE_PUBLIC | WSIS_ROLE_GATEWAY | WSIS_ROLE_STAKEHOLDER)

//  Roles as docs/protocol.md section 9 lists them; the listing operations this service
//  adds (review.list, hltf.list, ambassador.list, selection.standings) are
//  for the WSIS secretariat and the operators who run the system.
const wsis_op_t nominations_ops [] = {
    { "review.decide",        nominations_review_op_decide,         STAFF, WSIS_OP_WRITES,
      "submission_id decision reason?" },
    { "review.list",          nominations_review_op_list,           STAFF_OR_OPERATOR, 0,
      "call category? decision? after? limit?" },
    { "nominations.publish",  nominations_op_publish,               STAFF, WSIS_OP_WRITES,
      "call" },
    { "nominations.list",     nominations_op_list,                  WSIS_ROLE_PUBLIC, 0,
      "call" },
    { "hltf.nominate",        nominations_hltf_op_nominate,         NOMINATORS, WSIS_OP_WRITES,
      "call stakeholder_type nominee{name title organization email gender} nominated_by{name email}" },
    { "hltf.list",            nominations_hltf_op_list,             STAFF_OR_OPERATOR, 0,
      "call stakeholder_type?" },
    { "ambassador.nominate",  nominations_ambassador_op_nominate,   NOMINATORS, WSIS_OP_WRITES,
      "call nominee{name organization country email gender} objectives motivation" },
    { "ambassador.list",      nominations_ambassador_op_list,       STAFF_OR_OPERATOR, 0,
      "call" },
    { "expert.register",      nominations_expert_op_register,       STAFF, WSIS_OP_WRITES,
      "call expert_id name country entity" },
    { "selection.score",      nominations_selection_op_score,       WSIS_ROLE_EXPERT, WSIS_OP_WRITES,
      "call submission_id expert_id scores{results empowerment sdg_relevance replicability sustainability partnerships wsis_values}" },
    { "selection.standings",  nominations_selection_op_standings,   STAFF_OR_OPERATOR, 0,
      "call category" },
    { "selection.finalize",   nominations_selection_op_finalize,    STAFF, WSIS_OP_WRITES,
      "call category winner?" },
    { "photo.winners.select", nominations_photo_op_winners_select,  STAFF, WSIS_OP_WRITES,
      "call winners" },
    { NULL }
};

const wsis_call_t *
nominations_call_field (wsis_service_t *service, wsis_fields_t *body, const char *kind)
{
    char id [NOMINATIONS_CALL_MAX + 1];
    if (wsis_fields_text (body, "call", WSIS_REQUIRED, 1, NOMINATIONS_CALL_MAX, id, sizeof id))
        return NULL;
    const wsis_call_t *call = wsis_calendar_call (wsis_service_calendar (service), id);
    if (!call) {
        wsis_fields_fail (body, "call", "is not a call of the calendar");
        return NULL;
    }
    if (!streq (call->kind, kind)) {
        wsis_fields_fail (body, "call", "is a %s call, not a %s call", call->kind, kind);
        return NULL;
    }
    return call;
}

//  The phase, or a validation failure on `call` if the calendar lacks it.
static const wsis_phase_t *
s_phase (wsis_reply_t *reply, const wsis_call_t *call, const char *name)
{
    const wsis_phase_t *phase = wsis_calendar_call_phase (call, name);
    if (!phase)
        wsis_reply_fail (reply, "validation", "call", "'call' %s has no %s phase", call->id, name);
    return phase;
}

static int
s_not_open (wsis_reply_t *reply, const wsis_call_t *call, const wsis_phase_t *phase)
{
    char when [WSIS_TIME_ZONED_BUFSIZE];
    wsis_time_format_zoned (call->zone, phase->start, when, sizeof when);
    return wsis_reply_fail (reply, "phase_not_open", NULL,
                            "the %s phase of %s opens at %s", phase->name, call->id, when);
}

static int
s_passed (wsis_reply_t *reply, const wsis_call_t *call, const wsis_phase_t *phase)
{
    char when [WSIS_TIME_ZONED_BUFSIZE];
    wsis_time_format_zoned (call->zone, phase->end, when, sizeof when);
    return wsis_reply_fail (reply, "deadline_passed", NULL,
                            "the %s phase of %s closed at %s", phase->name, call->id, when);
}

int
nominations_require_open (wsis_service_t *service, wsis_reply_t *reply,
                          const wsis_call_t *call, const char *name)
{
    const wsis_phase_t *phase = s_phase (reply, call, name);
    if (!phase)
        return -1;
    int64_t now = wsis_service_now (service);
    //  docs/protocol.md section 7: open from the start (inclusive) to the end (exclusive).
    if (now < phase->start)
        return s_not_open (reply, call, phase);
    if (phase->end != WSIS_PHASE_NO_END && now >= phase->end)
        return s_passed (reply, call, phase);
    return 0;
}

int
nominations_require_passed (wsis_service_t *service, wsis_reply_t *reply,
                            const wsis_call_t *call, const char *name)
{
    const wsis_phase_t *phase = s_phase (reply, call, name);
    if (!phase)
        return -1;
    if (phase->end == WSIS_PHASE_NO_END || wsis_service_now (service) < phase->end) {
        char when [WSIS_TIME_ZONED_BUFSIZE] = "never";
        if (phase->end != WSIS_PHASE_NO_END)
            wsis_time_format_zoned (call->zone, phase->end, when, sizeof when);
        return wsis_reply_fail (reply, "phase_not_open", NULL,
                                "not before the %s phase of %s has closed (%s)",
                                phase->name, call->id, when);
    }
    return 0;
}

int
nominations_require_started (wsis_service_t *service, wsis_reply_t *reply,
                             const wsis_call_t *call, const char *name)
{
    const wsis_phase_t *phase = s_phase (reply, call, name);
    if (!phase)
        return -1;
    if (wsis_service_now (service) < phase->start)
        return s_not_open (reply, call, phase);
    return 0;
}

int
nominations_require_not_passed (wsis_service_t *service, wsis_reply_t *reply,
                                const wsis_call_t *call, const char *name)
{
    const wsis_phase_t *phase = s_phase (reply, call, name);
    if (!phase)
        return -1;
    if (phase->end != WSIS_PHASE_NO_END && wsis_service_now (service) >= phase->end)
        return s_passed (reply, call, phase);
    return 0;
}

int
nominations_fail_internal (wsis_reply_t *reply)
{
    return wsis_reply_fail (reply, "internal", NULL, "the store failed; nothing was changed");
}

const char *
nominations_actor (const wsis_request_t *request)
{
    return *request->actor_id? request->actor_id: wsis_role_name (request->role);
}

void
nominations_array_init (nominations_array_t *self)
{
    msgpack_sbuffer_init (&self->buffer);
    msgpack_packer_init (&self->pk, &self->buffer, msgpack_sbuffer_write);
    self->count = 0;
}

void
nominations_array_pack (nominations_array_t *self, msgpack_packer *out)
{
    msgpack_pack_array (out, self->count);
    if (self->buffer.size)
        wsis_pack_raw (out, self->buffer.data, self->buffer.size);
    nominations_array_release (self);
}

void
nominations_map_pack (nominations_array_t *self, msgpack_packer *out)
{
    msgpack_pack_map (out, self->count);
    if (self->buffer.size)
        wsis_pack_raw (out, self->buffer.data, self->buffer.size);
    nominations_array_release (self);
}

void
nominations_array_release (nominations_array_t *self)
{
    msgpack_sbuffer_destroy (&self->buffer);
    msgpack_sbuffer_init (&self->buffer);
    self->count = 0;
}
