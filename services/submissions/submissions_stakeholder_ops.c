/*  submissions_stakeholder_ops: looking registered stakeholders up.

    stakeholder.get {stakeholder_id} and stakeholder.list {q?, after?,
    limit?} let the secretariat (staff, operator) find who registered: to
    answer a question, to check a contact before a nomination. A gateway
    may get only the stakeholder it acts for (its portal shows a user their
    own registration). Email addresses are personal data: only staff and
    operator see them.
*/
#include "submissions.h"
#include "wsis_time.h"

#include <string.h>

typedef struct {
    msgpack_packer *pk;
    bool emails;
    submissions_page_t page;
} s_lookup_t;

static int
s_pack_stakeholder (const stakeholder_row_t *row, void *arg)
{
    s_lookup_t *lookup = (s_lookup_t *) arg;
    if (submissions_page_full (&lookup->page))
        return 0;
    const stakeholder_t *who = &row->stakeholder;
    char id [SUBMISSIONS_ID_BUFSIZE], created [WSIS_TIME_BUFSIZE];
    submissions_id_format (id, sizeof id, "stk", row->id);
    wsis_time_format (row->created_at, created);
    msgpack_packer *pk = lookup->pk;
    msgpack_pack_map (pk, 6 + lookup->emails + (who->gender != NULL)
                         + (who->organization != NULL));
    wsis_pack_kv_str (pk, "stakeholder_id", id);
    wsis_pack_kv_str (pk, "name", who->name);
    if (lookup->emails)
        wsis_pack_kv_str (pk, "email", who->email);
    wsis_pack_kv_str (pk, "type", who->type);
    wsis_pack_kv_str (pk, "country", who->country);
    wsis_pack_kv_str (pk, "region", who->region);
    if (who->gender)
        wsis_pack_kv_str (pk, "gender", who->gender);
    if (who->organization)
        wsis_pack_kv_str (pk, "organization", who->organization);
    wsis_pack_kv_str (pk, "created_at", created);
    lookup->page.last_id = row->id;
    lookup->page.packed++;
    return 0;
}

static bool
s_sees_emails (const wsis_request_t *request)
{
    return (request->role & (WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR)) != 0;
}

//  stakeholder.get {stakeholder_id} -> the stakeholder
int
submissions_stakeholder_op_get (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const char *text;
    size_t len;
    if (wsis_fields_str (&body, "stakeholder_id", WSIS_REQUIRED, 1, 64, &text, &len))
        return -1;
    int64_t id = submissions_id_parse ("stk", text, len);
    if (!id)
        return wsis_fields_fail (&body, "stakeholder_id", "must be a stakeholder id like stk-3");
    //  A gateway reads the registration of the user it acts for, no other
    if (request->role == WSIS_ROLE_GATEWAY
    &&  submissions_id_parse ("stk", request->actor_id, strlen (request->actor_id)) != id)
        return wsis_reply_fail (reply, "forbidden", "stakeholder_id",
                                "a gateway may get only the stakeholder it acts for"
                                " (actor.id equal to stakeholder_id)");
    s_lookup_t lookup = { &reply->pk, s_sees_emails (request), { .room = 1 } };
    int rc = submissions_store_stakeholder_get (wsis_service_store (service), id,
                                                s_pack_stakeholder, &lookup);
    if (rc < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (rc == 0)
        return wsis_reply_fail (reply, "not_found", "stakeholder_id",
                                "no stakeholder is registered with this id");
    return 0;
}

//  stakeholder.list {q?, after?, limit?} -> {items, next}: keyset pages in
//  stakeholder id order; q, case ignored, is part of the name, the
//  organization or the email.
int
submissions_stakeholder_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char q [801];
    const char *after_text;
    size_t after_len;
    int64_t after = 0;
    uint64_t limit = STAKEHOLDER_PAGE_DEFAULT;

    int rc = wsis_fields_text (&body, "q", WSIS_OPTIONAL, 1, 200, q, sizeof q);
    if (rc < 0)
        return -1;
    bool has_q = rc == 0;
    rc = wsis_fields_str (&body, "after", WSIS_OPTIONAL, 1, 64, &after_text, &after_len);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        after = submissions_id_parse ("stk", after_text, after_len);
        if (!after)
            return wsis_fields_fail (&body, "after", "must be a stakeholder id like stk-3");
    }
    if (wsis_fields_uint (&body, "limit", WSIS_OPTIONAL, 1, STAKEHOLDER_PAGE_MAX, &limit) < 0)
        return -1;

    //  One row more than the page tells whether another follows; the
    //  items go into a buffer of their own as the count comes last
    msgpack_sbuffer items;
    msgpack_sbuffer_init (&items);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &items, msgpack_sbuffer_write);
    s_lookup_t lookup = { &pk, s_sees_emails (request), { .room = (size_t) limit } };
    rc = submissions_store_stakeholder_list (wsis_service_store (service), has_q? q: NULL,
                                             after, (int64_t) limit + 1,
                                             s_pack_stakeholder, &lookup);
    if (rc < 0) {
        msgpack_sbuffer_destroy (&items);
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    }
    submissions_page_reply (reply, &items, &lookup.page, "stk");
    return 0;
}
