/*  wsis_calendar: the calls of a WSIS Forum edition, read from ZPL.

    The file is checked as a whole before any service runs on it: a typo
    in a deadline would otherwise open or close a call at the wrong hour,
    silently. So every unknown key is an error, every time must parse in
    its call's zone, and the first fault is reported on one line naming
    the file, the call and the field.

    The zconfig tree is dropped once read: every string is copied into the
    calendar, which owns it until wsis_calendar_destroy.
*/
#include "wsis_calendar.h"
#include "wsis_alloc.h"
#include "wsis_clock.h"

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
static const char *s_kinds [] = {
    "prize", "ocp", "photo", "hltf", "stocktaking", "ambassador", "repository", NULL
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

static bool
s_kind_valid (const char *kind)
{
    for (size_t i = 0; s_kinds [i]; i++)
        if (streq (kind, s_kinds [i]))
            return true;
    return false;
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
    if (!s_kind_valid (kind)) {
        s_fail (error, source, label,
                "kind \"%s\" is not one of prize, ocp, photo, hltf, stocktaking, ambassador,"
                " repository",
                kind);
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
        //  wsis_call_phase finds the first of a name, so a second one would
        //  be dead configuration; only meetings (OCP) come several
        for (size_t i = 0; i < filled; i++)
            if (streq (phases [i].name, phase->name) && !streq (phase->name, "meeting")) {
                s_fail (error, source, label, "phase %s is given twice", phase->name);
                return -1;
            }
        filled++;
    }
    return 0;
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
wsis_call_phase (const wsis_call_t *call, const char *phase)
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
    const wsis_phase_t *found = wsis_call_phase (wsis_calendar_call (self, call_id), phase);
    if (!found)
        return -1;
    //  Start inclusive, end exclusive: at 23:00:00 on the closing day the
    //  phase has passed (PROTOCOL 7)
    if (now < found->start)
        *state = WSIS_PHASE_NOT_OPEN;
    else
    if (found->end != WSIS_PHASE_NO_END && now >= found->end)
        *state = WSIS_PHASE_PASSED;
    else
        *state = WSIS_PHASE_OPEN;
    return 0;
}
