/*  notifications_calendar: the reminder schedule, written into the store.

    At every start the moments of the calendar (notify_schedule_each) are
    matched against what the store already holds, so that a reload of
    calendar.cfg or staff.cfg changes future notifications only:
      - a moment's event and each of its mails are added once, by key;
      - one still scheduled whose moment moved is rescheduled, and so is
        one ready whose message was never handed to its channel (remade
        with its moment's new instants, it goes out once, saying them);
      - a key's row follows its key, but what is owed is told by the
        instants (notifications_renumber.c): a moment due already whose
        instants nothing owed (a meeting put before others while the
        service was down) is skipped, one whose instants a row owed under
        another key is sent late while its meeting or deadline is ahead;
      - one already made (sent, ready and handed over, skipped, failed)
        under a key that
        now stands for other instants (a meeting removed before it renumbers
        the later ones; a meeting moved keeps its keys) is left as it was,
        and the moment that holds the key now is a new one under the key of
        its instants (notifications_renumber.c: the keys' format stays what
        deployed stores hold): sent when due, late while its deadline or
        meeting is still ahead, skipped once that has passed, and not at all
        when it was made already under its former number;
      - one that was due before it was ever scheduled (a new staff member,
        a phase added in the past, the first start of a new installation)
        is recorded as skipped, never sent late;
      - one still owed whose moment is gone (a phase removed, a member
        who no longer follows the call) is deleted, whether it is due
        later, fell due while the service was down, or is ready with its
        message never handed over: it reached nobody, and is owed no more;
      - whatever was sent, skipped or failed is left as it was.
*/
#include "notifications.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <string.h>

//  Public phases: subscribers are reminded of the deadlines they can act on.
static bool
s_public_phase (const char *phase)
{
    return streq (phase, "submission") || streq (phase, "nomination") || streq (phase, "voting");
}

//  "7 days", "1 hour".
static void
s_before_text (const notify_offset_t *before, char *buffer, size_t size)
{
    snprintf (buffer, size, "%d %s%s", before->amount, before->unit == 'd'? "day": "hour",
              before->amount == 1? "": "s");
}

static void
s_utc (int64_t ms, char *buffer)
{
    wsis_time_format (ms, buffer);
}

//  The body of a moment's event: phase.opened {call, phase, start, end?},
//  phase.closed {call, phase, start, end}, deadline.reminder {call, phase,
//  due, before}; instants in UTC (RFC 3339).
static void
s_event_vars (const notify_moment_t *moment, notify_vars_t *vars)
{
    char instant [WSIS_TIME_BUFSIZE], before [8];
    notify_vars_add (vars, "call", moment->call->id);
    notify_vars_add (vars, "phase", moment->phase->name);
    if (moment->kind == NOTIFY_MOMENT_REMINDER) {
        s_utc (moment->phase->end, instant);
        notify_vars_add (vars, "due", instant);
        notify_offset_format (&moment->before, before, sizeof before);
        notify_vars_add (vars, "before", before);
        return;
    }
    s_utc (moment->phase->start, instant);
    notify_vars_add (vars, "start", instant);
    if (moment->phase->end != WSIS_PHASE_NO_END) {
        s_utc (moment->phase->end, instant);
        notify_vars_add (vars, "end", instant);
    }
}

//  The values of a moment's mail (local times in the call's zone).
static void
s_mail_vars (const notify_moment_t *moment, notify_vars_t *vars)
{
    const char *zone = moment->call->zone;
    char text [WSIS_TIME_ZONED_BUFSIZE];
    notify_vars_add (vars, "phase", moment->phase->name);
    wsis_time_format_zoned (zone, moment->phase->start, text, sizeof text);
    notify_vars_add (vars, "start", text);
    if (moment->phase->end != WSIS_PHASE_NO_END)
        wsis_time_format_zoned (zone, moment->phase->end, text, sizeof text);
    else
        snprintf (text, sizeof text, "no closing date");
    notify_vars_add (vars, moment->kind == NOTIFY_MOMENT_REMINDER? "deadline": "end", text);
    if (moment->kind == NOTIFY_MOMENT_REMINDER || moment->kind == NOTIFY_MOMENT_MEETING) {
        s_before_text (&moment->before, text, sizeof text);
        notify_vars_add (vars, "before", text);
    }
    if (moment->kind == NOTIFY_MOMENT_MEETING) {
        //  A meeting's reminder speaks of its start and end, not a deadline.
        wsis_time_format_zoned (zone, moment->phase->end, text, sizeof text);
        notify_vars_add (vars, "end", text);
    }
}

typedef struct {
    wsis_service_t *service;
    int64_t now;
    zhashx_t *keys;             //  every key the schedule has now
    zlistx_t *gone;             //  rows still owed whose moment is gone
    zhashx_t *owed;             //  moments owed before this start (by instants)
    zhashx_t *present;          //  moments the calendar has now (by instants)
    const notify_subscription_t *only;  //  notify_calendar_subscribe: this one
    int failed;
} sync_t;

//  Whether the row under a key was made for item's instants.
static bool
s_same_instants (const notify_state_t *existing, const notify_new_t *item)
{
    return existing->due == item->due
        && existing->expires == (item->expires? item->expires: INT64_MAX);
}

//  Whether the row under a key can still take its moment's new instants:
//  nothing of it went out.
static bool
s_movable (const notify_state_t *existing)
{
    return existing->scheduled || existing->unhanded;
}

//  Adds item unless its key is there; moves it when it is still scheduled
//  (or ready, never handed over) and its moment moved, skipped when what
//  the key stands for now is a moment due already that nothing owed. A
//  key already made for other instants (its phase renumbered or moved:
//  notifications_renumber.c) leaves that row alone and puts item under
//  the key of its own instants, sent late until `until` if it is due
//  already, unless it was made under its old number.
static void
s_put (sync_t *sync, const notify_new_t *item, const notify_vars_t *vars, int64_t until)
{
    wsis_store_t *store = wsis_service_store (sync->service);
    notify_new_t fresh = *item;
    char key [NOTIFY_KEY_MAX];
    notify_state_t existing;
    int found = notify_store_state (store, item->key, &existing);
    if (found == 1 && !s_movable (&existing) && !s_same_instants (&existing, item)) {
        if (notify_renumber_key (item, key))
            return;
        fresh.key = key;
        fresh.catch_up_until = until;
        found = notify_store_state (store, key, &existing);
    }
    if (sync->keys)
        zhashx_update (sync->keys, fresh.key, (void *) 1);
    if (found < 0) {
        sync->failed = -1;
        return;
    }
    bool past = item->due <= sync->now;
    if (!found) {
        int made = past? notify_renumber_made (store, &fresh): 0;
        //  Owed under another number: late rather than skipped
        if (past && !fresh.catch_up_until && notify_renumber_was_owed (sync->owed, item))
            fresh.catch_up_until = until;
        if (made < 0 || (made == 0 && notify_create (sync->service, &fresh, vars) < 0))
            sync->failed = -1;
        return;
    }
    int64_t expires = item->expires? item->expires: INT64_MAX;
    if (!s_movable (&existing)) {
        if (!s_same_instants (&existing, item))
            wsis_log_warning ("schedule: %s was made for other instants; left as it is",
                              fresh.key);
        return;
    }
    if (existing.due == item->due && existing.expires == expires && existing.rank == item->rank)
        return;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    notify_vars_pack (vars, &pk);
    notify_row_t row = {
        .key = fresh.key, .due = item->due, .expires = expires, .rank = item->rank,
        .vars = buffer.data, .vars_size = buffer.size
    };
    //  The row was owed for another moment the calendar still has: what
    //  its key stands for now is new, and not sent when due already
    bool anew = past && notify_renumber_elsewhere (sync->present, item, existing.due,
                                                   existing.expires)
             && !notify_renumber_was_owed (sync->owed, item);
    if (notify_store_reschedule (store, &row)
    ||  (anew && notify_store_set_status (store, fresh.key, "skipped", -1, 0,
                                          "due before it was scheduled")))
        sync->failed = -1;
    msgpack_sbuffer_destroy (&buffer);
    notifications_t *self = (notifications_t *) wsis_service_state (sync->service);
    if (item->due < self->next_due)
        self->next_due = item->due;
}

//  Until when a moment is worth telling late: a reminder until its
//  deadline or meeting, a phase's start or end until the phase ends.
static int64_t
s_until (const notify_moment_t *moment)
{
    return moment->expires != INT64_MAX? moment->expires: moment->phase->end;
}

//  The moment's template mail to one recipient, with the moment's values
//  (the same for every recipient: built once per moment).
static void
s_put_mail (sync_t *sync, const notify_moment_t *moment, const notify_vars_t *vars,
            const char *kind, const char *key, notify_channel_t channel,
            const char *recipient, const char *name, const char *token)
{
    notify_new_t item = {
        .key = key, .kind = kind, .call = moment->call->id, .phase = moment->phase->name,
        .moment = moment->key, .due = moment->due,
        .expires = moment->expires == INT64_MAX? 0: moment->expires, .rank = moment->rank,
        .channel = channel, .recipient = recipient, .recipient_name = name,
        .unsubscribe_token = token, .skip_past = true,
    };
    s_put (sync, &item, vars, s_until (moment));
}

//  Whether a subscription covers the call: "" is every call.
static bool
s_subscribed (const notify_subscription_t *subscription, const char *call)
{
    if (!*subscription->calls)
        return true;
    size_t len = strlen (call);
    for (const char *word = subscription->calls; *word; ) {
        const char *end = strchr (word, ' ');
        size_t word_len = end? (size_t) (end - word): strlen (word);
        if (word_len == len && memcmp (word, call, len) == 0)
            return true;
        word += word_len;
        while (*word == ' ')
            word++;
    }
    return false;
}

typedef struct {
    sync_t *sync;
    const notify_moment_t *moment;
} subscriber_arg_t;

static int
s_subscriber_mail (const notify_subscription_t *subscription, void *arg)
{
    subscriber_arg_t *pair = (subscriber_arg_t *) arg;
    const notify_moment_t *moment = pair->moment;
    if (!s_subscribed (subscription, moment->call->id))
        return 0;
    notifications_t *self = (notifications_t *) wsis_service_state (pair->sync->service);
    char key [NOTIFY_KEY_MAX];
    if (notify_key (key, "%s/subscriber/%s", moment->key, subscription->email))
        return 0;
    notify_vars_t vars = { .count = 0 };
    s_mail_vars (moment, &vars);
    notify_vars_addf (&vars, "unsubscribe_url", "%s%s", self->unsubscribe_url, subscription->token);
    s_put_mail (pair->sync, moment, &vars, "subscriber_reminder", key, self->people_channel,
                subscription->email, "", subscription->token);
    notify_vars_release (&vars);
    return 0;
}

//  Subscribers hear of the deadlines of public phases, a day or more
//  ahead: an hour's notice is for the staff who run the call.
static bool
s_for_subscribers (const notify_moment_t *moment)
{
    return moment->kind == NOTIFY_MOMENT_REMINDER && moment->before.unit == 'd'
        && s_public_phase (moment->phase->name);
}

static int
s_moment (const notify_moment_t *moment, void *arg)
{
    sync_t *sync = (sync_t *) arg;
    notifications_t *self = (notifications_t *) wsis_service_state (sync->service);
    if (sync->only) {
        //  One new subscriber: future reminders only.
        if (s_for_subscribers (moment) && moment->due > sync->now) {
            subscriber_arg_t pair = { sync, moment };
            s_subscriber_mail (sync->only, &pair);
        }
        return sync->failed;
    }
    if (moment->kind != NOTIFY_MOMENT_MEETING) {
        notify_vars_t body = { .count = 0 };
        s_event_vars (moment, &body);
        notify_new_t item = {
            .key = moment->key, .kind = notify_moment_event (moment->kind),
            .call = moment->call->id, .phase = moment->phase->name, .moment = moment->key,
            .due = moment->due, .expires = moment->expires == INT64_MAX? 0: moment->expires,
            .rank = moment->rank, .event = true, .skip_past = true,
        };
        s_put (sync, &item, &body, s_until (moment));
        notify_vars_release (&body);
    }
    const char *kind = notify_moment_template (moment->kind);
    notify_vars_t vars = { .count = 0 };
    s_mail_vars (moment, &vars);
    for (size_t i = 0; i < notify_staff_size (self->staff); i++) {
        const notify_staff_member_t *member = notify_staff_at (self->staff, i);
        if (!notify_staff_follows (member, moment->call))
            continue;
        char key [NOTIFY_KEY_MAX];
        if (notify_key (key, "%s/staff/%s", moment->key, member->email))
            continue;
        s_put_mail (sync, moment, &vars, kind, key, member->channel, member->email, member->name,
                    NULL);
    }
    notify_vars_release (&vars);
    if (s_for_subscribers (moment)) {
        subscriber_arg_t pair = { sync, moment };
        if (notify_store_subscriptions_active (wsis_service_store (sync->service),
                                               s_subscriber_mail, &pair) < 0)
            sync->failed = -1;
    }
    return sync->failed;
}

static void *
s_duplicate (const void *key)
{
    return wsis_strdup ((const char *) key);
}

//  A row still owed (scheduled, or ready and never handed over) whose
//  moment the schedule no longer has.
static int
s_sweep (const notify_row_t *row, void *arg)
{
    sync_t *sync = (sync_t *) arg;
    if (!zhashx_lookup (sync->keys, row->key))
        zlistx_add_end (sync->gone, (void *) row->key);
    return 0;
}

static int
s_present (const notify_moment_t *moment, void *arg)
{
    notify_renumber_present ((zhashx_t *) arg, moment);
    return 0;
}

static int
s_sync (wsis_service_t *service, void *arg)
{
    sync_t sync = { .service = service, .now = wsis_service_now (service) };
    notify_staff_t *staff = ((notifications_t *) wsis_service_state (service))->staff;
    sync.keys = zhashx_new ();
    sync.present = zhashx_new ();
    sync.owed = notify_renumber_owed (wsis_service_store (service));
    int rc = sync.owed? 0: -1;
    if (rc == 0)
        rc = notify_schedule_each (wsis_service_calendar (service), staff, s_present,
                                   sync.present);
    if (rc == 0)
        rc = notify_schedule_each (wsis_service_calendar (service), staff, s_moment, &sync);
    //  Gone from the schedule: collected first, deleted after the query.
    zlistx_t *gone = sync.gone = zlistx_new ();
    zlistx_set_duplicator (gone, s_duplicate);
    zlistx_set_destructor (gone, (zlistx_destructor_fn *) zstr_free);
    if (rc == 0 && sync.failed == 0
    &&  notify_store_owed_moments (wsis_service_store (service), s_sweep, &sync) < 0)
        rc = -1;
    size_t deleted = 0;
    for (const char *key = (const char *) zlistx_first (gone); key && rc == 0;
         key = (const char *) zlistx_next (gone)) {
        rc = notify_store_delete (wsis_service_store (service), key);
        deleted++;
    }
    if (rc == 0 && deleted)
        wsis_log_info ("schedule: %zu notifications not sent yet are no longer in it", deleted);
    zlistx_destroy (&gone);
    zhashx_destroy (&sync.keys);
    zhashx_destroy (&sync.present);
    zhashx_destroy (&sync.owed);
    return rc || sync.failed? -1: 0;
}

int
notify_calendar_sync (wsis_service_t *service)
{
    return wsis_service_transact (service, s_sync, NULL);
}

int
notify_calendar_subscribe (wsis_service_t *service, const notify_subscription_t *subscription)
{
    sync_t sync = {
        .service = service, .now = wsis_service_now (service), .only = subscription
    };
    int rc = notify_schedule_each (wsis_service_calendar (service),
                                   ((notifications_t *) wsis_service_state (service))->staff,
                                   s_moment, &sync);
    return rc || sync.failed? -1: 0;
}
