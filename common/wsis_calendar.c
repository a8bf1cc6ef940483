/*  wsis_calendar: the calls of a WSIS Forum edition, read from ZPL.

    The file is checked as a whole before any service runs on it: a typo
    in a deadline would otherwise open or close a call at the wrong hour,
    silently. So every unknown key is an error, every time must parse in
    its call's zone, every phase name must be one the services know, each
    kind must have the phases it runs through (a prize call without
    voting would answer every vote "not a call of the calendar") and no
    other, and a call's phases must follow each other without overlap.
    The first fault is reported on one line naming the file, the call and
    the field or phase.

    The zconfig tree is dropped once read: every string is copied into the
    calendar, which owns it until wsis_calendar_destroy.
*/
#include "wsis_calendar.h"
#include "wsis_alloc.h"
#include "wsis_time.h"
#include "wsis_suggest.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ID_MAX          64
#define WINNERS_MAX     1000

struct _wsis_calendar_t {
    //  The strings and phase arrays behind these are ours; they are const
    //  only towards callers
    wsis_call_t *calls;
    size_t size;
};

//  What a call takes, which decides the service and the form that read
//  it: submissions (prize, ocp, photo, stocktaking, and repository, the
//  profiles of the Repository of Women in Tech) or nominations (hltf,
//  ambassador).
static const char *const s_kinds [] = {
    "prize", "ocp", "photo", "hltf", "stocktaking", "ambassador", "repository", NULL
};

//  The phases the services know, in the order a call runs through them
//  (docs/protocol.md section 7); meetings (OCP) stand outside that order.
static const char *const s_phase_names [] = {
    "submission", "nomination", "voting", "selection", "announcement", "meeting", NULL
};
#define PHASE_MEETING 5

//  What each kind needs and may have, as bits of s_phase_names. A phase a
//  kind lacks would leave its requests answered as if the call did not
//  take them; a phase it cannot use would be dead configuration that
//  looks live (reminders for it would still be sent).
#define PHASE_BIT(index) (1u << (index))
#define SUBMISSION      PHASE_BIT (0)
#define NOMINATION      PHASE_BIT (1)
#define VOTING          PHASE_BIT (2)
#define SELECTION       PHASE_BIT (3)
#define ANNOUNCEMENT    PHASE_BIT (4)
#define MEETING         PHASE_BIT (PHASE_MEETING)

static const struct {
    const char *kind;
    unsigned required;
    unsigned allowed;
} s_kind_phases [] = {
    //  WSIS Prizes: the five phases of the contest
    { "prize", SUBMISSION | NOMINATION | VOTING | SELECTION | ANNOUNCEMENT,
               SUBMISSION | NOMINATION | VOTING | SELECTION | ANNOUNCEMENT },
    //  Open Consultation: inputs, and the meetings that discuss them
    { "ocp", SUBMISSION, SUBMISSION | MEETING },
    //  Photo Contest: entries, then staff select the winners
    { "photo", SUBMISSION | SELECTION, SUBMISSION | SELECTION },
    { "hltf", NOMINATION, NOMINATION },
    { "stocktaking", SUBMISSION, SUBMISSION },
    { "ambassador", NOMINATION, NOMINATION },
    { "repository", SUBMISSION, SUBMISSION },
};

//  Sets *error to "<source>: call <label>: <message>" unless an error is
//  already there: the first fault found is the one reported.
static void
s_fail (char **error, const char *source, const char *call, const char *format, ...)
{
    if (!error || *error)
        return;
    va_list argptr;
    va_start (argptr, format);
    char *message = zsys_vprintf (format, argptr);
    va_end (argptr);
    if (!message)
        return;
    if (call)
        *error = zsys_sprintf ("%s: call %s: %s", source, call, message);
    else
        *error = zsys_sprintf ("%s: %s", source, message);
    free (message);
}

static const char *
s_value (zconfig_t *item)
{
    const char *value = zconfig_value (item);
    return value? value: "";
}

//  Ids and phase names travel in requests and events, so they stay plain.
static bool
s_name_valid (const char *name)
{
    size_t length = strlen (name);
    if (length == 0 || length > ID_MAX)
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum ((unsigned char) *c) && *c != '-' && *c != '_' && *c != '.')
            return false;
    return true;
}

//  The index of name in a NULL-terminated list, or -1.
static int
s_index (const char *const *list, const char *name)
{
    for (int i = 0; list [i]; i++)
        if (streq (name, list [i]))
            return i;
    return -1;
}

//  "; did you mean 'voting'?" when a known word is close to name, else "".
static void
s_did_you_mean (char *buffer, size_t size, const char *name, const char *const *list)
{
    const char *close = wsis_suggest (name, list);
    if (close)
        snprintf (buffer, size, "; did you mean '%s'?", close);
    else
        *buffer = 0;
}

static void
s_call_release (wsis_call_t *call)
{
    free ((char *) call->id);
    free ((char *) call->kind);
    free ((char *) call->zone);
    free ((char *) call->title);
    for (size_t i = 0; i < call->phase_count; i++)
        free ((char *) call->phases [i].name);
    free ((wsis_phase_t *) call->phases);
    memset (call, 0, sizeof (*call));
}

//  A leaf key: one value, no section under it, not given twice.
static int
s_leaf (zconfig_t *item, const char **slot, const char *source, const char *call,
        const char *where, char **error)
{
    if (zconfig_child (item)) {
        s_fail (error, source, call, "%s%s takes a value, not a section",
                where, zconfig_name (item));
        return -1;
    }
    if (*slot) {
        s_fail (error, source, call, "%s%s is given twice", where, zconfig_name (item));
        return -1;
    }
    *slot = s_value (item);
    return 0;
}

static int
s_phase_parse (zconfig_t *section, size_t index, const char *zone, wsis_phase_t *phase,
               const char *source, const char *call, char **error)
{
    char where [ID_MAX + 32];
    snprintf (where, sizeof (where), "phase #%zu: ", index + 1);
    const char *name = NULL, *start = NULL, *end = NULL;

    for (zconfig_t *item = zconfig_child (section); item; item = zconfig_next (item)) {
        const char *key = zconfig_name (item);
        const char **slot = streq (key, "name")? &name
                          : streq (key, "start")? &start
                          : streq (key, "end")? &end: NULL;
        if (!slot) {
            s_fail (error, source, call, "%sunknown key %s (name, start, end)", where, key);
            return -1;
        }
        if (s_leaf (item, slot, source, call, where, error))
            return -1;
    }
    if (!name || !*name) {
        s_fail (error, source, call, "%sname missing", where);
        return -1;
    }
    if (!s_name_valid (name)) {
        s_fail (error, source, call, "%sname \"%s\" is not [A-Za-z0-9._-]{1,%d}",
                where, name, ID_MAX);
        return -1;
    }
    snprintf (where, sizeof (where), "phase %s: ", name);
    if (s_index (s_phase_names, name) < 0) {
        char hint [ID_MAX + 32];
        s_did_you_mean (hint, sizeof hint, name, s_phase_names);
        s_fail (error, source, call, "%sname is not one of submission, nomination, voting,"
                " selection, announcement, meeting%s", where, hint);
        return -1;
    }
    phase->name = wsis_strdup (name);
    if (!phase->name) {
        s_fail (error, source, call, "out of memory");
        return -1;
    }
    if (!start) {
        s_fail (error, source, call, "%sstart missing", where);
        return -1;
    }
    if (wsis_time_local_to_utc (zone, start, &phase->start)) {
        s_fail (error, source, call, "%sstart \"%s\" is not a local time YYYY-MM-DD HH:MM",
                where, start);
        return -1;
    }
    //  No end: the phase never closes (Stocktaking, Trendsetters)
    phase->end = WSIS_PHASE_NO_END;
    if (end) {
        if (wsis_time_local_to_utc (zone, end, &phase->end)) {
            s_fail (error, source, call, "%send \"%s\" is not a local time YYYY-MM-DD HH:MM",
                    where, end);
            return -1;
        }
        //  An empty phase would reject every request with deadline_passed
        if (phase->end <= phase->start) {
            s_fail (error, source, call, "%send \"%s\" is not after start \"%s\"",
                    where, end, start);
            return -1;
        }
    }
    return 0;
}

//  The kind's phases: the ones it needs all there, no other.
static int
s_call_check_kind (const wsis_call_t *call, const char *source, const char *label, char **error)
{
    unsigned required = 0, allowed = 0;
    for (size_t i = 0; i < sizeof (s_kind_phases) / sizeof (s_kind_phases [0]); i++)
        if (streq (s_kind_phases [i].kind, call->kind)) {
            required = s_kind_phases [i].required;
            allowed = s_kind_phases [i].allowed;
        }
    unsigned present = 0;
    for (size_t i = 0; i < call->phase_count; i++) {
        int index = s_index (s_phase_names, call->phases [i].name);
        assert (index >= 0);        //  s_phase_parse checked the name
        if (!(allowed & PHASE_BIT (index))) {
            s_fail (error, source, label, "phase %s: a %s call has no %s phase",
                    call->phases [i].name, call->kind, call->phases [i].name);
            return -1;
        }
        present |= PHASE_BIT (index);
    }
    for (int index = 0; s_phase_names [index]; index++)
        if ((required & PHASE_BIT (index)) && !(present & PHASE_BIT (index))) {
            s_fail (error, source, label, "phase %s missing: a %s call needs it",
                    s_phase_names [index], call->kind);
            return -1;
        }
    return 0;
}

//  later must start at or after the end of earlier: a call runs through
//  its phases one after the other (a deadline of one is the opening of
//  the next at the earliest), and meetings do not overlap each other.
static int
s_phases_in_order (const wsis_call_t *call, const wsis_phase_t *earlier,
                   const wsis_phase_t *later, const char *source, const char *label,
                   char **error)
{
    char later_start [64], earlier_start [64], earlier_end [64];
    if (wsis_time_format_local (call->zone, later->start, later_start, sizeof later_start)
    ||  wsis_time_format_local (call->zone, earlier->start, earlier_start, sizeof earlier_start))
        return 0;   //  both parsed in this zone just before: cannot fail
    if (later->start < earlier->start) {
        s_fail (error, source, label, "phase %s: starts \"%s\", before phase %s (\"%s\"):"
                " phases out of order", later->name, later_start, earlier->name, earlier_start);
        return -1;
    }
    if (earlier->end == WSIS_PHASE_NO_END) {
        s_fail (error, source, label, "phase %s: starts \"%s\" while phase %s never ends",
                later->name, later_start, earlier->name);
        return -1;
    }
    if (later->start < earlier->end) {
        if (wsis_time_format_local (call->zone, earlier->end, earlier_end, sizeof earlier_end))
            return 0;
        s_fail (error, source, label, "phase %s: starts \"%s\", before phase %s ends (\"%s\"):"
                " phases overlap", later->name, later_start, earlier->name, earlier_end);
        return -1;
    }
    return 0;
}

//  The whole call, once its phases are read: the kind's phases, in order.
//  Phases come in the order of s_phase_names whatever their order in the
//  file; meetings in file order.
static int
s_call_check (const wsis_call_t *call, const char *source, const char *label, char **error)
{
    if (s_call_check_kind (call, source, label, error))
        return -1;
    const wsis_phase_t *previous = NULL;
    for (int index = 0; index < PHASE_MEETING; index++) {
        const wsis_phase_t *phase = wsis_calendar_call_phase (call, s_phase_names [index]);
        if (!phase)
            continue;
        if (previous && s_phases_in_order (call, previous, phase, source, label, error))
            return -1;
        previous = phase;
    }
    previous = NULL;
    for (size_t i = 0; i < call->phase_count; i++) {
        const wsis_phase_t *phase = &call->phases [i];
        if (!streq (phase->name, "meeting"))
            continue;
        if (previous && s_phases_in_order (call, previous, phase, source, label, error))
            return -1;
        previous = phase;
    }
    return 0;
}

//  Fills call from a "call" section; on failure the caller releases
//  whatever was filled.
static int
s_call_parse (zconfig_t *section, size_t index, wsis_call_t *call,
              const char *source, char **error)
{
    //  Name the call by its id in every message if it has one
    char label [ID_MAX + 32];
    zconfig_t *id_item = zconfig_locate (section, "id");
    if (id_item && s_name_valid (s_value (id_item)))
        snprintf (label, sizeof (label), "%s", s_value (id_item));
    else
        snprintf (label, sizeof (label), "#%zu", index + 1);

    const char *id = NULL, *kind = NULL, *zone = NULL, *title = NULL, *winners = NULL;
    size_t phase_count = 0;
    for (zconfig_t *item = zconfig_child (section); item; item = zconfig_next (item)) {
        const char *key = zconfig_name (item);
        if (streq (key, "phase")) {
            if (*s_value (item)) {
                s_fail (error, source, label, "phase is a section, not a value");
                return -1;
            }
            phase_count++;
            continue;
        }
        const char **slot = streq (key, "id")? &id
                          : streq (key, "kind")? &kind
                          : streq (key, "zone")? &zone
                          : streq (key, "title")? &title
                          : streq (key, "winners")? &winners: NULL;
        if (!slot) {
            s_fail (error, source, label,
                    "unknown key %s (id, kind, zone, title, winners, phase)", key);
            return -1;
        }
        if (s_leaf (item, slot, source, label, "", error))
            return -1;
    }
    if (!id || !*id) {
        s_fail (error, source, label, "id missing");
        return -1;
    }
    if (!s_name_valid (id)) {
        s_fail (error, source, label, "id \"%s\" is not [A-Za-z0-9._-]{1,%d}", id, ID_MAX);
        return -1;
    }
    if (!kind || !*kind) {
        s_fail (error, source, label, "kind missing");
        return -1;
    }
    if (s_index (s_kinds, kind) < 0) {
        char hint [ID_MAX + 32];
        s_did_you_mean (hint, sizeof hint, kind, s_kinds);
        s_fail (error, source, label,
                "kind \"%s\" is not one of prize, ocp, photo, hltf, stocktaking, ambassador,"
                " repository%s",
                kind, hint);
        return -1;
    }
    //  Required, not defaulted: every phase time means nothing without it
    if (!zone || !*zone) {
        s_fail (error, source, label, "zone missing");
        return -1;
    }
    if (!wsis_time_zone_known (zone)) {
        s_fail (error, source, label, "zone \"%s\" is not in the tz database", zone);
        return -1;
    }
    if (winners) {
        char *rest = NULL;
        errno = 0;
        long count = strtol (winners, &rest, 10);
        if (!isdigit ((unsigned char) *winners) || *rest || errno
        ||  count < 1 || count > WINNERS_MAX) {
            s_fail (error, source, label, "winners \"%s\" is not a whole number 1-%d",
                    winners, WINNERS_MAX);
            return -1;
        }
        call->winners = (int) count;
    }
    if (phase_count == 0) {
        s_fail (error, source, label, "no phase: the call could never open");
        return -1;
    }

    call->id = wsis_strdup (id);
    call->kind = wsis_strdup (kind);
    call->zone = wsis_strdup (zone);
    call->title = wsis_strdup (title? title: "");
    wsis_phase_t *phases = (wsis_phase_t *) wsis_calloc (phase_count, sizeof (wsis_phase_t));
    call->phases = phases;
    call->phase_count = phase_count;

    size_t filled = 0;
    for (zconfig_t *item = zconfig_child (section); item; item = zconfig_next (item)) {
        if (!streq (zconfig_name (item), "phase"))
            continue;
        wsis_phase_t *phase = &phases [filled];
        if (s_phase_parse (item, filled, zone, phase, source, label, error))
            return -1;
        //  wsis_calendar_call_phase finds the first of a name, so a second one would
        //  be dead configuration; only meetings (OCP) come several
        for (size_t i = 0; i < filled; i++)
            if (streq (phases [i].name, phase->name) && !streq (phase->name, "meeting")) {
                s_fail (error, source, label, "phase %s is given twice", phase->name);
                return -1;
            }
        filled++;
    }
    return s_call_check (call, source, label, error);
}

//  Builds a calendar from a parsed tree; source names it in errors.
static wsis_calendar_t *
s_calendar_from_config (zconfig_t *root, const char *source, char **error)
{
    wsis_calendar_t *self = (wsis_calendar_t *) zmalloc (sizeof (wsis_calendar_t));
    size_t count = 0;
    for (zconfig_t *item = zconfig_child (root); item; item = zconfig_next (item)) {
        if (!streq (zconfig_name (item), "call") || *s_value (item)) {
            s_fail (error, source, NULL, "unknown entry %s (only call sections)",
                    zconfig_name (item));
            goto cleanup;
        }
        count++;
    }
    if (count == 0) {
        s_fail (error, source, NULL, "no call");
        goto cleanup;
    }
    self->calls = (wsis_call_t *) wsis_calloc (count, sizeof (wsis_call_t));
    for (zconfig_t *item = zconfig_child (root); item; item = zconfig_next (item)) {
        wsis_call_t *call = &self->calls [self->size];
        //  Count the call before parsing so destroy frees a half-filled one
        self->size++;
        if (s_call_parse (item, self->size - 1, call, source, error))
            goto cleanup;
        for (size_t i = 0; i + 1 < self->size; i++)
            if (streq (self->calls [i].id, call->id)) {
                s_fail (error, source, call->id, "id is given to an earlier call too");
                goto cleanup;
            }
    }
    return self;

cleanup:
    wsis_calendar_destroy (&self);
    return NULL;
}

wsis_calendar_t *
wsis_calendar_load (const char *path, char **error)
{
    assert (path);
    if (error)
        *error = NULL;
    //  zconfig_load says neither why a file could not be read nor where
    //  its syntax broke (it logs the line itself), so find out what we can
    FILE *file = fopen (path, "r");
    if (!file) {
        s_fail (error, path, NULL, "cannot read: %s", strerror (errno));
        return NULL;
    }
    fclose (file);
    zconfig_t *root = zconfig_load (path);
    if (!root) {
        s_fail (error, path, NULL, "not valid ZPL (4-space indents, key = \"value\")");
        return NULL;
    }
    wsis_calendar_t *self = s_calendar_from_config (root, path, error);
    zconfig_destroy (&root);
    return self;
}

wsis_calendar_t *
wsis_calendar_parse (const char *text, char **error)
{
    assert (text);
    if (error)
        *error = NULL;
    const char *source = "(calendar text)";
    zconfig_t *root = zconfig_str_load (text);
    if (!root) {
        s_fail (error, source, NULL, "not valid ZPL (4-space indents, key = \"value\")");
        return NULL;
    }
    wsis_calendar_t *self = s_calendar_from_config (root, source, error);
    zconfig_destroy (&root);
    return self;
}

void
wsis_calendar_destroy (wsis_calendar_t **self_p)
{
    assert (self_p);
    wsis_calendar_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->size; i++)
            s_call_release (&self->calls [i]);
        free (self->calls);
        free (self);
        *self_p = NULL;
    }
}

size_t
wsis_calendar_size (wsis_calendar_t *self)
{
    assert (self);
    return self->size;
}

const wsis_call_t *
wsis_calendar_at (wsis_calendar_t *self, size_t index)
{
    assert (self);
    return index < self->size? &self->calls [index]: NULL;
}

const wsis_call_t *
wsis_calendar_call (wsis_calendar_t *self, const char *call_id)
{
    assert (self);
    //  A handful of calls: a scan beats a hash table here
    for (size_t i = 0; call_id && i < self->size; i++)
        if (streq (self->calls [i].id, call_id))
            return &self->calls [i];
    return NULL;
}

const wsis_phase_t *
wsis_calendar_call_phase (const wsis_call_t *call, const char *phase)
{
    for (size_t i = 0; call && phase && i < call->phase_count; i++)
        if (streq (call->phases [i].name, phase))
            return &call->phases [i];
    return NULL;
}

int
wsis_calendar_phase_state (wsis_calendar_t *self, const char *call_id,
                           const char *phase, int64_t now, wsis_phase_state_t *state)
{
    assert (self);
    assert (state);
    const wsis_phase_t *found = wsis_calendar_call_phase (wsis_calendar_call (self, call_id), phase);
    if (!found)
        return -1;
    //  Start inclusive, end exclusive: at 23:00:00 on the closing day the
    //  phase has passed (docs/protocol.md section 7)
    if (now < found->start)
        *state = WSIS_PHASE_NOT_OPEN;
    else
    if (found->end != WSIS_PHASE_NO_END && now >= found->end)
        *state = WSIS_PHASE_PASSED;
    else
        *state = WSIS_PHASE_OPEN;
    return 0;
}
