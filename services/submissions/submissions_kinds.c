/*  submissions_kinds: the fields of the five kinds of submission.

    Each kind is a table of its fields in the order docs/protocol.md section 8
    lists them; one reader walks the table, so every kind answers a bad
    field the same way (`validation` naming the first bad field) and packs
    what it read into the canonical map that is stored and published.
    A field the kind does not know is refused, naming the closest it does.
*/
#include "submissions.h"
#include "wsis_op_fields.h"
#include "wsis_suggest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    F_TEXT,                     //  a str of min..max characters
    F_WORDS,                    //  a str of min..max words, at most F_WORDS_CHARS characters
    F_ENUM,                     //  one of values
    F_COUNTRY,                  //  ISO 3166-1 alpha-2
    F_REGION,
    F_STAKEHOLDER_TYPE,
    F_CATEGORY,                 //  exactly one of the 18
    F_CATEGORIES,               //  min..max distinct categories
    F_SDGS,                     //  min..max distinct SDGs
    F_LANGUAGE,                 //  "en"
    F_PERSON,                   //  {name, email, gender}
    F_SPEAKERS,                 //  [{name, gender, organization?}], min..max
    F_URL,
    F_URLS,                     //  min..max distinct http(s) addresses
    F_CONSENT,                  //  a bool that must be true
    F_IMAGE                     //  bin, JPEG or PNG (stored apart from the fields)
} field_type_t;

typedef struct {
    const char *name;
    field_type_t type;
    wsis_need_t need;
    size_t min, max;
    const char *const *values;  //  F_ENUM: NULL-terminated
} field_spec_t;

#define F_WORDS_CHARS 4000      //  200 words of any sane length fit
#define F_LONG_TEXT 10000       //  descriptions, impact, ...
#define F_NAME_CHARS 200
#define F_URL_BYTES 2000

static const char *const s_project_statuses [] = { "planned", "ongoing", "completed", NULL };
static const char *const s_ocp_requests [] = {
    "workshop", "exhibition", "speaker", "thematic_input", "format_input", NULL
};
//  Where in the ICT industry a woman of the Repository works. These are
//  fields of work, not stakeholder types (government, private_sector, ...
//  say who an organisation is, and the submitter's registration has it),
//  so that the repository can be searched by what people do. The list is
//  docs/protocol.md's (implementation notes of wsis-submissions): consumers
//  group by it, so a sector is added there first.
static const char *const s_sectors [] = {
    "telecommunications", "software", "hardware", "internet_services", "cybersecurity",
    "data_and_ai", "research", "education", "policy", "media", "finance", "health",
    "agriculture", "other", NULL
};

//  WSIS Prizes project (docs/protocol.md section 8). The contest's rules that live in
//  single fields: one category, title <= 200 characters, a short
//  description of 150-200 words, at least one SDG, SDG linkages, impact,
//  partnerships and challenges filled in, English only.
static const field_spec_t s_prize [] = {
    { "entity", F_TEXT, WSIS_REQUIRED, 1, 300, NULL },
    { "stakeholder_type", F_STAKEHOLDER_TYPE, WSIS_REQUIRED, 0, 0, NULL },
    { "country", F_COUNTRY, WSIS_REQUIRED, 0, 0, NULL },
    { "region", F_REGION, WSIS_REQUIRED, 0, 0, NULL },
    { "category", F_CATEGORY, WSIS_REQUIRED, 0, 0, NULL },
    { "title", F_TEXT, WSIS_REQUIRED, 1, 200, NULL },
    { "short_description", F_WORDS, WSIS_REQUIRED, 150, 200, NULL },
    { "sdgs", F_SDGS, WSIS_REQUIRED, 1, WSIS_SDG_COUNT, NULL },
    { "sdg_linkages", F_TEXT, WSIS_REQUIRED, 1, F_LONG_TEXT, NULL },
    { "impact", F_TEXT, WSIS_REQUIRED, 1, F_LONG_TEXT, NULL },
    { "partnerships", F_TEXT, WSIS_REQUIRED, 1, F_LONG_TEXT, NULL },
    { "challenges", F_TEXT, WSIS_REQUIRED, 1, F_LONG_TEXT, NULL },
    { "language", F_LANGUAGE, WSIS_REQUIRED, 0, 0, NULL },
    { "contact", F_PERSON, WSIS_REQUIRED, 0, 0, NULL },
    { NULL, F_TEXT, WSIS_OPTIONAL, 0, 0, NULL }
};

//  Stocktaking entry: linked to one or more Action Lines and SDGs.
static const field_spec_t s_stocktaking [] = {
    { "entity", F_TEXT, WSIS_REQUIRED, 1, 300, NULL },
    { "stakeholder_type", F_STAKEHOLDER_TYPE, WSIS_REQUIRED, 0, 0, NULL },
    { "country", F_COUNTRY, WSIS_REQUIRED, 0, 0, NULL },
    { "region", F_REGION, WSIS_REQUIRED, 0, 0, NULL },
    { "action_lines", F_CATEGORIES, WSIS_REQUIRED, 1, WSIS_CATEGORY_COUNT, NULL },
    { "sdgs", F_SDGS, WSIS_REQUIRED, 1, WSIS_SDG_COUNT, NULL },
    { "title", F_TEXT, WSIS_REQUIRED, 1, 300, NULL },
    { "description", F_TEXT, WSIS_REQUIRED, 1, F_LONG_TEXT, NULL },
    { "status", F_ENUM, WSIS_REQUIRED, 0, 0, s_project_statuses },
    { "url", F_URL, WSIS_OPTIONAL, 1, 2000, NULL },
    { "contact", F_PERSON, WSIS_REQUIRED, 0, 0, NULL },
    { NULL, F_TEXT, WSIS_OPTIONAL, 0, 0, NULL }
};

//  Photo Contest entry: the image is checked here but stored apart.
static const field_spec_t s_photo [] = {
    { "title", F_TEXT, WSIS_REQUIRED, 1, 200, NULL },
    { "caption", F_TEXT, WSIS_REQUIRED, 1, 2000, NULL },
    { "country", F_COUNTRY, WSIS_REQUIRED, 0, 0, NULL },
    { "sdgs", F_SDGS, WSIS_REQUIRED, 1, WSIS_SDG_COUNT, NULL },
    { "photographer", F_PERSON, WSIS_REQUIRED, 0, 0, NULL },
    { "image", F_IMAGE, WSIS_REQUIRED, 0, 0, NULL },
    { NULL, F_TEXT, WSIS_OPTIONAL, 0, 0, NULL }
};

//  Open Consultation input. Speakers carry a gender so the 50/50 balance
//  of the Forum's sessions can be reported.
static const field_spec_t s_ocp [] = {
    { "request", F_ENUM, WSIS_REQUIRED, 0, 0, s_ocp_requests },
    { "title", F_TEXT, WSIS_REQUIRED, 1, 300, NULL },
    { "description", F_TEXT, WSIS_REQUIRED, 1, F_LONG_TEXT, NULL },
    { "organizer", F_PERSON, WSIS_REQUIRED, 0, 0, NULL },
    { "speakers", F_SPEAKERS, WSIS_OPTIONAL, 0, 50, NULL },
    { "action_lines", F_CATEGORIES, WSIS_OPTIONAL, 0, WSIS_CATEGORY_COUNT, NULL },
    { "sdgs", F_SDGS, WSIS_OPTIONAL, 0, WSIS_SDG_COUNT, NULL },
    { NULL, F_TEXT, WSIS_OPTIONAL, 0, 0, NULL }
};

//  Repository of Women in Tech profile: a woman leader or practitioner of
//  the ICT industry, listed so she can be found and invited to the Forum's
//  events. She is listed only with her consent, so `consent` must be
//  true; leaving the repository is withdrawing the profile.
static const field_spec_t s_repository [] = {
    { "name", F_TEXT, WSIS_REQUIRED, 1, F_NAME_CHARS, NULL },
    { "organization", F_TEXT, WSIS_REQUIRED, 1, 300, NULL },
    { "sector", F_ENUM, WSIS_REQUIRED, 0, 0, s_sectors },
    { "country", F_COUNTRY, WSIS_REQUIRED, 0, 0, NULL },
    { "region", F_REGION, WSIS_REQUIRED, 0, 0, NULL },
    { "expertise", F_TEXT, WSIS_REQUIRED, 1, 2000, NULL },
    { "links", F_URLS, WSIS_OPTIONAL, 0, 5, NULL },
    { "consent", F_CONSENT, WSIS_REQUIRED, 0, 0, NULL },
    { NULL, F_TEXT, WSIS_OPTIONAL, 0, 0, NULL }
};

static const field_spec_t *const s_specs [SUBMISSION_KIND_COUNT] = {
    s_prize, s_stocktaking, s_photo, s_ocp, s_repository
};

static const char *const s_kind_names [SUBMISSION_KIND_COUNT] = {
    "prize", "stocktaking", "photo", "ocp", "repository"
};

int
submissions_kind_of_call (const char *call_kind)
{
    for (int kind = 0; kind < SUBMISSION_KIND_COUNT; kind++)
        if (streq (call_kind, s_kind_names [kind]))
            return kind;
    return -1;
}

const char *
submissions_kind_name (submission_kind_t kind)
{
    return s_kind_names [kind];
}

void
submissions_draft_init (submission_draft_t *draft, submission_kind_t kind)
{
    memset (draft, 0, sizeof *draft);
    draft->kind = kind;
    msgpack_sbuffer_init (&draft->fields);
}

void
submissions_draft_release (submission_draft_t *draft)
{
    msgpack_sbuffer_destroy (&draft->fields);
    free (draft->entity_key);
    free (draft->title_key);
    free (draft->description_key);
    draft->entity_key = draft->title_key = draft->description_key = NULL;
}

//  -------------------------------------------------------------------------
//  Single values

//  A str that must be one of a closed list (count values, or those before
//  a NULL): *text is the list's own copy.
static int
s_read_choice (wsis_fields_t *fields, const char *key, wsis_need_t need,
               const char *const *values, size_t count, const char **text, size_t *len)
{
    size_t index;
    int rc = wsis_fields_choice (fields, key, need, values, count, &index);
    if (rc)
        return rc;
    *text = values [index];
    *len = strlen (*text);
    return 0;
}

static bool
s_image_type (const unsigned char *bytes, size_t size, const char **type)
{
    static const unsigned char png [8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (size >= 3 && bytes [0] == 0xff && bytes [1] == 0xd8 && bytes [2] == 0xff) {
        *type = "image/jpeg";
        return true;
    }
    if (size >= sizeof png && memcmp (bytes, png, sizeof png) == 0) {
        *type = "image/png";
        return true;
    }
    return false;
}

static bool
s_valid_url (const char *text, size_t len)
{
    size_t scheme = len >= 8 && memcmp (text, "https://", 8) == 0? 8:
                    len >= 7 && memcmp (text, "http://", 7) == 0? 7: 0;
    if (!scheme || len == scheme)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) text [i] <= ' ')
            return false;
    return true;
}

static int
s_compare_int (const void *a, const void *b)
{
    int x = *(const int *) a, y = *(const int *) b;
    return (x > y) - (x < y);
}

//  A list of distinct categories, packed in the order of the WSIS-SDG
//  matrix whatever order they came in.
static int
s_read_categories (submission_draft_t *draft, wsis_fields_t *fields, const field_spec_t *spec,
                   msgpack_packer *pk)
{
    const msgpack_object_array *array;
    int rc = wsis_fields_array (fields, spec->name, spec->need, spec->min, spec->max, &array);
    if (rc)
        return rc;
    bool seen [WSIS_CATEGORY_COUNT] = { false };
    for (uint32_t i = 0; i < array->size; i++) {
        const msgpack_object *item = &array->ptr [i];
        int index = item->type == MSGPACK_OBJECT_STR
                  ? wsis_valid_category (item->via.str.ptr, item->via.str.size): -1;
        if (index < 0)
            return wsis_fields_fail (fields, spec->name,
                                     "must list WSIS Action Line categories (C1 ... C11, e-gov ...)");
        if (seen [index])
            return wsis_fields_fail (fields, spec->name, "lists %s twice", wsis_categories [index]);
        seen [index] = true;
    }
    wsis_pack_str (pk, spec->name);
    msgpack_pack_array (pk, array->size);
    for (int index = 0; index < WSIS_CATEGORY_COUNT; index++)
        if (seen [index]) {
            wsis_pack_str (pk, wsis_categories [index]);
            draft->categories [draft->category_count++] = wsis_categories [index];
        }
    return 0;
}

static int
s_read_sdgs (wsis_fields_t *fields, const field_spec_t *spec, msgpack_packer *pk)
{
    const msgpack_object_array *array;
    int rc = wsis_fields_array (fields, spec->name, spec->need, spec->min, spec->max, &array);
    if (rc)
        return rc;
    int sdgs [WSIS_SDG_COUNT] = { 0 };     //  at most 17: spec->max bounds the array
    for (uint32_t i = 0; i < array->size; i++) {
        const msgpack_object *item = &array->ptr [i];
        if (item->type != MSGPACK_OBJECT_POSITIVE_INTEGER || !wsis_valid_sdg ((int64_t) item->via.u64))
            return wsis_fields_fail (fields, spec->name, "must list SDGs as integers 1-17");
        sdgs [i] = (int) item->via.u64;
        for (uint32_t j = 0; j < i; j++)
            if (sdgs [j] == sdgs [i])
                return wsis_fields_fail (fields, spec->name, "lists SDG %d twice", sdgs [i]);
    }
    qsort (sdgs, array->size, sizeof sdgs [0], s_compare_int);
    wsis_pack_str (pk, spec->name);
    msgpack_pack_array (pk, array->size);
    for (uint32_t i = 0; i < array->size; i++)
        msgpack_pack_int (pk, sdgs [i]);
    return 0;
}

//  A contact person: name, email and gender, all required (the gender
//  feeds the 50/50 gender-balance reports).
static int
s_read_person (wsis_fields_t *fields, const field_spec_t *spec, msgpack_packer *pk)
{
    wsis_fields_t person;
    int rc = wsis_fields_map (fields, spec->name, spec->need, &person);
    if (rc)
        return rc;
    const char *name, *email, *gender;
    size_t name_len, email_len, gender_len;
    if (wsis_fields_str (&person, "name", WSIS_REQUIRED, 1, F_NAME_CHARS, &name, &name_len)
    ||  wsis_fields_str (&person, "email", WSIS_REQUIRED, 3, 254, &email, &email_len))
        return -1;
    if (!wsis_valid_email (email, email_len))
        return wsis_fields_fail (&person, "email", "must be an email address like name@example.org");
    if (s_read_choice (&person, "gender", WSIS_REQUIRED, wsis_genders, 4, &gender, &gender_len))
        return -1;
    wsis_pack_str (pk, spec->name);
    msgpack_pack_map (pk, 3);
    wsis_pack_str (pk, "name");
    wsis_pack_strn (pk, name, name_len);
    wsis_pack_str (pk, "email");
    wsis_pack_strn (pk, email, email_len);
    wsis_pack_str (pk, "gender");
    wsis_pack_strn (pk, gender, gender_len);
    return 0;
}

static int
s_read_speakers (wsis_fields_t *fields, const field_spec_t *spec, msgpack_packer *pk)
{
    const msgpack_object_array *array;
    int rc = wsis_fields_array (fields, spec->name, spec->need, spec->min, spec->max, &array);
    if (rc)
        return rc;
    //  Checked in full before anything is packed, so a bad speaker leaves
    //  no half-written array behind.
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            wsis_pack_str (pk, spec->name);
            msgpack_pack_array (pk, array->size);
        }
        for (uint32_t i = 0; i < array->size; i++) {
            char path [32];
            snprintf (path, sizeof path, "%s.%u", spec->name, i);
            if (array->ptr [i].type != MSGPACK_OBJECT_MAP)
                return wsis_fields_fail (fields, path, "must be a map {name, gender, organization}");
            wsis_fields_t speaker = wsis_fields (fields->reply, &array->ptr [i], path);
            const char *name, *gender, *organization = NULL;
            size_t name_len, gender_len, organization_len = 0;
            if (wsis_fields_str (&speaker, "name", WSIS_REQUIRED, 1, F_NAME_CHARS, &name, &name_len)
            ||  s_read_choice (&speaker, "gender", WSIS_REQUIRED, wsis_genders, 4,
                               &gender, &gender_len)
            ||  wsis_fields_str (&speaker, "organization", WSIS_OPTIONAL, 0, 300,
                                 &organization, &organization_len) < 0)
                return -1;
            if (pass == 0)
                continue;
            msgpack_pack_map (pk, organization? 3: 2);
            wsis_pack_str (pk, "name");
            wsis_pack_strn (pk, name, name_len);
            wsis_pack_str (pk, "gender");
            wsis_pack_strn (pk, gender, gender_len);
            if (organization) {
                wsis_pack_str (pk, "organization");
                wsis_pack_strn (pk, organization, organization_len);
            }
        }
    }
    return 0;
}

//  A person's pages (her profile, her publications): distinct http(s)
//  addresses, kept in the order given. Checked in full before anything is
//  packed, so a bad address leaves no half-written array behind.
static int
s_read_urls (wsis_fields_t *fields, const field_spec_t *spec, msgpack_packer *pk)
{
    const msgpack_object_array *array;
    int rc = wsis_fields_array (fields, spec->name, spec->need, spec->min, spec->max, &array);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < array->size; i++) {
        const msgpack_object *item = &array->ptr [i];
        char path [32];
        snprintf (path, sizeof path, "%s.%u", spec->name, i);
        if (item->type != MSGPACK_OBJECT_STR || item->via.str.size > F_URL_BYTES
        ||  !s_valid_url (item->via.str.ptr, item->via.str.size))
            return wsis_fields_fail (fields, path,
                                     "must be an http:// or https:// address of at most %d bytes",
                                     F_URL_BYTES);
        for (uint32_t j = 0; j < i; j++)
            if (wsis_msg_bytes_equal (array->ptr [j].via.str.ptr, array->ptr [j].via.str.size,
                                      item->via.str.ptr, item->via.str.size))
                return wsis_fields_fail (fields, path, "is the same address as %s.%u", spec->name, j);
    }
    wsis_pack_str (pk, spec->name);
    msgpack_pack_array (pk, array->size);
    for (uint32_t i = 0; i < array->size; i++)
        wsis_pack_strn (pk, array->ptr [i].via.str.ptr, array->ptr [i].via.str.size);
    return 0;
}

//  Keeps the normalised key of a prize field for the duplicate rules.
static int
s_keep_key (char **key, const char *text, size_t len, wsis_reply_t *reply)
{
    free (*key);
    *key = wsis_valid_normalize (text, len);
    if (!*key)
        return wsis_reply_fail (reply, "internal", NULL, "out of memory");
    return 0;
}

//  One field: 0 read (and packed when present), -1 the reply has failed.
//  *packed counts the map entries written.
static int
s_read_field (submission_draft_t *draft, wsis_fields_t *fields, const field_spec_t *spec,
              msgpack_packer *pk, bool need_image, size_t *packed)
{
    const char *text = NULL;
    size_t len = 0;
    int rc;
    switch (spec->type) {
        case F_TEXT:
        case F_URL:
        case F_WORDS:
            rc = wsis_fields_str (fields, spec->name, spec->need, spec->min,
                                  spec->type == F_WORDS? F_WORDS_CHARS: spec->max, &text, &len);
            if (rc)
                return rc < 0? -1: 0;
            if (spec->type == F_URL && !s_valid_url (text, len))
                return wsis_fields_fail (fields, spec->name, "must be an http:// or https:// address");
            if (spec->type == F_WORDS) {
                size_t words = wsis_valid_word_count (text, len);
                if (words < spec->min || words > spec->max)
                    return wsis_fields_fail (fields, spec->name, "must have %zu to %zu words (it has %zu)",
                                             spec->min, spec->max, words);
            }
            break;
        case F_COUNTRY:
            rc = wsis_fields_str (fields, spec->name, spec->need, 1, 64, &text, &len);
            if (rc)
                return rc < 0? -1: 0;
            if (!wsis_valid_country (text, len))
                return wsis_fields_fail (fields, spec->name,
                                         "must be an ISO 3166-1 alpha-2 country code like CH");
            break;
        case F_ENUM:
        case F_REGION:
        case F_STAKEHOLDER_TYPE:
            rc = spec->type == F_REGION? s_read_choice (fields, spec->name, spec->need,
                                                        wsis_regions, 6, &text, &len):
                 spec->type == F_STAKEHOLDER_TYPE? s_read_choice (fields, spec->name, spec->need,
                                                                  wsis_stakeholder_types, 5, &text, &len):
                 s_read_choice (fields, spec->name, spec->need, spec->values, SIZE_MAX, &text, &len);
            if (rc)
                return rc < 0? -1: 0;
            break;
        case F_CATEGORY: {
            //  WSIS Prizes: a project enters exactly one category.
            const msgpack_object *value = wsis_msg_get (fields->map, spec->name);
            if (value && value->type == MSGPACK_OBJECT_ARRAY)
                return wsis_fields_fail (fields, spec->name,
                                         "must be one category: a project enters exactly one of the 18");
            rc = s_read_choice (fields, spec->name, spec->need, wsis_categories, WSIS_CATEGORY_COUNT,
                                &text, &len);
            if (rc)
                return rc < 0? -1: 0;
            int index = wsis_valid_category (text, len);
            snprintf (draft->category, sizeof draft->category, "%s", wsis_categories [index]);
            draft->categories [0] = wsis_categories [index];
            draft->category_count = 1;
            break;
        }
        case F_LANGUAGE:
            //  WSIS Prizes: projects are submitted in English only; any
            //  other value, however long, gets that rule, not a length.
            rc = wsis_fields_str (fields, spec->name, spec->need, 1, SIZE_MAX, &text, &len);
            if (rc)
                return rc < 0? -1: 0;
            if (len != 2 || memcmp (text, "en", 2) != 0)
                return wsis_fields_fail (fields, spec->name,
                                         "must be \"en\": WSIS Prizes projects are accepted in English only");
            break;
        case F_CATEGORIES:
            rc = s_read_categories (draft, fields, spec, pk);
            if (rc == 0)
                (*packed)++;
            return rc < 0? -1: 0;
        case F_SDGS:
            rc = s_read_sdgs (fields, spec, pk);
            if (rc == 0)
                (*packed)++;
            return rc < 0? -1: 0;
        case F_PERSON:
            rc = s_read_person (fields, spec, pk);
            if (rc == 0)
                (*packed)++;
            return rc < 0? -1: 0;
        case F_SPEAKERS:
            rc = s_read_speakers (fields, spec, pk);
            if (rc == 0)
                (*packed)++;
            return rc < 0? -1: 0;
        case F_URLS:
            rc = s_read_urls (fields, spec, pk);
            if (rc == 0)
                (*packed)++;
            return rc < 0? -1: 0;
        case F_CONSENT: {
            //  The Repository of Women in Tech lists a person only with her
            //  consent: absent, nil, false or anything but true is refused.
            const msgpack_object *value = wsis_msg_get (fields->map, spec->name);
            if (!value || value->type != MSGPACK_OBJECT_BOOLEAN || !value->via.boolean)
                return wsis_fields_fail (fields, spec->name,
                                         "must be true: the Repository of Women in Tech lists only"
                                         " people who agree to be listed");
            wsis_pack_str (pk, spec->name);
            msgpack_pack_true (pk);
            (*packed)++;
            return 0;
        }
        case F_IMAGE: {
            const void *image;
            size_t size;
            rc = wsis_fields_bin (fields, spec->name, need_image? WSIS_REQUIRED: WSIS_OPTIONAL,
                                  SUBMISSION_IMAGE_MAX, &image, &size);
            if (rc)
                return rc < 0? -1: 0;
            if (!s_image_type ((const unsigned char *) image, size, &draft->image_type))
                return wsis_fields_fail (fields, spec->name, "must be a JPEG or PNG image");
            draft->image = image;
            draft->image_size = size;
            return 0;           //  stored apart, never in the fields
        }
    }
    //  The str kinds: packed as given.
    wsis_pack_str (pk, spec->name);
    wsis_pack_strn (pk, text, len);
    (*packed)++;
    if (draft->kind == SUBMISSION_PRIZE) {
        if (streq (spec->name, "entity"))
            return s_keep_key (&draft->entity_key, text, len, fields->reply);
        if (streq (spec->name, "title"))
            return s_keep_key (&draft->title_key, text, len, fields->reply);
        if (streq (spec->name, "short_description"))
            return s_keep_key (&draft->description_key, text, len, fields->reply);
    }
    return 0;
}

static bool
s_key_is (const msgpack_object *key, const char *name)
{
    return wsis_msg_str_equals (key, name);
}

//  Keys of a body that name what a submission belongs to, not a field.
static const char *const s_owner_keys [] = { "call", "stakeholder_id", NULL };

//  The server lets through a field of any kind (the operation declares
//  them all); one of another kind (a caption on a prize project) would be
//  dropped without a word, so it is refused here, with the kind's closest
//  field when one is close.
static int
s_check_kind_keys (const submission_draft_t *draft, wsis_fields_t *fields)
{
    const char *names [24];
    size_t count = 0;
    char listing [400] = "";
    for (const field_spec_t *spec = s_specs [draft->kind]; spec->name && count < 24; spec++) {
        names [count++] = spec->name;
        size_t used = strlen (listing);
        snprintf (listing + used, sizeof listing - used, "%s%s", used? ", ": "", spec->name);
    }
    const msgpack_object_map *map = &fields->map->via.map;
    for (uint32_t i = 0; i < map->size; i++) {
        const msgpack_object *key = &map->ptr [i].key;
        if (key->type != MSGPACK_OBJECT_STR)
            continue;
        bool known = false;
        for (const char *const *owner = s_owner_keys; *owner && !known; owner++)
            known = s_key_is (key, *owner);
        for (size_t j = 0; j < count && !known; j++)
            known = s_key_is (key, names [j]);
        if (known)
            continue;
        //  Declared by the operation, so a short ASCII name.
        char name [65];
        snprintf (name, sizeof name, "%.*s", (int) key->via.str.size, key->via.str.ptr);
        int closest = wsis_suggest_closest (name, strlen (name), names, count);
        if (closest >= 0)
            return wsis_fields_fail (fields, name, "is not a field of a %s submission; did you mean '%s'?",
                                     s_kind_names [draft->kind], names [closest]);
        return wsis_fields_fail (fields, name, "is not a field of a %s submission; its fields are %s",
                                 s_kind_names [draft->kind], listing);
    }
    return 0;
}

int
submissions_draft_read (submission_draft_t *draft, const msgpack_object *map,
                       bool need_image, wsis_reply_t *reply)
{
    wsis_fields_t fields = wsis_fields (reply, map, NULL);
    if (s_check_kind_keys (draft, &fields))
        return -1;
    msgpack_sbuffer values;
    msgpack_sbuffer_init (&values);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &values, msgpack_sbuffer_write);
    size_t packed = 0;
    int rc = 0;
    for (const field_spec_t *spec = s_specs [draft->kind]; spec->name && rc == 0; spec++)
        rc = s_read_field (draft, &fields, spec, &pk, need_image, &packed);
    if (rc == 0) {
        msgpack_sbuffer_clear (&draft->fields);
        msgpack_packer out;
        msgpack_packer_init (&out, &draft->fields, msgpack_sbuffer_write);
        msgpack_pack_map (&out, packed);
        msgpack_sbuffer_write (&draft->fields, values.data, values.size);
    }
    msgpack_sbuffer_destroy (&values);
    return rc;
}

//  -------------------------------------------------------------------------
//  Updates

static bool
s_has_key (const msgpack_object *map, const msgpack_object *key)
{
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *other = &map->via.map.ptr [i].key;
        if (other->type == MSGPACK_OBJECT_STR && key->type == MSGPACK_OBJECT_STR
        &&  wsis_msg_bytes_equal (other->via.str.ptr, other->via.str.size,
                                  key->via.str.ptr, key->via.str.size))
            return true;
    }
    return false;
}

static bool
s_skipped (const msgpack_object *key, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (s_key_is (key, *skip))
            return true;
    return false;
}

int
submissions_fields_merge (const msgpack_object *stored, const msgpack_object *changes,
                         const char *const *skip, msgpack_zone *zone, msgpack_object *merged)
{
    if (stored->type != MSGPACK_OBJECT_MAP || changes->type != MSGPACK_OBJECT_MAP)
        return -1;
    size_t most = (size_t) stored->via.map.size + changes->via.map.size;
    msgpack_object_kv *pairs = NULL;
    if (most) {
        pairs = (msgpack_object_kv *) msgpack_zone_malloc (zone, most * sizeof *pairs);
        if (!pairs)
            return -1;
    }
    size_t count = 0;
    for (uint32_t i = 0; i < stored->via.map.size; i++)
        if (!s_has_key (changes, &stored->via.map.ptr [i].key))
            pairs [count++] = stored->via.map.ptr [i];
    for (uint32_t i = 0; i < changes->via.map.size; i++)
        if (!s_skipped (&changes->via.map.ptr [i].key, skip))
            pairs [count++] = changes->via.map.ptr [i];
    merged->type = MSGPACK_OBJECT_MAP;
    merged->via.map.size = (uint32_t) count;
    merged->via.map.ptr = pairs;
    return 0;
}
