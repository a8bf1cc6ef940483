/*  reporting_events: the read models, kept as events arrive.

    Each event updates the tables it concerns inside the batch that
    advances the cursor, so the models and the position commit together
    and a report never sees half an event. An event counts only from its
    true source; of the bus journal only the external types this service
    reads (docs/protocol.md section 12: forum.speaker.registered). A forged
    or misrouted one (a vote.cast journalled through the bus, a
    submission.received from nominations) is counted in sys.stats as
    ignored, never in a report.
*/
#include "reporting.h"
#include "wsis_log.h"

#include <stdlib.h>
#include <string.h>

//  A str field as a NUL-terminated copy in buffer, or NULL (absent, not a
//  str, or too long for buffer).
static const char *
s_str (const msgpack_object *map, const char *key, char *buffer, size_t size)
{
    const msgpack_object *value = wsis_msg_get (map, key);
    if (!value || value->type != MSGPACK_OBJECT_STR
    ||  wsis_msg_copy_str (value, buffer, 0, size - 1))
        return NULL;
    return buffer;
}

static bool
s_bool (const msgpack_object *map, const char *key)
{
    return wsis_msg_true (wsis_msg_get (map, key));
}

static int64_t
s_int (const msgpack_object *value, int64_t fallback)
{
    if (value && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return (int64_t) value->via.u64;
    if (value && value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return value->via.i64;
    return fallback;
}

//  -------------------------------------------------------------------------
//  wsis-submissions

//  The text fields of a record, sized for what the submissions service
//  accepts (long texts are 10,000 characters, up to 4 bytes each).
typedef struct {
    char id [65], call [65], kind [17], stakeholder [65], category [16], entity [1201];
    char type [33], region [33], country [3], title [1201], gender [17], request [33];
    char description [40001], impact [40001], sdgs [64];
    char name [801], organization [1201], sector [65], expertise [40001], links [10300];
} record_t;

//  The SDGs of a record as "4 9", each also stored as a row.
static int
s_sdgs (wsis_store_t *store, const msgpack_object *body, record_t *r)
{
    const msgpack_object *sdgs = wsis_msg_get (body, "sdgs");
    size_t used = 0;
    r->sdgs [0] = 0;
    for (uint32_t i = 0; sdgs && sdgs->type == MSGPACK_OBJECT_ARRAY && i < sdgs->via.array.size; i++) {
        int64_t sdg = s_int (&sdgs->via.array.ptr [i], 0);
        if (!wsis_valid_sdg (sdg))
            continue;
        used += (size_t) snprintf (r->sdgs + used, sizeof r->sdgs - used, "%s%lld",
                                   used? " ": "", (long long) sdg);
        if (used >= sizeof r->sdgs || report_store_submission_sdg (store, r->id, sdg))
            return -1;
    }
    return 0;
}

//  The Action Lines of a record: a prize project's one category, the
//  action_lines of a stocktaking entry or an OCP input.
static int
s_categories (wsis_store_t *store, const msgpack_object *body, record_t *r)
{
    if (*r->category && wsis_valid_category (r->category, strlen (r->category)) >= 0)
        return report_store_submission_category (store, r->id, r->category);
    const msgpack_object *lines = wsis_msg_get (body, "action_lines");
    for (uint32_t i = 0; lines && lines->type == MSGPACK_OBJECT_ARRAY && i < lines->via.array.size; i++) {
        char category [16];
        if (wsis_msg_copy_str (&lines->via.array.ptr [i], category, 1, sizeof category - 1) == 0
        &&  wsis_valid_category (category, strlen (category)) >= 0
        &&  report_store_submission_category (store, r->id, category))
            return -1;
    }
    return 0;
}

static int
s_ocp_speakers (wsis_store_t *store, const msgpack_object *body, const record_t *r)
{
    const msgpack_object *speakers = wsis_msg_get (body, "speakers");
    for (uint32_t i = 0; speakers && speakers->type == MSGPACK_OBJECT_ARRAY
                         && i < speakers->via.array.size; i++) {
        char name [801], gender [17];
        const msgpack_object *speaker = &speakers->via.array.ptr [i];
        if (s_str (speaker, "name", name, sizeof name)
        &&  report_store_ocp_speaker (store, r->id, i, name, s_str (speaker, "gender", gender,
                                                                    sizeof gender)))
            return -1;
    }
    return 0;
}

//  A profile of the Repository of Women in Tech: its links one per line.
static int
s_profile (wsis_store_t *store, const msgpack_object *body, record_t *r)
{
    const msgpack_object *links = wsis_msg_get (body, "links");
    size_t used = 0;
    r->links [0] = 0;
    for (uint32_t i = 0; links && links->type == MSGPACK_OBJECT_ARRAY && i < links->via.array.size; i++) {
        char link [2001];
        if (wsis_msg_copy_str (&links->via.array.ptr [i], link, 1, sizeof link - 1) == 0)
            used += (size_t) snprintf (r->links + used, sizeof r->links - used, "%s%s",
                                       used? "\n": "", link);
        if (used >= sizeof r->links)
            break;
    }
    return report_store_profile_put (store, r->id, r->call,
                                     s_str (body, "name", r->name, sizeof r->name)? r->name: "",
                                     s_str (body, "organization", r->organization, sizeof r->organization),
                                     s_str (body, "sector", r->sector, sizeof r->sector),
                                     s_str (body, "region", r->region, sizeof r->region),
                                     s_str (body, "country", r->country, sizeof r->country),
                                     s_str (body, "expertise", r->expertise, sizeof r->expertise),
                                     r->links);
}

static int
s_submission (wsis_service_t *service, const wsis_event_t *event)
{
    wsis_store_t *store = wsis_service_store (service);
    const msgpack_object *body = event->body;
    record_t *r = (record_t *) zmalloc (sizeof (record_t));
    int rc = 0;
    if (!s_str (body, "submission_id", r->id, sizeof r->id)
    ||  !s_str (body, "call", r->call, sizeof r->call)
    ||  !s_str (body, "kind", r->kind, sizeof r->kind)) {
        rc = wsis_service_ignore (service, event, "no submission_id, call or kind");
        free (r);
        return rc;
    }
    //  A profile withdrawn stays forgotten, whatever comes about it after.
    rc = report_store_person_forgotten (wsis_service_store (service), r->id);
    if (rc) {
        free (r);
        return rc < 0? -1: 0;
    }
    const msgpack_object *contact = wsis_msg_get (body, "contact");
    bool prize = streq (r->kind, "prize");
    report_submission_t submission = {
        .submission_id = r->id, .call = r->call, .kind = r->kind,
        .stakeholder_id = s_str (body, "stakeholder_id", r->stakeholder, sizeof r->stakeholder),
        .category = s_str (body, "category", r->category, sizeof r->category),
        .entity = s_str (body, "entity", r->entity, sizeof r->entity),
        .stakeholder_type = s_str (body, "stakeholder_type", r->type, sizeof r->type),
        .region = s_str (body, "region", r->region, sizeof r->region),
        .country = s_str (body, "country", r->country, sizeof r->country),
        .title = s_str (body, "title", r->title, sizeof r->title),
        .description = s_str (body, prize? "short_description":
                              wsis_msg_get (body, "description")? "description": "caption",
                              r->description, sizeof r->description),
        .impact = s_str (body, "impact", r->impact, sizeof r->impact),
        .request = s_str (body, "request", r->request, sizeof r->request),
        .contact_gender = s_str (contact, "gender", r->gender, sizeof r->gender),
        .sdgs = r->sdgs,
        .received_seq = (int64_t) event->seq,
    };
    if (!submission.title)
        submission.title = s_str (body, "name", r->title, sizeof r->title);
    //  The matrix and the summary forget the record as it was and count
    //  it as it is.
    if (report_store_matrix_count (store, r->id, -1)
    ||  report_store_summary_count (store, r->id, -1)
    ||  report_store_submission_links_clear (store, r->id)
    ||  s_sdgs (store, body, r)
    ||  s_categories (store, body, r)
    ||  report_store_submission_put (store, &submission)
    ||  report_store_matrix_count (store, r->id, 1)
    ||  report_store_summary_count (store, r->id, 1)
    ||  (streq (r->kind, "ocp") && s_ocp_speakers (store, body, r))
    ||  (streq (r->kind, "repository") && s_profile (store, body, r)))
        rc = -1;
    free (r);
    return rc;
}

static int
s_withdrawn (wsis_service_t *service, const wsis_event_t *event)
{
    char id [65];
    if (!s_str (event->body, "submission_id", id, sizeof id))
        return wsis_service_ignore (service, event, "no submission_id");
    wsis_store_t *store = wsis_service_store (service);
    //  Withdrawing a profile withdraws the consent to be listed: it goes.
    //  Nothing of the person stays in any report or export.
    if (report_store_submission_withdraw (store, id) || report_store_person_forget (store, id))
        return -1;
    return 0;
}

static int
s_stakeholder (wsis_service_t *service, const wsis_event_t *event)
{
    char id [65], type [33], region [33], country [3], gender [17];
    if (!s_str (event->body, "stakeholder_id", id, sizeof id))
        return wsis_service_ignore (service, event, "no stakeholder_id");
    return report_store_stakeholder_put (wsis_service_store (service), id,
                                         s_str (event->body, "type", type, sizeof type),
                                         s_str (event->body, "region", region, sizeof region),
                                         s_str (event->body, "country", country, sizeof country),
                                         s_str (event->body, "gender", gender, sizeof gender));
}

//  -------------------------------------------------------------------------
//  wsis-nominations

//  The ids of a {category: [id, ...]} map, with their category and place.
typedef int (s_listed_fn) (wsis_store_t *store, const char *call, const char *category,
                           const char *id, int64_t position);

static int
s_each_listed (wsis_store_t *store, const char *call, const msgpack_object *map, s_listed_fn *fn)
{
    for (uint32_t i = 0; map && map->type == MSGPACK_OBJECT_MAP && i < map->via.map.size; i++) {
        char category [16];
        const msgpack_object *list = &map->via.map.ptr [i].val;
        if (wsis_msg_copy_str (&map->via.map.ptr [i].key, category, 1, sizeof category - 1)
        ||  list->type != MSGPACK_OBJECT_ARRAY)
            continue;
        for (uint32_t j = 0; j < list->via.array.size; j++) {
            char id [65];
            if (wsis_msg_copy_str (&list->via.array.ptr [j], id, 1, sizeof id - 1) == 0
            &&  fn (store, call, category, id, j + 1))
                return -1;
        }
    }
    return 0;
}

static int
s_published (wsis_service_t *service, const wsis_event_t *event)
{
    char call [65];
    if (!s_str (event->body, "call", call, sizeof call))
        return wsis_service_ignore (service, event, "no call");
    wsis_store_t *store = wsis_service_store (service);
    if (report_store_nominated_clear (store, call))
        return -1;
    return s_each_listed (store, call, wsis_msg_get (event->body, "categories"),
                          report_store_nominated_put);
}

static int
s_winner (wsis_service_t *service, const wsis_event_t *event)
{
    char call [65], category [16], winner [65];
    if (!s_str (event->body, "call", call, sizeof call)
    ||  !s_str (event->body, "category", category, sizeof category)
    ||  !s_str (event->body, "winner", winner, sizeof winner))
        return wsis_service_ignore (service, event, "no call, category or winner");
    const msgpack_object *mean = wsis_msg_get (wsis_msg_get (event->body, "scores"), winner);
    bool has_mean = mean && (mean->type == MSGPACK_OBJECT_FLOAT64 || mean->type == MSGPACK_OBJECT_FLOAT32
                          || mean->type == MSGPACK_OBJECT_POSITIVE_INTEGER);
    double value = !has_mean? 0:
        mean->type == MSGPACK_OBJECT_POSITIVE_INTEGER? (double) mean->via.u64: mean->via.f64;
    return report_store_winner_put (wsis_service_store (service), call, category, winner, value,
                                    has_mean, s_bool (event->body, "tie"));
}

static int
s_photo_winners (wsis_service_t *service, const wsis_event_t *event)
{
    char call [65];
    const msgpack_object *winners = wsis_msg_get (event->body, "winners");
    if (!s_str (event->body, "call", call, sizeof call)
    ||  !winners || winners->type != MSGPACK_OBJECT_ARRAY)
        return wsis_service_ignore (service, event, "no call or winners");
    wsis_store_t *store = wsis_service_store (service);
    if (report_store_photo_winners_clear (store, call))
        return -1;
    for (uint32_t i = 0; i < winners->via.array.size; i++) {
        char id [65];
        if (wsis_msg_copy_str (&winners->via.array.ptr [i], id, 1, sizeof id - 1) == 0
        &&  report_store_photo_winner_put (store, call, id, i + 1))
            return -1;
    }
    return 0;
}

static int
s_nominee (wsis_service_t *service, const wsis_event_t *event, const char *kind)
{
    char id [65], call [65], type [33], gender [17];
    if (!s_str (event->body, "nomination_id", id, sizeof id)
    ||  !s_str (event->body, "call", call, sizeof call))
        return wsis_service_ignore (service, event, "no nomination_id or call");
    const msgpack_object *nominee = wsis_msg_get (event->body, "nominee");
    return report_store_nominee_put (wsis_service_store (service), id, call, kind,
                                     s_str (event->body, "stakeholder_type", type, sizeof type),
                                     s_str (nominee, "gender", gender, sizeof gender));
}

//  -------------------------------------------------------------------------
//  wsis-voting

static int
s_vote (wsis_service_t *service, const wsis_event_t *event)
{
    char call [65], category [16], id [65];
    if (!s_str (event->body, "call", call, sizeof call)
    ||  !s_str (event->body, "category", category, sizeof category)
    ||  !s_str (event->body, "submission_id", id, sizeof id))
        return wsis_service_ignore (service, event, "no call, category or submission_id");
    return report_store_vote (wsis_service_store (service), call, category, id,
                              s_bool (event->body, "new_voter"));
}

//  voting.closed: the final counts replace the running ones.
static int
s_closed (wsis_service_t *service, const wsis_event_t *event)
{
    char call [65];
    if (!s_str (event->body, "call", call, sizeof call))
        return wsis_service_ignore (service, event, "no call");
    wsis_store_t *store = wsis_service_store (service);
    if (report_store_poll_closed (store, call, s_int (wsis_msg_get (event->body, "votes"), 0),
                                  s_int (wsis_msg_get (event->body, "voters"), 0))
    ||  report_store_champions_clear (store, call))
        return -1;
    const msgpack_object *results = wsis_msg_get (event->body, "results");
    const msgpack_object *champions = wsis_msg_get (event->body, "champions");
    for (uint32_t i = 0; results && results->type == MSGPACK_OBJECT_MAP && i < results->via.map.size; i++) {
        char category [16];
        const msgpack_object *list = &results->via.map.ptr [i].val;
        if (wsis_msg_copy_str (&results->via.map.ptr [i].key, category, 1, sizeof category - 1)
        ||  list->type != MSGPACK_OBJECT_ARRAY)
            continue;
        const msgpack_object *chosen = wsis_msg_get (champions, category);
        for (uint32_t j = 0; j < list->via.array.size; j++) {
            const msgpack_object *entry = &list->via.array.ptr [j];
            char id [65];
            if (!s_str (entry, "submission_id", id, sizeof id))
                continue;
            int64_t votes = s_int (wsis_msg_get (entry, "votes"), 0);
            int64_t rank = s_int (wsis_msg_get (entry, "rank"), 0);
            bool champion = false;
            for (uint32_t k = 0; chosen && chosen->type == MSGPACK_OBJECT_ARRAY
                                 && k < chosen->via.array.size; k++)
                champion = champion || wsis_msg_str_equals (&chosen->via.array.ptr [k], id);
            if (report_store_project_votes_set (store, call, category, id, votes)
            ||  (champion && report_store_champion_put (store, call, category, id, rank, votes)))
                return -1;
        }
    }
    return 0;
}

//  -------------------------------------------------------------------------
//  Other systems, through the bus journal

static int
s_speaker (wsis_service_t *service, const wsis_event_t *event)
{
    const msgpack_object *body = event->body;
    char session [129], title [1201], track [129], name [801], gender [17], role [129], org [1201];
    if (!s_str (body, "session_id", session, sizeof session) || !s_str (body, "name", name, sizeof name))
        return wsis_service_ignore (service, event, "no session_id or name");
    const char *given = s_str (body, "gender", gender, sizeof gender);
    if (given && !wsis_valid_gender (given, strlen (given)))
        given = NULL;
    return report_store_speaker_put (wsis_service_store (service), (int64_t) event->seq, session,
                                     s_str (body, "session_title", title, sizeof title),
                                     s_str (body, "track", track, sizeof track), name, given,
                                     s_str (body, "role", role, sizeof role),
                                     s_str (body, "organization", org, sizeof org));
}

int
reporting_events_apply (wsis_service_t *service, const wsis_event_t *event)
{
    const char *type = event->type;
    const char *source = event->source;
    if (streq (source, "submissions")) {
        if (streq (type, "submission.received") || streq (type, "submission.updated"))
            return s_submission (service, event);
        if (streq (type, "submission.withdrawn"))
            return s_withdrawn (service, event);
        if (streq (type, "stakeholder.registered"))
            return s_stakeholder (service, event);
    }
    else
    if (streq (source, "nominations")) {
        if (streq (type, "nominations.published"))
            return s_published (service, event);
        if (streq (type, "winners.selected"))
            return s_winner (service, event);
        if (streq (type, "photo.winners.selected"))
            return s_photo_winners (service, event);
        if (streq (type, "hltf.nominated"))
            return s_nominee (service, event, "hltf");
        if (streq (type, "ambassador.nominated"))
            return s_nominee (service, event, "ambassador");
        if (streq (type, "review.decided") || streq (type, "expert.registered"))
            return 0;           //  of no concern to a report
    }
    else
    if (streq (source, "voting")) {
        if (streq (type, "vote.cast"))
            return s_vote (service, event);
        if (streq (type, "voting.closed"))
            return s_closed (service, event);
    }
    else
    if (streq (source, "bus") && streq (type, "forum.speaker.registered"))
        return s_speaker (service, event);
    else
    if (streq (source, "notifications"))
        return 0;               //  reminders and deliveries are not reported
    return wsis_service_ignore (service, event, "not an event of this source that reports read");
}
