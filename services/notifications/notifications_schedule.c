/*  notifications_schedule: the moments of a calendar, the instants at which
    the calendar itself has something to say.

    For every phase of every call: it opens; for a phase that ends, a
    reminder at each offset before its end, then it closes. An OCP meeting
    is reminded before it starts instead, with the meeting offsets. The
    moments are computed afresh from the calendar and the staff file each
    time, never stored: what is stored is a notification per moment, under
    the moment's key, so the key must come out the same on every run and
    differ between any two moments:

        <call>/<phase>/opened               prizes-2022/voting/opened
        <call>/<phase>/reminder/<offset>    prizes-2022/voting/reminder/7d
        <call>/<phase>/closed               prizes-2022/voting/closed
        <call>/<phase>#<n>/meeting/<offset> ocp-2022/meeting#2/meeting/1h

    where #<n> marks the n-th phase of the same name from the second on
    (the first meeting keeps its plain name, so adding a later meeting to
    the calendar changes no key already made). Removing or moving one
    gives a key to other instants: notifications_renumber.c.
*/
#include "notifications.h"
#include "wsis_time.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_PER_HOUR (3600 * (int64_t) 1000)

//  At one instant: the phase that ends is told before the phase that
//  opens, so nobody reads "voting is open" while "nomination closed" is
//  still to come; reminders of other phases fall between
enum {
    S_RANK_CLOSED = 0,
    S_RANK_REMINDER = 1,
    S_RANK_OPENED = 2
};

typedef struct {
    notify_moment_t *moments;
    size_t size;
    size_t limit;
} s_moments_t;

//  By notify_moment_kind_t: the event published, the template mailed
static const struct {
    const char *event;
    const char *template_kind;
} s_moment_names [] = {
    [NOTIFY_MOMENT_OPENED]   = { "phase.opened",      "phase_opened" },
    [NOTIFY_MOMENT_REMINDER] = { "deadline.reminder", "deadline_reminder" },
    [NOTIFY_MOMENT_CLOSED]   = { "phase.closed",      "phase_closed" },
    [NOTIFY_MOMENT_MEETING]  = { "meeting.reminder",  "meeting_reminder" }
};
#define S_MOMENT_KINDS (sizeof (s_moment_names) / sizeof (s_moment_names [0]))

const char *
notify_moment_event (notify_moment_kind_t kind)
{
    return (size_t) kind < S_MOMENT_KINDS? s_moment_names [kind].event: NULL;
}

const char *
notify_moment_template (notify_moment_kind_t kind)
{
    return (size_t) kind < S_MOMENT_KINDS? s_moment_names [kind].template_kind: NULL;
}

//  Appends a moment of call->phases [index] whose key is prefix "/" what;
//  the caller sets what is particular to its kind
static notify_moment_t *
s_moment_add (s_moments_t *list, const wsis_call_t *call, size_t index,
              const char *prefix, const char *what)
{
    assert (list->size < list->limit);
    notify_moment_t *moment = &list->moments [list->size++];
    //  The calendar keeps ids and phase names to 64 characters, so a key
    //  is under 160: a longer one is a bug here
    int length = snprintf (moment->key, sizeof (moment->key), "%s/%s", prefix, what);
    assert (length > 0 && (size_t) length < sizeof (moment->key));
    moment->call = call;
    moment->phase = &call->phases [index];
    moment->phase_index = index;
    moment->expires = INT64_MAX;
    return moment;
}

//  The instant offset before at: days on the call's wall clock (a week
//  before 23:00 is 23:00, whatever daylight saving did in between), hours
//  as elapsed time (an hour before is sixty minutes before)
static int
s_before (const wsis_call_t *call, int64_t at, notify_offset_t offset, int64_t *due)
{
    if (offset.unit == 'd')
        return wsis_time_add_local_days (call->zone, at, -offset.amount, due);
    *due = at - offset.amount * MS_PER_HOUR;
    return 0;
}

//  A reminder (before the phase end) or a meeting reminder (before the
//  meeting start) for each offset; a reminder that would come before its
//  phase has even opened is left out (a phase shorter than the offset)
static int
s_reminders_add (s_moments_t *list, const wsis_call_t *call, size_t index,
                 const char *prefix, notify_moment_kind_t kind,
                 const notify_offset_t *offsets, size_t count)
{
    const wsis_phase_t *phase = &call->phases [index];
    bool meeting = kind == NOTIFY_MOMENT_MEETING;
    int64_t at = meeting? phase->start: phase->end;
    for (size_t i = 0; i < count; i++) {
        int64_t due;
        if (s_before (call, at, offsets [i], &due))
            return -1;
        if (!meeting && due < phase->start)
            continue;
        char what [32];
        char offset [16];
        notify_offset_format (&offsets [i], offset, sizeof (offset));
        snprintf (what, sizeof (what), "%s/%s", meeting? "meeting": "reminder", offset);
        notify_moment_t *moment = s_moment_add (list, call, index, prefix, what);
        moment->kind = kind;
        moment->due = due;
        //  Past the deadline, "7 days left" is worse than nothing
        moment->expires = at;
        moment->before = offsets [i];
        moment->rank = S_RANK_REMINDER;
    }
    return 0;
}

static int
s_call_add (s_moments_t *list, const wsis_call_t *call, notify_staff_t *staff)
{
    size_t before_count, meeting_count;
    const notify_offset_t *before = notify_staff_offsets (staff, call->kind, &before_count);
    const notify_offset_t *meetings = notify_staff_meeting_offsets (staff, call->kind,
                                                                    &meeting_count);
    for (size_t index = 0; index < call->phase_count; index++) {
        const wsis_phase_t *phase = &call->phases [index];
        size_t nth = 1;
        for (size_t i = 0; i < index; i++)
            nth += streq (call->phases [i].name, phase->name);
        char prefix [NOTIFY_KEY_MAX];
        if (nth == 1)
            snprintf (prefix, sizeof (prefix), "%s/%s", call->id, phase->name);
        else
            snprintf (prefix, sizeof (prefix), "%s/%s#%zu", call->id, phase->name, nth);

        notify_moment_t *opened = s_moment_add (list, call, index, prefix, "opened");
        opened->kind = NOTIFY_MOMENT_OPENED;
        opened->due = phase->start;
        opened->rank = S_RANK_OPENED;

        if (streq (phase->name, "meeting")
        &&  s_reminders_add (list, call, index, prefix, NOTIFY_MOMENT_MEETING,
                             meetings, meeting_count))
            return -1;
        //  Stocktaking and Trendsetters stay open: nothing to count down to
        if (phase->end == WSIS_PHASE_NO_END)
            continue;
        if (!streq (phase->name, "meeting")
        &&  s_reminders_add (list, call, index, prefix, NOTIFY_MOMENT_REMINDER,
                             before, before_count))
            return -1;
        notify_moment_t *closed = s_moment_add (list, call, index, prefix, "closed");
        closed->kind = NOTIFY_MOMENT_CLOSED;
        closed->due = phase->end;
        closed->rank = S_RANK_CLOSED;
    }
    return 0;
}

static int
s_moment_compare (const void *left, const void *right)
{
    const notify_moment_t *a = (const notify_moment_t *) left;
    const notify_moment_t *b = (const notify_moment_t *) right;
    if (a->due != b->due)
        return a->due < b->due? -1: 1;
    if (a->rank != b->rank)
        return a->rank < b->rank? -1: 1;
    return strcmp (a->key, b->key);
}

int
notify_schedule_each (wsis_calendar_t *calendar, notify_staff_t *staff,
                      notify_moment_fn *fn, void *arg)
{
    assert (calendar);
    assert (staff);
    assert (fn);
    //  Room for the most a call can have: per phase, opened, closed and
    //  every offset of the longer list
    s_moments_t list = { NULL, 0, 0 };
    for (size_t i = 0; i < wsis_calendar_size (calendar); i++) {
        const wsis_call_t *call = wsis_calendar_at (calendar, i);
        size_t before_count, meeting_count;
        notify_staff_offsets (staff, call->kind, &before_count);
        notify_staff_meeting_offsets (staff, call->kind, &meeting_count);
        size_t most = before_count > meeting_count? before_count: meeting_count;
        list.limit += call->phase_count * (2 + most);
    }
    //  Grows with the calendar: checked, not wsis_calloc
    list.moments = (notify_moment_t *) calloc (list.limit? list.limit: 1,
                                               sizeof (notify_moment_t));
    if (!list.moments)
        return -1;

    int rc = 0;
    for (size_t i = 0; rc == 0 && i < wsis_calendar_size (calendar); i++)
        rc = s_call_add (&list, wsis_calendar_at (calendar, i), staff);
    if (rc == 0)
        qsort (list.moments, list.size, sizeof (notify_moment_t), s_moment_compare);
    for (size_t i = 0; rc == 0 && i < list.size; i++)
        if (fn (&list.moments [i], arg))
            rc = -1;
    free (list.moments);
    return rc;
}
