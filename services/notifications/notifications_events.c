/*  notifications_events: the people concerned, told from other services'
    events (docs/protocol.md section 11).

    A person's message is built from what the events carried and what this
    service kept of earlier ones (the submissions and reviews tables); it
    reads no other service's database. Each message has the key of the
    event that caused it, so applying an event exactly once and adding by
    key make one message per person per cause.

    An event counts only from its true source: a submission.* from
    wsis-submissions, a review.*, nominations.*, winners.*, hltf.* or
    ambassador.* from wsis-nominations, a voting.closed from wsis-voting.
    The bus journal carries other systems' events, and those may not pose
    as ours.
*/
#include "notifications.h"
#include "wsis_log.h"

#include <string.h>

//  A str of 1..max bytes under key into buffer (NUL-terminated), or false.
static bool
s_text (const msgpack_object *map, const char *key, char *buffer, size_t size)
{
    const msgpack_object *value = wsis_msg_get (map, key);
    return value && value->type == MSGPACK_OBJECT_STR && value->via.str.size > 0
        && wsis_msg_copy_str (value, buffer, 1, size - 1) == 0;
}

static void
s_skip (const wsis_event_t *event, const char *why)
{
    wsis_log_warning ("%s %s:%llu: %s; skipped", event->type, event->source,
                      (unsigned long long) event->seq, why);
}

//  "prize" -> "WSIS Prizes project", as a person would say it.
static const char *
s_kind_text (const char *kind)
{
    if (streq (kind, "prize"))
        return "WSIS Prizes project";
    if (streq (kind, "stocktaking"))
        return "WSIS Stocktaking entry";
    if (streq (kind, "photo"))
        return "WSIS Photo Contest entry";
    if (streq (kind, "ocp"))
        return "Open Consultation Process input";
    if (streq (kind, "repository"))
        return "Repository of Women in Tech profile";
    return "submission";
}

//  What happens next to a submission of that kind, from its call's phases.
static void
s_next_steps (wsis_service_t *service, const char *call_id, const char *kind,
              char *buffer, size_t size)
{
    const wsis_call_t *call = wsis_calendar_call (wsis_service_calendar (service), call_id);
    const wsis_phase_t *submission = call? wsis_calendar_call_phase (call, "submission"): NULL;
    char until [WSIS_TIME_ZONED_BUFSIZE] = "", from [WSIS_TIME_ZONED_BUFSIZE] = "";
    if (submission && submission->end != WSIS_PHASE_NO_END)
        wsis_time_format_zoned (call->zone, submission->end, until, sizeof until);
    const wsis_phase_t *next = !call? NULL:
        streq (kind, "prize")? wsis_calendar_call_phase (call, "nomination"):
        streq (kind, "photo")? wsis_calendar_call_phase (call, "selection"): NULL;
    if (next)
        wsis_time_format_zoned (call->zone, next->start, from, sizeof from);
    const char *what =
        streq (kind, "prize")? "WSIS staff review every project and publish the nominated "
                               "projects, and the public online vote follows":
        streq (kind, "photo")? "the jury selects the winning photographs":
        streq (kind, "ocp")? "your input is considered for the programme of the WSIS Forum":
        streq (kind, "repository")? "the profile is listed in the Repository of Women in Tech, "
                                    "where the WSIS Forum finds speakers and participants for "
                                    "its events, forums and activities":
                             "your entry is part of the WSIS Stocktaking database and its reports";
    if (*until)
        snprintf (buffer, size, "You may update or withdraw it until %s. After that, %s%s%s.",
                  until, what, *from? ", from ": "", from);
    else
        snprintf (buffer, size, "You may update it at any time; %s.", what);
}

//  The submission's stored contact, and what to call it.
typedef struct {
    bool found;
    char call [64];
    char kind [16];
    char category [16];
    char title [801];
    char name [401];
    char email [NOTIFY_EMAIL_MAX + 1];
} contact_t;

//  Copies text into a buffer of size bytes, cut at a character boundary
//  when it does not fit (the stored values came checked from events, so
//  only a damaged store has longer ones).
static void
s_copy (char *buffer, size_t size, const char *text)
{
    size_t len = text? strlen (text): 0;
    if (len >= size) {
        len = size - 1;
        while (len > 0 && ((unsigned char) text [len] & 0xC0) == 0x80)
            len--;
    }
    if (len)
        memcpy (buffer, text, len);
    buffer [len] = 0;
}

static int
s_contact (const notify_submission_t *submission, void *arg)
{
    contact_t *contact = (contact_t *) arg;
    contact->found = true;
    s_copy (contact->call, sizeof contact->call, submission->call);
    s_copy (contact->kind, sizeof contact->kind, submission->kind);
    s_copy (contact->category, sizeof contact->category, submission->category);
    s_copy (contact->title, sizeof contact->title, submission->title);
    s_copy (contact->name, sizeof contact->name, submission->contact_name);
    s_copy (contact->email, sizeof contact->email, submission->contact_email);
    return 0;
}

//  A message about a submission to its contact; key is the cause.
static int
s_tell_contact (wsis_service_t *service, const char *key, const char *kind,
                const char *submission_id, const contact_t *contact, notify_vars_t *vars)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    notify_vars_add (vars, "submission_id", submission_id);
    notify_vars_add (vars, "title", contact->title);
    notify_new_t item = {
        .key = key, .kind = kind, .call = contact->call,
        .channel = self->people_channel,
        .recipient = contact->email, .recipient_name = contact->name,
    };
    int rc = notify_create (service, &item, vars);
    notify_vars_release (vars);
    return rc < 0? -1: 0;
}

static int
s_lookup (wsis_service_t *service, const char *submission_id, contact_t *contact)
{
    memset (contact, 0, sizeof *contact);
    return notify_store_submission_get (wsis_service_store (service), submission_id,
                                        s_contact, contact);
}

//  -------------------------------------------------------------------------
//  wsis-submissions

//  submission.received / submission.updated carry the whole record, its
//  contact (a photographer, an OCP organizer copied in) among it.
static int
s_submission (wsis_service_t *service, const wsis_event_t *event, bool received)
{
    char id [65], call [65], kind [17], category [16] = "";
    contact_t contact = { .found = true };
    const msgpack_object *person = wsis_msg_get (event->body, "contact");
    if (!s_text (event->body, "submission_id", id, sizeof id)
    ||  !s_text (event->body, "call", call, sizeof call)
    ||  !s_text (event->body, "kind", kind, sizeof kind)
    ||  !s_text (event->body, "title", contact.title, sizeof contact.title)
    ||  !s_text (person, "email", contact.email, sizeof contact.email)) {
        s_skip (event, "no submission_id, call, kind, title or contact email");
        return 0;
    }
    s_text (person, "name", contact.name, sizeof contact.name);
    s_text (event->body, "category", category, sizeof category);
    s_copy (contact.call, sizeof contact.call, call);
    s_copy (contact.kind, sizeof contact.kind, kind);
    notify_submission_t submission = {
        .submission_id = id, .call = call, .kind = kind,
        .category = *category? category: NULL, .title = contact.title,
        .contact_name = contact.name, .contact_email = contact.email,
    };
    if (notify_store_submission_put (wsis_service_store (service), &submission))
        return -1;
    if (!received)
        return 0;
    char key [NOTIFY_KEY_MAX], steps [512];
    if (notify_key (key, "submission.received/%s", id))
        return 0;
    s_next_steps (service, call, kind, steps, sizeof steps);
    notify_vars_t vars = { .count = 0 };
    notify_vars_add (&vars, "kind", s_kind_text (kind));
    notify_vars_add (&vars, "next_steps", steps);
    return s_tell_contact (service, key, "submission_received", id, &contact, &vars);
}

static int
s_withdrawn (wsis_service_t *service, const wsis_event_t *event)
{
    char id [65];
    if (!s_text (event->body, "submission_id", id, sizeof id)) {
        s_skip (event, "no submission_id");
        return 0;
    }
    contact_t contact;
    int found = s_lookup (service, id, &contact);
    if (found < 0 || notify_store_submission_withdraw (wsis_service_store (service), id))
        return -1;
    if (!contact.found) {
        s_skip (event, "a submission this service never received");
        return 0;
    }
    char key [NOTIFY_KEY_MAX];
    if (notify_key (key, "submission.withdrawn/%s", id))
        return 0;
    notify_vars_t vars = { .count = 0 };
    notify_vars_add (&vars, "kind", s_kind_text (contact.kind));
    return s_tell_contact (service, key, "submission_withdrawn", id, &contact, &vars);
}

//  -------------------------------------------------------------------------
//  wsis-nominations and wsis-voting

static int
s_review (wsis_service_t *service, const wsis_event_t *event)
{
    char id [65], decision [16], reason [2001] = "";
    if (!s_text (event->body, "submission_id", id, sizeof id)
    ||  !s_text (event->body, "decision", decision, sizeof decision)) {
        s_skip (event, "no submission_id or decision");
        return 0;
    }
    s_text (event->body, "reason", reason, sizeof reason);
    return notify_store_review_put (wsis_service_store (service), id, decision,
                                    *reason? reason: NULL);
}

//  True when id is in one of the arrays of the map categories; *category
//  set to that category.
static bool
s_listed (const msgpack_object *categories, const char *id, char *category, size_t size)
{
    if (!categories || categories->type != MSGPACK_OBJECT_MAP)
        return false;
    for (uint32_t i = 0; i < categories->via.map.size; i++) {
        const msgpack_object *list = &categories->via.map.ptr [i].val;
        if (list->type != MSGPACK_OBJECT_ARRAY)
            continue;
        for (uint32_t j = 0; j < list->via.array.size; j++)
            if (wsis_msg_str_equals (&list->via.array.ptr [j], id)) {
                wsis_msg_copy_str (&categories->via.map.ptr [i].key, category, 0, size - 1);
                return true;
            }
    }
    return false;
}

typedef struct {
    wsis_service_t *service;
    const msgpack_object *categories;
    int rc;
} published_t;

//  Each submitter of the call: nominated, or not (with the staff's reason).
static int
s_nomination_result (const notify_submission_t *submission, void *arg)
{
    published_t *published = (published_t *) arg;
    contact_t contact;
    s_contact (submission, &contact);
    char category [16];
    bool nominated = s_listed (published->categories, submission->submission_id,
                               category, sizeof category);
    char reason [2001] = "";
    if (!nominated
    &&  notify_store_review_reason (wsis_service_store (published->service),
                                    submission->submission_id, reason, sizeof reason)) {
        published->rc = -1;
        return -1;
    }
    char key [NOTIFY_KEY_MAX];
    if (notify_key (key, "nominations.published/%s/%s", submission->call,
                    submission->submission_id))
        return 0;
    notify_vars_t vars = { .count = 0 };
    notify_vars_add (&vars, "category", nominated? category: contact.category);
    notify_vars_add (&vars, "result", nominated? "nominated": "not nominated");
    if (*reason)
        notify_vars_addf (&vars, "reason", "The reviewers gave this reason: %s", reason);
    published->rc = s_tell_contact (published->service, key, "nomination_result",
                                    submission->submission_id, &contact, &vars);
    return published->rc;
}

static int
s_published (wsis_service_t *service, const wsis_event_t *event)
{
    char call [65];
    if (!s_text (event->body, "call", call, sizeof call)) {
        s_skip (event, "no call");
        return 0;
    }
    published_t published = { service, wsis_msg_get (event->body, "categories"), 0 };
    //  Telling writes other tables than the one being read: SQLite lets
    //  one connection do that while the query steps.
    int rc = notify_store_submissions_of (wsis_service_store (service), call, "prize",
                                          s_nomination_result, &published);
    return rc < 0 || published.rc < 0? -1: 0;
}

//  The votes and rank of id in voting.closed's results {cat: [{...}]}.
static void
s_result_of (const msgpack_object *results, const char *category, const char *id,
             notify_vars_t *vars)
{
    const msgpack_object *list = wsis_msg_get (results, category);
    for (uint32_t i = 0; list && list->type == MSGPACK_OBJECT_ARRAY && i < list->via.array.size; i++) {
        const msgpack_object *entry = &list->via.array.ptr [i];
        if (!wsis_msg_str_equals (wsis_msg_get (entry, "submission_id"), id))
            continue;
        const msgpack_object *votes = wsis_msg_get (entry, "votes");
        const msgpack_object *rank = wsis_msg_get (entry, "rank");
        if (votes && votes->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            notify_vars_addf (vars, "votes", "%llu", (unsigned long long) votes->via.u64);
        if (rank && rank->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            notify_vars_addf (vars, "rank", "%llu", (unsigned long long) rank->via.u64);
        return;
    }
}

//  Each champion of each category, by voting.closed.
static int
s_voting_closed (wsis_service_t *service, const wsis_event_t *event)
{
    char call [65];
    const msgpack_object *champions = wsis_msg_get (event->body, "champions");
    if (!s_text (event->body, "call", call, sizeof call)
    ||  !champions || champions->type != MSGPACK_OBJECT_MAP) {
        s_skip (event, "no call or champions");
        return 0;
    }
    const msgpack_object *results = wsis_msg_get (event->body, "results");
    for (uint32_t i = 0; i < champions->via.map.size; i++) {
        char category [16];
        const msgpack_object *list = &champions->via.map.ptr [i].val;
        if (wsis_msg_copy_str (&champions->via.map.ptr [i].key, category, 1, sizeof category - 1)
        ||  list->type != MSGPACK_OBJECT_ARRAY)
            continue;
        for (uint32_t j = 0; j < list->via.array.size; j++) {
            char id [65];
            if (wsis_msg_copy_str (&list->via.array.ptr [j], id, 1, sizeof id - 1))
                continue;
            contact_t contact;
            if (s_lookup (service, id, &contact) < 0)
                return -1;
            if (!contact.found)
                continue;
            char key [NOTIFY_KEY_MAX];
            if (notify_key (key, "voting.closed/%s/%s", call, id))
                continue;
            notify_vars_t vars = { .count = 0 };
            notify_vars_add (&vars, "category", category);
            s_result_of (results, category, id, &vars);
            if (s_tell_contact (service, key, "champion", id, &contact, &vars))
                return -1;
        }
    }
    return 0;
}

//  The winner of a category: its contact, and the staff of the call.
static int
s_winner (wsis_service_t *service, const wsis_event_t *event)
{
    char call [65], category [16], id [65];
    if (!s_text (event->body, "call", call, sizeof call)
    ||  !s_text (event->body, "category", category, sizeof category)
    ||  !s_text (event->body, "winner", id, sizeof id)) {
        s_skip (event, "no call, category or winner");
        return 0;
    }
    contact_t contact;
    if (s_lookup (service, id, &contact) < 0)
        return -1;
    char key [NOTIFY_KEY_MAX];
    if (notify_key (key, "winners.selected/%s/%s", call, category))
        return 0;
    notify_vars_t vars = { .count = 0 };
    notify_vars_add (&vars, "submission_id", id);
    notify_vars_add (&vars, "title", contact.found? contact.title: id);
    notify_vars_add (&vars, "category", category);
    notify_vars_add (&vars, "contact_name", contact.name);
    notify_vars_add (&vars, "contact_email", contact.email);
    int rc = notify_create_for_staff (service, key, "winner_staff", call, &vars);
    notify_vars_release (&vars);
    if (rc < 0)
        return -1;
    if (!contact.found)
        return 0;
    notify_vars_add (&vars, "category", category);
    return s_tell_contact (service, key, "winner", id, &contact, &vars);
}

static int
s_photo_winners (wsis_service_t *service, const wsis_event_t *event)
{
    char call [65];
    const msgpack_object *winners = wsis_msg_get (event->body, "winners");
    if (!s_text (event->body, "call", call, sizeof call)
    ||  !winners || winners->type != MSGPACK_OBJECT_ARRAY) {
        s_skip (event, "no call or winners");
        return 0;
    }
    for (uint32_t i = 0; i < winners->via.array.size; i++) {
        char id [65];
        contact_t contact;
        if (wsis_msg_copy_str (&winners->via.array.ptr [i], id, 1, sizeof id - 1))
            continue;
        if (s_lookup (service, id, &contact) < 0)
            return -1;
        if (!contact.found)
            continue;
        char key [NOTIFY_KEY_MAX];
        if (notify_key (key, "photo.winners.selected/%s/%s", call, id))
            continue;
        notify_vars_t vars = { .count = 0 };
        notify_vars_addf (&vars, "rank", "%u", i + 1);
        if (s_tell_contact (service, key, "photo_winner", id, &contact, &vars))
            return -1;
    }
    return 0;
}

//  An acknowledgement of a nomination: HLTF to the nominator (nominated_by),
//  a Gender Trendsetter to the nominee (the form names no nominator).
static int
s_nominated (wsis_service_t *service, const wsis_event_t *event, bool hltf)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    const msgpack_object *nominee = wsis_msg_get (event->body, "nominee");
    const msgpack_object *to = hltf? wsis_msg_get (event->body, "nominated_by"): nominee;
    char id [65], call [65], nominee_name [401], name [401] = "", email [NOTIFY_EMAIL_MAX + 1];
    if (!s_text (event->body, "nomination_id", id, sizeof id)
    ||  !s_text (event->body, "call", call, sizeof call)
    ||  !s_text (nominee, "name", nominee_name, sizeof nominee_name)
    ||  !s_text (to, "email", email, sizeof email)) {
        s_skip (event, "no nomination_id, call, nominee name or email to acknowledge");
        return 0;
    }
    s_text (to, "name", name, sizeof name);
    char key [NOTIFY_KEY_MAX];
    if (notify_key (key, "%s/%s", event->type, id))
        return 0;
    notify_vars_t vars = { .count = 0 };
    notify_vars_add (&vars, "nomination_id", id);
    notify_vars_add (&vars, "nominee_name", nominee_name);
    notify_new_t item = {
        .key = key, .kind = hltf? "hltf_ack": "ambassador_ack", .call = call,
        .channel = self->people_channel, .recipient = email, .recipient_name = name,
    };
    int rc = notify_create (service, &item, &vars);
    notify_vars_release (&vars);
    return rc < 0? -1: 0;
}

int
notify_events_apply (wsis_service_t *service, const wsis_event_t *event)
{
    const char *type = event->type;
    bool submissions = streq (event->source, "submissions");
    bool nominations = streq (event->source, "nominations");
    if (submissions && streq (type, "submission.received"))
        return s_submission (service, event, true);
    if (submissions && streq (type, "submission.updated"))
        return s_submission (service, event, false);
    if (submissions && streq (type, "submission.withdrawn"))
        return s_withdrawn (service, event);
    if (nominations && streq (type, "review.decided"))
        return s_review (service, event);
    if (nominations && streq (type, "nominations.published"))
        return s_published (service, event);
    if (nominations && streq (type, "winners.selected"))
        return s_winner (service, event);
    if (nominations && streq (type, "photo.winners.selected"))
        return s_photo_winners (service, event);
    if (nominations && (streq (type, "hltf.nominated") || streq (type, "ambassador.nominated")))
        return s_nominated (service, event, streq (type, "hltf.nominated"));
    if (streq (event->source, "voting") && streq (type, "voting.closed"))
        return s_voting_closed (service, event);
    return 0;
}
