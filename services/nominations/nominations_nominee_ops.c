/*  nominations_nominee_ops: nominations of people.

    High-Level Track Facilitators: each stakeholder type (government,
    private sector, civil society, academia, international organizations)
    nominates facilitators for the High-Level Policy Sessions during the
    hltf call's nomination phase. Gender Trendsetters: anyone nominates an
    ambassador for gender equality able to fulfil the six objectives of the
    ICTs and Gender Mainstreaming track. Both events carry the nominee's
    gender, which the 50/50 gender-balance report counts.
*/
#include "nominations.h"
#include "wsis_alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 200
#define TEXT_BYTES (NAME_MAX_CHARS * 4 + 1)
#define EMAIL_MAX 254
#define MOTIVATION_MAX_CHARS 5000
#define OBJECTIVES 6                    //  the six Trendsetter objectives

//  One person's fields as the request gave them.
typedef struct {
    char name [TEXT_BYTES];
    char title [TEXT_BYTES];
    char organization [TEXT_BYTES];
    char email [EMAIL_MAX + 1];
    char gender [16];
    char country [4];
} person_t;

//  Reads an e-mail field and checks it is a plausible mailbox.
static int
s_email (wsis_fields_t *fields, const char *key, char *email, size_t size)
{
    if (wsis_fields_text (fields, key, WSIS_REQUIRED, 3, EMAIL_MAX, email, size))
        return -1;
    if (!wsis_valid_email (email, strlen (email)))
        return wsis_fields_fail (fields, key, "is not a valid e-mail address");
    return 0;
}

static int
s_gender (wsis_fields_t *fields, char *gender, size_t size)
{
    return wsis_fields_choice_text (fields, "gender", WSIS_REQUIRED, wsis_genders, 4, gender, size);
}

//  One nominee once per call: the same mailbox in any letter case.
static void
s_email_norm (const char *email, char *norm, size_t size)
{
    size_t i;
    for (i = 0; email [i] && i + 1 < size; i++)
        norm [i] = (char) tolower ((unsigned char) email [i]);
    norm [i] = 0;
}

typedef int (nominee_exists_fn) (wsis_store_t *store, const char *call, const char *email_norm);

//  Checks that the nominee's mailbox is not nominated yet in the call
//  (`as` names the role in the reply) and writes its normal form to
//  email_norm. -1 with the reply failed: `duplicate`, or the store failed.
static int
s_check_new (wsis_service_t *service, wsis_reply_t *reply, const wsis_call_t *call,
             nominee_exists_fn *exists, const char *as, const char *email,
             char email_norm [EMAIL_MAX + 1])
{
    s_email_norm (email, email_norm, EMAIL_MAX + 1);
    int rc = exists (wsis_service_store (service), call->id, email_norm);
    if (rc < 0)
        return nominations_fail_internal (reply);
    if (rc == 1)
        return wsis_reply_fail (reply, "duplicate", "nominee.email",
                                "%s is already nominated as %s in %s", email, as, call->id);
    return 0;
}

static const char *
s_time (int64_t when, char *buffer)
{
    wsis_time_format (when, buffer);
    return buffer;
}

//  A nomination's public id: its kind's prefix ("hltf", "amb") and its
//  number.
static void
s_nomination_id (char *id, size_t size, const char *prefix, int64_t number)
{
    snprintf (id, size, "%s-%lld", prefix, (long long) number);
}

//  The first two keys of a nomination: its id, then when it was made (in
//  a listing, which is of one call) or its call (in the event).
static void
s_pack_head (msgpack_packer *pk, const char *prefix, const nominations_nominee_t *nominee,
             bool listing)
{
    char id [32], when [WSIS_TIME_BUFSIZE];
    s_nomination_id (id, sizeof id, prefix, nominee->number);
    wsis_pack_kv_str (pk, "nomination_id", id);
    if (listing)
        wsis_pack_kv_str (pk, "nominated_at", s_time (nominee->nominated_at, when));
    else
        wsis_pack_kv_str (pk, "call", nominee->call);
}

typedef void (nominee_pack_fn) (msgpack_packer *pk, const nominations_nominee_t *nominee,
                                bool listing);

//  Writes the event of a new nomination to the outbox. 0 or -1.
static int
s_emit (wsis_service_t *service, const char *type, nominee_pack_fn *pack,
        const nominations_nominee_t *nominee)
{
    msgpack_packer *pk = wsis_service_event (service);
    pack (pk, nominee, false);
    return wsis_service_event_emit (service, type);
}

//  The reply to a nomination: {nomination_id}.
static int
s_reply_id (wsis_reply_t *reply, const char *prefix, int64_t number)
{
    char id [32];
    s_nomination_id (id, sizeof id, prefix, number);
    msgpack_pack_map (&reply->pk, 1);
    wsis_pack_kv_str (&reply->pk, "nomination_id", id);
    return 0;
}

//  -------------------------------------------------------------------------
//  hltf.nominate {call, stakeholder_type, nominee {name, title, organization,
//  email, gender}, nominated_by {name, email}}

static void
s_pack_hltf (msgpack_packer *pk, const nominations_nominee_t *nominee, bool listing)
{
    msgpack_pack_map (pk, 5);
    s_pack_head (pk, "hltf", nominee, listing);
    wsis_pack_kv_str (pk, "stakeholder_type", nominee->stakeholder_type);
    wsis_pack_str (pk, "nominee");
    msgpack_pack_map (pk, 5);
    wsis_pack_kv_str (pk, "name", nominee->name);
    wsis_pack_kv_str (pk, "title", nominee->title);
    wsis_pack_kv_str (pk, "organization", nominee->organization);
    wsis_pack_kv_str (pk, "email", nominee->email);
    wsis_pack_kv_str (pk, "gender", nominee->gender);
    wsis_pack_str (pk, "nominated_by");
    msgpack_pack_map (pk, 2);
    wsis_pack_kv_str (pk, "name", nominee->nominator_name);
    wsis_pack_kv_str (pk, "email", nominee->nominator_email);
}

int
nominations_hltf_op_nominate (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "hltf");
    if (!call)
        return -1;
    char stakeholder_type [40];
    //  Each of the five stakeholder types names its own facilitators.
    if (wsis_fields_choice_text (&body, "stakeholder_type", WSIS_REQUIRED, wsis_stakeholder_types, 5,
                                 stakeholder_type, sizeof stakeholder_type))
        return -1;
    person_t nominee, nominator;
    memset (&nominee, 0, sizeof nominee);
    memset (&nominator, 0, sizeof nominator);
    wsis_fields_t person, by;
    if (wsis_fields_map (&body, "nominee", WSIS_REQUIRED, &person)
    ||  wsis_fields_text (&person, "name", WSIS_REQUIRED, 1, NAME_MAX_CHARS, nominee.name, TEXT_BYTES)
    ||  wsis_fields_text (&person, "title", WSIS_REQUIRED, 1, NAME_MAX_CHARS, nominee.title, TEXT_BYTES)
    ||  wsis_fields_text (&person, "organization", WSIS_REQUIRED, 1, NAME_MAX_CHARS,
                          nominee.organization, TEXT_BYTES)
    ||  s_email (&person, "email", nominee.email, sizeof nominee.email)
    ||  s_gender (&person, nominee.gender, sizeof nominee.gender)
    ||  wsis_fields_map (&body, "nominated_by", WSIS_REQUIRED, &by)
    ||  wsis_fields_text (&by, "name", WSIS_REQUIRED, 1, NAME_MAX_CHARS, nominator.name, TEXT_BYTES)
    ||  s_email (&by, "email", nominator.email, sizeof nominator.email))
        return -1;
    //  Nominations close on 7 March 2022 23:59 Geneva time.
    if (nominations_require_open (service, reply, call, "nomination"))
        return -1;

    char email_norm [EMAIL_MAX + 1];
    if (s_check_new (service, reply, call, nominations_store_hltf_exists, "a facilitator",
                     nominee.email, email_norm))
        return -1;

    nominations_nominee_t record = {
        .call = call->id, .stakeholder_type = stakeholder_type,
        .name = nominee.name, .title = nominee.title, .organization = nominee.organization,
        .email = nominee.email, .gender = nominee.gender,
        .nominator_name = nominator.name, .nominator_email = nominator.email,
        .nominated_at = wsis_service_now (service),
    };
    if (nominations_store_hltf_add (store, &record, email_norm, &record.number)
    ||  s_emit (service, "hltf.nominated", s_pack_hltf, &record))
        return nominations_fail_internal (reply);
    return s_reply_id (reply, "hltf", record.number);
}

//  -------------------------------------------------------------------------
//  hltf.list {call, stakeholder_type?} -> {call, stakeholder_types: {type: [...]}, count}

typedef struct {
    nominations_array_t types [5];      //  in the order of wsis_stakeholder_types
} hltf_groups_t;

static void
s_group_hltf (const nominations_nominee_t *nominee, void *arg)
{
    hltf_groups_t *groups = (hltf_groups_t *) arg;
    for (int i = 0; i < 5; i++)
        if (streq (nominee->stakeholder_type, wsis_stakeholder_types [i])) {
            s_pack_hltf (&groups->types [i].pk, nominee, true);
            groups->types [i].count++;
        }
}

int
nominations_hltf_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "hltf");
    if (!call)
        return -1;
    char stakeholder_type [40] = "";
    if (wsis_fields_choice_text (&body, "stakeholder_type", WSIS_OPTIONAL, wsis_stakeholder_types, 5,
                                 stakeholder_type, sizeof stakeholder_type) < 0)
        return -1;

    hltf_groups_t groups;
    for (int i = 0; i < 5; i++)
        nominations_array_init (&groups.types [i]);
    int count = nominations_store_hltf_each (wsis_service_store (service), call->id,
                                             *stakeholder_type? stakeholder_type: NULL,
                                             s_group_hltf, &groups);
    if (count < 0) {
        for (int i = 0; i < 5; i++)
            nominations_array_release (&groups.types [i]);
        return nominations_fail_internal (reply);
    }
    msgpack_packer *pk = &reply->pk;
    msgpack_pack_map (pk, 3);
    wsis_pack_kv_str (pk, "call", call->id);
    wsis_pack_kv_int (pk, "count", count);
    //  Every type is listed (an empty one shows who has not nominated
    //  yet), unless the request asked for one.
    wsis_pack_str (pk, "stakeholder_types");
    msgpack_pack_map (pk, *stakeholder_type? 1: 5);
    for (int i = 0; i < 5; i++) {
        if (*stakeholder_type && !streq (stakeholder_type, wsis_stakeholder_types [i])) {
            nominations_array_release (&groups.types [i]);
            continue;
        }
        wsis_pack_str (pk, wsis_stakeholder_types [i]);
        nominations_array_pack (&groups.types [i], pk);
    }
    return 0;
}

//  -------------------------------------------------------------------------
//  ambassador.nominate {call, nominee {name, organization, country, email,
//  gender}, objectives [1-6], motivation}

static void
s_pack_objectives (msgpack_packer *pk, const char *objectives)
{
    int count = 0;
    for (const char *c = objectives; *c; c++)
        if (*c >= '1' && *c <= '9')
            count++;
    msgpack_pack_array (pk, count);
    for (const char *c = objectives; *c; c++)
        if (*c >= '1' && *c <= '9')
            msgpack_pack_int (pk, *c - '0');
}

static void
s_pack_ambassador (msgpack_packer *pk, const nominations_nominee_t *nominee, bool listing)
{
    msgpack_pack_map (pk, 5);
    s_pack_head (pk, "amb", nominee, listing);
    wsis_pack_str (pk, "nominee");
    msgpack_pack_map (pk, 5);
    wsis_pack_kv_str (pk, "name", nominee->name);
    wsis_pack_kv_str (pk, "organization", nominee->organization);
    wsis_pack_kv_str (pk, "country", nominee->country);
    wsis_pack_kv_str (pk, "email", nominee->email);
    wsis_pack_kv_str (pk, "gender", nominee->gender);
    wsis_pack_str (pk, "objectives");
    s_pack_objectives (pk, nominee->objectives);
    wsis_pack_kv_str (pk, "motivation", nominee->motivation);
}

int
nominations_ambassador_op_nominate (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "ambassador");
    if (!call)
        return -1;
    person_t nominee;
    memset (&nominee, 0, sizeof nominee);
    wsis_fields_t person;
    if (wsis_fields_map (&body, "nominee", WSIS_REQUIRED, &person)
    ||  wsis_fields_text (&person, "name", WSIS_REQUIRED, 1, NAME_MAX_CHARS, nominee.name, TEXT_BYTES)
    ||  wsis_fields_text (&person, "organization", WSIS_REQUIRED, 1, NAME_MAX_CHARS,
                          nominee.organization, TEXT_BYTES)
    ||  wsis_fields_text (&person, "country", WSIS_REQUIRED, 2, 2, nominee.country,
                          sizeof nominee.country))
        return -1;
    if (!wsis_valid_country (nominee.country, strlen (nominee.country)))
        return wsis_fields_fail (&person, "country", "is not an ISO 3166-1 alpha-2 country code");
    if (s_email (&person, "email", nominee.email, sizeof nominee.email)
    ||  s_gender (&person, nominee.gender, sizeof nominee.gender))
        return -1;

    //  A non-empty subset of the six objectives, each named once.
    const msgpack_object_array *list;
    if (wsis_fields_array (&body, "objectives", WSIS_REQUIRED, 1, OBJECTIVES, &list))
        return -1;
    bool chosen [OBJECTIVES + 1] = { false };
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *item = &list->ptr [i];
        if (item->type != MSGPACK_OBJECT_POSITIVE_INTEGER
        ||  item->via.u64 < 1 || item->via.u64 > OBJECTIVES)
            return wsis_fields_fail (&body, "objectives", "must hold objective numbers 1 to 6");
        if (chosen [item->via.u64])
            return wsis_fields_fail (&body, "objectives", "names objective %d twice",
                                     (int) item->via.u64);
        chosen [item->via.u64] = true;
    }
    char objectives [2 * OBJECTIVES + 1] = "";
    for (int i = 1; i <= OBJECTIVES; i++)
        if (chosen [i]) {
            size_t used = strlen (objectives);
            snprintf (objectives + used, sizeof objectives - used, "%s%d", used? ",": "", i);
        }

    const char *text;
    size_t text_len;
    if (wsis_fields_str (&body, "motivation", WSIS_REQUIRED, 1, MOTIVATION_MAX_CHARS, &text, &text_len))
        return -1;
    //  Trendsetter nominations stay open (no end), but not before launch.
    if (nominations_require_open (service, reply, call, "nomination"))
        return -1;

    char email_norm [EMAIL_MAX + 1];
    if (s_check_new (service, reply, call, nominations_store_ambassador_exists,
                     "a Gender Trendsetter", nominee.email, email_norm))
        return -1;

    char *motivation = (char *) wsis_calloc (text_len + 1, 1);
    memcpy (motivation, text, text_len);
    nominations_nominee_t record = {
        .call = call->id, .name = nominee.name, .organization = nominee.organization,
        .country = nominee.country, .email = nominee.email, .gender = nominee.gender,
        .objectives = objectives, .motivation = motivation,
        .nominated_at = wsis_service_now (service),
    };
    int rc = nominations_store_ambassador_add (store, &record, email_norm, &record.number);
    if (rc == 0)
        rc = s_emit (service, "ambassador.nominated", s_pack_ambassador, &record);
    free (motivation);
    if (rc)
        return nominations_fail_internal (reply);
    return s_reply_id (reply, "amb", record.number);
}

//  -------------------------------------------------------------------------
//  ambassador.list {call} -> {call, items, count}

static void
s_list_ambassador (const nominations_nominee_t *nominee, void *arg)
{
    nominations_array_t *items = (nominations_array_t *) arg;
    s_pack_ambassador (&items->pk, nominee, true);
    items->count++;
}

int
nominations_ambassador_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    const wsis_call_t *call = nominations_call_field (service, &body, "ambassador");
    if (!call)
        return -1;
    nominations_array_t items;
    nominations_array_init (&items);
    int count = nominations_store_ambassador_each (wsis_service_store (service), call->id,
                                                   s_list_ambassador, &items);
    if (count < 0) {
        nominations_array_release (&items);
        return nominations_fail_internal (reply);
    }
    msgpack_packer *pk = &reply->pk;
    msgpack_pack_map (pk, 3);
    wsis_pack_kv_str (pk, "call", call->id);
    wsis_pack_kv_int (pk, "count", count);
    wsis_pack_str (pk, "items");
    nominations_array_pack (&items, pk);
    return 0;
}
