/*  submissions_record: the public record of a submission.

    One packer for the reply of submission.get, the items of
    submission.list and the bodies of submission.received and
    submission.updated, so every consumer sees the same shape:

        {submission_id, call, kind, stakeholder_id, status, created_at,
         updated_at, <the kind's fields>, contact, sdgs, ...}

    What other services rely on is always there: `contact` (a photo's
    photographer, an OCP input's organizer are copied into it), `sdgs`
    (empty for an OCP input without any), and for kinds whose form does
    not ask for them the submitter's stakeholder type, region, country and
    organization (as `entity`). A Stocktaking entry's own project status
    is `project_status`, since `status` is the submission's. The image is
    never in an event.

    A profile of the Repository of Women in Tech names no one to write to
    (it has no email), so its `contact` is the registered stakeholder who
    submitted it (name, email, gender when given); its `title` is the
    person's name and its `entity` her organization, the names under
    which consumers show and count a submission.
*/
#include "submissions.h"
#include "wsis_log.h"

#include <string.h>

static bool
s_key_is (const msgpack_object *key, const char *name)
{
    return wsis_msg_str_equals (key, name);
}

static bool
s_is_person (const msgpack_object *key)
{
    return s_key_is (key, "contact") || s_key_is (key, "photographer") || s_key_is (key, "organizer");
}

//  A person map, without its email unless the reader may see it.
static void
s_pack_person (msgpack_packer *pk, const msgpack_object *person, bool emails)
{
    if (person->type != MSGPACK_OBJECT_MAP || emails) {
        msgpack_pack_object (pk, *person);
        return;
    }
    uint32_t keep = 0;
    for (uint32_t i = 0; i < person->via.map.size; i++)
        if (!s_key_is (&person->via.map.ptr [i].key, "email"))
            keep++;
    msgpack_pack_map (pk, keep);
    for (uint32_t i = 0; i < person->via.map.size; i++)
        if (!s_key_is (&person->via.map.ptr [i].key, "email")) {
            msgpack_pack_object (pk, person->via.map.ptr [i].key);
            msgpack_pack_object (pk, person->via.map.ptr [i].val);
        }
}

//  The registered stakeholder as the contact person, email as above.
static void
s_pack_stakeholder (msgpack_packer *pk, const submission_row_t *row, bool emails)
{
    bool email = emails && row->stakeholder_email;
    bool gender = row->stakeholder_gender != NULL;
    msgpack_pack_map (pk, 1 + email + gender);
    wsis_pack_kv_str (pk, "name", row->stakeholder_name? row->stakeholder_name: "");
    if (email)
        wsis_pack_kv_str (pk, "email", row->stakeholder_email);
    if (gender)
        wsis_pack_kv_str (pk, "gender", row->stakeholder_gender);
}

//  Keys consumers read that a kind's form asks under another name: the
//  record carries the form's value under both.
typedef struct {
    const char *kind;
    const char *key;            //  what consumers read
    const char *field;          //  what the form asks
} s_alias_t;

static const s_alias_t s_aliases [] = {
    { "photo", "contact", "photographer" },
    { "ocp", "contact", "organizer" },
    { "repository", "title", "name" },
    { "repository", "entity", "organization" },
    { NULL, NULL, NULL }
};

static void
s_pack_time (msgpack_packer *pk, const char *key, int64_t ms)
{
    char text [WSIS_TIME_BUFSIZE];
    wsis_time_format (ms, text);
    wsis_pack_kv_str (pk, key, text);
}

int
submissions_record_pack (msgpack_packer *pk, const submission_row_t *row, unsigned flags,
                        const zchunk_t *image)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    if (msgpack_unpack_next (&unpacked, (const char *) row->fields, row->fields_size, &offset)
            != MSGPACK_UNPACK_SUCCESS
    ||  unpacked.data.type != MSGPACK_OBJECT_MAP) {
        msgpack_unpacked_destroy (&unpacked);
        wsis_log_error ("submission %lld: stored fields are not a msgpack map", (long long) row->id);
        return -1;
    }
    wsis_msg_fill_empty (&unpacked.data);
    const msgpack_object *fields = &unpacked.data;
    bool emails = (flags & SUBMISSION_RECORD_EMAILS) != 0;
    bool photo = streq (row->kind, "photo");
    bool ocp = streq (row->kind, "ocp");
    bool stocktaking = streq (row->kind, "stocktaking");
    bool repository = streq (row->kind, "repository");

    size_t aliases = 0;
    for (const s_alias_t *alias = s_aliases; alias->kind; alias++)
        aliases += streq (alias->kind, row->kind) && wsis_msg_get (fields, alias->field);
    //  What the kind's form does not ask comes from the stakeholder.
    bool add_contact = repository;
    bool add_sdgs = wsis_msg_get (fields, "sdgs") == NULL;
    bool add_type = photo || ocp || repository;
    bool add_region = photo || ocp;
    bool add_country = ocp && row->stakeholder_country;
    bool add_entity = (photo || ocp) && row->stakeholder_organization;
    bool add_image = photo && (flags & SUBMISSION_RECORD_IMAGE) && image;
    //  Only the WSIS Prizes and the Photo Contest are contests
    bool add_contest = (flags & SUBMISSION_RECORD_CONTEST)
                    && (photo || streq (row->kind, "prize"));

    char id [SUBMISSIONS_ID_BUFSIZE], stakeholder [SUBMISSIONS_ID_BUFSIZE];
    submissions_id_format (id, sizeof id, "sub", row->id);
    submissions_id_format (stakeholder, sizeof stakeholder, "stk", row->stakeholder_id);

    size_t count = 7 + fields->via.map.size + aliases + add_contact + add_sdgs + add_type
                 + add_region + add_country + add_entity + (photo? 2: 0) + add_image
                 + add_contest;
    msgpack_pack_map (pk, count);
    wsis_pack_kv_str (pk, "submission_id", id);
    wsis_pack_kv_str (pk, "call", row->call);
    wsis_pack_kv_str (pk, "kind", row->kind);
    wsis_pack_kv_str (pk, "stakeholder_id", stakeholder);
    wsis_pack_kv_str (pk, "status", row->status);
    s_pack_time (pk, "created_at", row->created_at);
    s_pack_time (pk, "updated_at", row->updated_at);
    for (uint32_t i = 0; i < fields->via.map.size; i++) {
        const msgpack_object *key = &fields->via.map.ptr [i].key;
        const msgpack_object *value = &fields->via.map.ptr [i].val;
        if (stocktaking && s_key_is (key, "status"))
            wsis_pack_str (pk, "project_status");
        else
            msgpack_pack_object (pk, *key);
        if (s_is_person (key))
            s_pack_person (pk, value, emails);
        else
            msgpack_pack_object (pk, *value);
    }
    for (const s_alias_t *alias = s_aliases; alias->kind; alias++) {
        const msgpack_object *value = wsis_msg_get (fields, alias->field);
        if (!streq (alias->kind, row->kind) || !value)
            continue;
        wsis_pack_str (pk, alias->key);
        if (streq (alias->key, "contact"))
            s_pack_person (pk, value, emails);
        else
            msgpack_pack_object (pk, *value);
    }
    if (add_contact) {
        wsis_pack_str (pk, "contact");
        s_pack_stakeholder (pk, row, emails);
    }
    if (add_sdgs) {
        wsis_pack_str (pk, "sdgs");
        msgpack_pack_array (pk, 0);
    }
    if (add_type)
        wsis_pack_kv_str (pk, "stakeholder_type", row->stakeholder_type);
    if (add_region)
        wsis_pack_kv_str (pk, "region", row->stakeholder_region);
    if (add_country)
        wsis_pack_kv_str (pk, "country", row->stakeholder_country);
    if (add_entity)
        wsis_pack_kv_str (pk, "entity", row->stakeholder_organization);
    if (photo) {
        wsis_pack_kv_str (pk, "image_type", row->image_type? row->image_type: "");
        wsis_pack_kv_int (pk, "image_size", row->image_size);
    }
    if (add_contest)
        wsis_pack_kv_str (pk, "contest_status",
                          row->contest_status? row->contest_status: "submitted");
    if (add_image) {
        wsis_pack_str (pk, "image");
        msgpack_pack_bin (pk, zchunk_size ((zchunk_t *) image));
        msgpack_pack_bin_body (pk, zchunk_data ((zchunk_t *) image), zchunk_size ((zchunk_t *) image));
    }
    msgpack_unpacked_destroy (&unpacked);
    return 0;
}

typedef struct {
    msgpack_packer *pk;
    bool found;
} s_emit_arg_t;

static int
s_pack_for_event (const submission_row_t *row, void *arg)
{
    s_emit_arg_t *emit = (s_emit_arg_t *) arg;
    emit->found = true;
    //  Events carry the contact email (notifications confirms to it) and
    //  never the image.
    return submissions_record_pack (emit->pk, row, SUBMISSION_RECORD_EMAILS, NULL);
}

int
submissions_record_emit (wsis_service_t *service, const char *type, int64_t id)
{
    msgpack_packer *pk = wsis_service_event (service);
    s_emit_arg_t emit = { pk, false };
    int rc = submissions_store_submission_get (wsis_service_store (service), id, s_pack_for_event, &emit);
    if (rc >= 0 && emit.found)
        rc = wsis_service_event_emit (service, type);
    else
        rc = -1;
    return rc;
}
