/*  submissions_ops: the operation table of wsis-submissions, stakeholder
    registration and the reads (docs/protocol.md section 8). The writes of submissions
    are in submissions_write_ops.c.
*/
#include "submissions.h"

#include <stdlib.h>
#include <string.h>

//  Roles (docs/protocol.md section 6 and 8): anyone may register and read; only a
//  stakeholder (for itself), a gateway or an operator may submit.
#define S_SUBMITTERS (WSIS_ROLE_STAKEHOLDER | WSIS_ROLE_GATEWAY | WSIS_ROLE_OPERATOR)

//  The fields of the five kinds together (submissions_kinds.c has each
//  kind's own and which of them it requires): a field of no kind is
//  refused before the handler runs, one of another kind by the kind's
//  reader.
#define S_KIND_FIELDS \
    "entity? stakeholder_type? country? region? category? title? short_description? sdgs? " \
    "sdg_linkages? impact? partnerships? challenges? language? contact?{name email gender} " \
    "action_lines? description? status? url? caption? photographer?{name email gender} image? " \
    "request? organizer?{name email gender} speakers?[name gender organization?] " \
    "name? organization? sector? expertise? links? consent?"

const wsis_op_t submissions_ops [] = {
    { "stakeholder.register", submissions_stakeholder_op_register,
      WSIS_ROLE_PUBLIC | WSIS_ROLE_GATEWAY | WSIS_ROLE_OPERATOR, WSIS_OP_WRITES,
      "name email type country region gender? organization?" },
    { "submission.create", submissions_op_create, S_SUBMITTERS, WSIS_OP_WRITES,
      "call stakeholder_id " S_KIND_FIELDS },
    { "submission.get", submissions_op_get, WSIS_ROLE_PUBLIC, 0,
      "submission_id include_image?" },
    { "submission.list", submissions_op_list, WSIS_ROLE_PUBLIC, 0,
      "call category? status? stakeholder_id? after? limit?" },
    { "submission.update", submissions_op_update, S_SUBMITTERS, WSIS_OP_WRITES,
      "submission_id call? stakeholder_id? kind? " S_KIND_FIELDS },
    { "submission.withdraw", submissions_op_withdraw, S_SUBMITTERS, WSIS_OP_WRITES,
      "submission_id" },
    //  Looking people up is the secretariat's; a gateway reads only the
    //  stakeholder it acts for (submissions_stakeholder_ops.c)
    { "stakeholder.get", submissions_stakeholder_op_get,
      WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR | WSIS_ROLE_GATEWAY, 0, "stakeholder_id" },
    { "stakeholder.list", submissions_stakeholder_op_list, WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR, 0,
      "q? after? limit?" },
    { NULL }
};

//  An address registered already: the staff side (staff, operator, and
//  the gateway that signs people in) is told who has it, so it can go on
//  with that stakeholder; anyone else only that it is taken, since an
//  address must not tell a stranger who is registered under it.
static int
s_registered_already (const wsis_request_t *request, wsis_reply_t *reply, int64_t id)
{
    if (request->role & (WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR | WSIS_ROLE_GATEWAY)) {
        char stakeholder_id [SUBMISSIONS_ID_BUFSIZE];
        submissions_id_format (stakeholder_id, sizeof stakeholder_id, "stk", id);
        return wsis_reply_fail (reply, "duplicate", "email",
                                "this email is already registered as stakeholder %s", stakeholder_id);
    }
    return wsis_reply_fail (reply, "duplicate", "email", "a stakeholder with this email is already registered");
}

//  -------------------------------------------------------------------------
//  stakeholder.register {name, email, type, country, region, gender?,
//  organization?} -> {stakeholder_id}; stakeholder.registered

int
submissions_stakeholder_op_register (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char name [801], email [255], country [8], organization [1201];
    bool has_gender = false, has_organization = false;
    size_t type = 0, region = 0, gender = 0;
    int rc;

    if (wsis_fields_text (&body, "name", WSIS_REQUIRED, 1, 200, name, sizeof name)
    ||  wsis_fields_text (&body, "email", WSIS_REQUIRED, 3, 254, email, sizeof email))
        return -1;
    if (!wsis_valid_email (email, strlen (email)))
        return wsis_fields_fail (&body, "email", "must be an email address like name@example.org");
    if (wsis_fields_choice (&body, "type", WSIS_REQUIRED, wsis_stakeholder_types, 5, &type))
        return -1;
    if (wsis_fields_text (&body, "country", WSIS_REQUIRED, 1, 7, country, sizeof country))
        return -1;
    if (!wsis_valid_country (country, strlen (country)))
        return wsis_fields_fail (&body, "country", "must be an ISO 3166-1 alpha-2 country code like CH");
    if (wsis_fields_choice (&body, "region", WSIS_REQUIRED, wsis_regions, 6, &region))
        return -1;
    rc = wsis_fields_choice (&body, "gender", WSIS_OPTIONAL, wsis_genders, 4, &gender);
    if (rc < 0)
        return -1;
    has_gender = rc == 0;
    rc = wsis_fields_text (&body, "organization", WSIS_OPTIONAL, 1, 300, organization, sizeof organization);
    if (rc < 0)
        return -1;
    has_organization = rc == 0;

    //  One registration per address: voting counts one voter per
    //  stakeholder, so the same person twice would be two votes.
    char email_key [255];
    for (size_t i = 0; i <= strlen (email); i++)
        email_key [i] = (char) tolower ((unsigned char) email [i]);
    int64_t existing;
    rc = submissions_store_email_taken (store, email_key, &existing);
    if (rc < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (rc > 0)
        return s_registered_already (request, reply, existing);

    stakeholder_t stakeholder = {
        name, email, email_key, wsis_stakeholder_types [type], country, wsis_regions [region],
        has_gender? wsis_genders [gender]: NULL, has_organization? organization: NULL
    };
    int64_t id;
    if (submissions_store_stakeholder_insert (store, &stakeholder, wsis_service_now (service), &id))
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    char stakeholder_id [SUBMISSIONS_ID_BUFSIZE];
    submissions_id_format (stakeholder_id, sizeof stakeholder_id, "stk", id);

    msgpack_packer *pk = wsis_service_event (service);
    msgpack_pack_map (pk, 6 + has_gender + has_organization);
    wsis_pack_kv_str (pk, "stakeholder_id", stakeholder_id);
    wsis_pack_kv_str (pk, "name", name);
    wsis_pack_kv_str (pk, "email", email);
    wsis_pack_kv_str (pk, "type", wsis_stakeholder_types [type]);
    wsis_pack_kv_str (pk, "country", country);
    wsis_pack_kv_str (pk, "region", wsis_regions [region]);
    if (has_gender)
        wsis_pack_kv_str (pk, "gender", wsis_genders [gender]);
    if (has_organization)
        wsis_pack_kv_str (pk, "organization", organization);
    rc = wsis_service_event_emit (service, "stakeholder.registered");
    if (rc)
        return wsis_reply_fail (reply, "internal", NULL, "the outbox could not be written");

    msgpack_pack_map (&reply->pk, 1);
    wsis_pack_kv_str (&reply->pk, "stakeholder_id", stakeholder_id);
    return 0;
}

//  -------------------------------------------------------------------------
//  Reads

//  Contact emails are personal data: a record shows them to the staff
//  side (staff, operator, gateway, service) and to the stakeholder who
//  submitted it, not to the public that browses the calls.
static unsigned
s_record_flags (const wsis_request_t *request, int64_t owner)
{
    if (request->role & (WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR | WSIS_ROLE_GATEWAY | WSIS_ROLE_SERVICE))
        return SUBMISSION_RECORD_EMAILS;
    if (request->role == WSIS_ROLE_STAKEHOLDER
    &&  submissions_id_parse ("stk", request->actor_id, strlen (request->actor_id)) == owner)
        return SUBMISSION_RECORD_EMAILS;
    return 0;
}

typedef struct {
    wsis_service_t *service;
    const wsis_request_t *request;
    msgpack_packer *pk;
    bool include_image;
    submissions_page_t page;
} s_read_t;

static int
s_pack_row (const submission_row_t *row, void *arg)
{
    s_read_t *read = (s_read_t *) arg;
    if (submissions_page_full (&read->page))
        return 0;
    unsigned flags = s_record_flags (read->request, row->stakeholder_id)
                   | SUBMISSION_RECORD_CONTEST;
    //  The Repository of Women in Tech shows a woman only while she
    //  consents: once her profile is withdrawn, only its owner and the
    //  staff side still read it (listings leave it out in their query).
    if (!(flags & SUBMISSION_RECORD_EMAILS)
    &&  streq (row->kind, "repository") && streq (row->status, "withdrawn"))
        return 0;
    zchunk_t *image = NULL;
    if (read->include_image && streq (row->kind, "photo")) {
        if (submissions_store_image_get (wsis_service_store (read->service), row->id, &image))
            return -1;
        flags |= SUBMISSION_RECORD_IMAGE;
    }
    int rc = submissions_record_pack (read->pk, row, flags, image);
    zchunk_destroy (&image);
    read->page.last_id = row->id;
    read->page.packed++;
    return rc;
}

//  Reads a "sub-<n>" field: 0 with *id, -1 (validation) when it is not one.
static int
s_read_submission_id (wsis_fields_t *body, const char *key, wsis_need_t need, int64_t *id)
{
    const char *text;
    size_t len;
    int rc = wsis_fields_str (body, key, need, 1, 64, &text, &len);
    if (rc)
        return rc;
    *id = submissions_id_parse ("sub", text, len);
    if (*id == 0)
        return wsis_fields_fail (body, key, "must be a submission id like sub-12");
    return 0;
}

//  submission.get {submission_id, include_image?} -> the record (a
//  withdrawn one too, with status "withdrawn", but a withdrawn profile of
//  the Repository of Women in Tech only to its owner and the staff side).
int
submissions_op_get (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    int64_t id;
    bool include_image = false;
    if (s_read_submission_id (&body, "submission_id", WSIS_REQUIRED, &id)
    ||  wsis_fields_bool (&body, "include_image", WSIS_OPTIONAL, &include_image) < 0)
        return -1;
    s_read_t read = { service, request, &reply->pk, include_image, { .room = 1 } };
    int rc = submissions_store_submission_get (wsis_service_store (service), id, s_pack_row, &read);
    if (rc < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (rc == 0 || read.page.packed == 0)
        return wsis_reply_fail (reply, "not_found", "submission_id", "no such submission");
    return 0;
}

static const char *const s_statuses [] = { "received", "withdrawn" };

//  submission.list {call, category?, status?, stakeholder_id?, after?,
//  limit?} -> {items, next}: keyset pages in submission id order; `next`
//  is the `after` of the following page, nil on the last one.
int
submissions_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char call [128], stakeholder [65];
    submission_filter_t filter = { .call = call, .limit = SUBMISSION_PAGE_DEFAULT };
    uint64_t limit = SUBMISSION_PAGE_DEFAULT;
    int rc;

    if (wsis_fields_text (&body, "call", WSIS_REQUIRED, 1, 127, call, sizeof call))
        return -1;
    const wsis_call_t *listed = wsis_calendar_call (wsis_service_calendar (service), call);
    if (!listed)
        return wsis_fields_fail (&body, "call", "is not a call of the calendar");
    //  The Repository of Women in Tech lists only people who agree to be
    //  listed: a withdrawn profile is in no listing, whatever the status
    //  asked, for every reader.
    filter.live = streq (listed->kind, "repository");
    size_t index;
    rc = wsis_fields_choice (&body, "category", WSIS_OPTIONAL, wsis_categories, WSIS_CATEGORY_COUNT,
                             &index);
    if (rc < 0)
        return -1;
    if (rc == 0)
        filter.category = wsis_categories [index];
    rc = wsis_fields_choice (&body, "status", WSIS_OPTIONAL, s_statuses, 2, &index);
    if (rc < 0)
        return -1;
    if (rc == 0)
        filter.status = s_statuses [index];
    rc = wsis_fields_text (&body, "stakeholder_id", WSIS_OPTIONAL, 1, 64, stakeholder, sizeof stakeholder);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        filter.stakeholder_id = submissions_id_parse ("stk", stakeholder, strlen (stakeholder));
        if (!filter.stakeholder_id)
            return wsis_fields_fail (&body, "stakeholder_id", "must be a stakeholder id like stk-3");
    }
    if (s_read_submission_id (&body, "after", WSIS_OPTIONAL, &filter.after) < 0
    ||  wsis_fields_uint (&body, "limit", WSIS_OPTIONAL, 1, SUBMISSION_PAGE_MAX, &limit) < 0)
        return -1;

    //  One row more than the page tells whether another page follows
    //  (s_pack_row leaves it out). The items go into a buffer of their
    //  own: the array header needs the count, known only after the walk.
    filter.limit = (int64_t) limit + 1;
    msgpack_sbuffer items;
    msgpack_sbuffer_init (&items);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &items, msgpack_sbuffer_write);
    s_read_t read = { service, request, &pk, false, { .room = (size_t) limit } };
    rc = submissions_store_submission_list (wsis_service_store (service), &filter, s_pack_row, &read);
    if (rc < 0) {
        msgpack_sbuffer_destroy (&items);
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    }
    submissions_page_reply (reply, &items, &read.page, "sub");
    return 0;
}

bool
submissions_page_full (submissions_page_t *page)
{
    if (page->packed < page->room)
        return false;
    page->more = true;
    return true;
}

void
submissions_page_reply (wsis_reply_t *reply, msgpack_sbuffer *items,
                        const submissions_page_t *page, const char *prefix)
{
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_str (&reply->pk, "items");
    msgpack_pack_array (&reply->pk, page->packed);
    wsis_pack_raw (&reply->pk, items->data, items->size);
    wsis_pack_str (&reply->pk, "next");
    if (page->more) {
        char next [SUBMISSIONS_ID_BUFSIZE];
        submissions_id_format (next, sizeof next, prefix, page->last_id);
        wsis_pack_str (&reply->pk, next);
    }
    else
        msgpack_pack_nil (&reply->pk);
    msgpack_sbuffer_destroy (items);
}
