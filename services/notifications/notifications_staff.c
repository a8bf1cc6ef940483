/*  notifications_staff: configs/staff.cfg, who follows which calls, through
    which channel, and how long before a deadline they are reminded.

    Checked as a whole at start, like the calendar: a typo in a call id
    would otherwise leave a team without the reminder of its deadline and
    nobody would notice until the deadline had passed. So every key, call
    reference, channel and offset must make sense against the calendar the
    service runs with, and the first fault is reported on one line naming
    the file, the section ("staff 2", "reminders 1") and the value.

    The zconfig tree is dropped once read: the list owns copies of every
    string, and the webhook secrets read from their files.
*/
#include "notifications.h"
#include "wsis_log.h"
#include "wsis_alloc.h"
#include "wsis_valid.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A webhook key is a line of text, not a keystore
#define SECRET_MAX 4096
#define LABEL_MAX  64

typedef struct {
    char *kind;                 //  a kind of the calendar's calls, or "*"
    //  Either list may be left out: the "*" section or the defaults then
    //  give it, so a kind can change its meeting reminders alone
    bool has_before;
    notify_offset_t before [NOTIFY_OFFSETS_MAX];
    size_t before_count;
    bool has_meetings;
    notify_offset_t meetings [NOTIFY_OFFSETS_MAX];
    size_t meeting_count;
} s_reminders_t;

struct _notify_staff_t {
    //  The strings behind these are ours; const only towards callers
    notify_staff_member_t *members;
    size_t size;
    s_reminders_t *reminders;
    size_t reminder_count;
};

//  docs/protocol.md section 11: 14 days, 7 days, 1 day and 1 hour before a
//  phase ends; a day and an hour before an OCP meeting
static const notify_offset_t s_default_before [] = {
    { 14, 'd' }, { 7, 'd' }, { 1, 'd' }, { 1, 'h' }
};
static const notify_offset_t s_default_meetings [] = {
    { 1, 'd' }, { 1, 'h' }
};

static const char *s_channel_names [] = { "file", "smtp", "webhook" };

static const char *s_staff_keys [] = {
    "name", "email", "calls", "channel", "url", "secret_file", NULL
};
enum { S_NAME, S_EMAIL, S_CALLS, S_CHANNEL, S_URL, S_SECRET_FILE, S_STAFF_KEYS };
#define S_STAFF_KNOWN "name, email, calls, channel, url, secret_file"

static const char *s_reminder_keys [] = { "kind", "before", "meetings", NULL };
enum { S_KIND, S_BEFORE, S_MEETINGS, S_REMINDER_KEYS };
#define S_REMINDER_KNOWN "kind, before, meetings"


//  --------------------------------------------------------------------------
//  Channels and offsets

const char *
notify_channel_name (notify_channel_t channel)
{
    if ((size_t) channel < sizeof (s_channel_names) / sizeof (s_channel_names [0]))
        return s_channel_names [channel];
    return NULL;
}

int
notify_channel_parse (const char *name, notify_channel_t *channel)
{
    assert (channel);
    for (size_t i = 0; name && i < sizeof (s_channel_names) / sizeof (s_channel_names [0]); i++)
        if (streq (name, s_channel_names [i])) {
            *channel = (notify_channel_t) i;
            return 0;
        }
    return -1;
}

//  One offset "7d" or "1h" at *cursor, which moves past it. The bounds are
//  a year: further ahead than that, the reminder belongs to the last
//  edition.
static int
s_offset_parse (const char **cursor, notify_offset_t *offset)
{
    const char *c = *cursor;
    //  No sign, no leading zero: "07d" would be the same key as "7d"
    if (*c < '1' || *c > '9')
        return -1;
    int amount = 0;
    for (int digits = 0; isdigit ((unsigned char) *c); c++)
        if (++digits > 4)
            return -1;
        else
            amount = amount * 10 + (*c - '0');
    char unit = *c;
    if (unit != 'd' && unit != 'h')
        return -1;
    c++;
    if (*c && !isspace ((unsigned char) *c))
        return -1;
    if (amount > (unit == 'd'? 366: 8784))
        return -1;
    offset->amount = amount;
    offset->unit = unit;
    *cursor = c;
    return 0;
}

int
notify_offsets_parse (const char *text, notify_offset_t *offsets, size_t max)
{
    if (!text)
        return -1;
    size_t count = 0;
    const char *cursor = text;
    while (true) {
        while (isspace ((unsigned char) *cursor))
            cursor++;
        if (!*cursor)
            break;
        notify_offset_t offset;
        if (count == max || s_offset_parse (&cursor, &offset))
            return -1;
        //  The offset is part of the notification key: twice would be one
        //  reminder meant and two keys colliding
        for (size_t i = 0; i < count; i++)
            if (offsets [i].amount == offset.amount && offsets [i].unit == offset.unit)
                return -1;
        offsets [count++] = offset;
    }
    return (int) count;
}

void
notify_offset_format (const notify_offset_t *offset, char *buffer, size_t size)
{
    assert (offset);
    assert (buffer);
    snprintf (buffer, size, "%d%c", offset->amount, offset->unit);
}


//  --------------------------------------------------------------------------
//  Reading the file

//  Sets *error to "<source>: <section>: <message>" (or without a section),
//  keeping the first fault found: it is the one worth reading.
static void
s_error (char **error, const char *source, const char *section, const char *format, ...)
{
    if (!error || *error)
        return;
    va_list argptr;
    va_start (argptr, format);
    char *message = zsys_vprintf (format, argptr);
    va_end (argptr);
    if (message) {
        *error = section? zsys_sprintf ("%s: %s: %s", source, section, message)
                        : zsys_sprintf ("%s: %s", source, message);
        free (message);
    }
}

//  Reads the leaf keys of a section into values [i] for keys [i]; every
//  other entry (known lists the keys for the message), a key given twice
//  or a key with a section under it is an error. values must hold one
//  slot per key.
static int
s_section_read (zconfig_t *section, const char **keys, const char *known,
                const char **values, const char *source, const char *label, char **error)
{
    for (zconfig_t *item = zconfig_child (section); item; item = zconfig_next (item)) {
        const char *key = zconfig_name (item);
        size_t index = 0;
        while (keys [index] && !streq (keys [index], key))
            index++;
        if (!keys [index]) {
            s_error (error, source, label, "unknown key '%s' (%s)", key, known);
            return -1;
        }
        if (zconfig_child (item)) {
            s_error (error, source, label, "%s takes a value, not a section", key);
            return -1;
        }
        if (values [index]) {
            s_error (error, source, label, "%s is given twice", key);
            return -1;
        }
        const char *value = zconfig_value (item);
        values [index] = value? value: "";
    }
    return 0;
}

static bool
s_calendar_has_kind (wsis_calendar_t *calendar, const char *kind)
{
    for (size_t i = 0; i < wsis_calendar_size (calendar); i++)
        if (streq (wsis_calendar_at (calendar, i)->kind, kind))
            return true;
    return false;
}

//  A `calls` entry must name something the calendar has, or a whole
//  edition: a misspelt id or kind would follow nothing, silently.
static bool
s_follow_valid (const char *entry, wsis_calendar_t *calendar)
{
    if (streq (entry, "*") || wsis_calendar_call (calendar, entry))
        return true;
    if (strncmp (entry, "kind:", 5) == 0)
        return s_calendar_has_kind (calendar, entry + 5);
    if (strncmp (entry, "edition:", 8) == 0) {
        const char *year = entry + 8;
        for (size_t i = 0; i < 4; i++)
            if (!isdigit ((unsigned char) year [i]))
                return false;
        return year [4] == 0;
    }
    return false;
}

//  Splits calls into the member's follows, checking each entry
static int
s_follows_parse (notify_staff_member_t *member, const char *calls, wsis_calendar_t *calendar,
                 const char *source, const char *label, char **error)
{
    zlist_t *entries = zlist_new ();
    zlist_autofree (entries);
    char *copy = wsis_strdup (calls);
    char *saveptr = NULL;
    int rc = 0;
    for (char *entry = strtok_r (copy, " \t", &saveptr); entry;
         entry = strtok_r (NULL, " \t", &saveptr)) {
        if (!s_follow_valid (entry, calendar)) {
            s_error (error, source, label,
                     "calls: '%s' is neither a call of the calendar, nor kind:<kind> "
                     "of one, nor edition:<year>, nor *", entry);
            rc = -1;
            break;
        }
        zlist_append (entries, entry);
    }
    if (rc == 0 && zlist_size (entries) == 0) {
        //  A member who follows nothing would get no reminder at all
        s_error (error, source, label,
                 "calls missing (call ids, kind:<kind>, edition:<year> or *)");
        rc = -1;
    }
    if (rc == 0) {
        char **follows = (char **) wsis_calloc (zlist_size (entries), sizeof (char *));
        member->follows = (const char *const *) follows;
        for (char *entry = (char *) zlist_first (entries); entry;
             entry = (char *) zlist_next (entries))
            follows [member->follow_count++] = wsis_strdup (entry);
    }
    free (copy);
    zlist_destroy (&entries);
    return rc;
}

//  The whole file as a string the caller frees, and its size; NULL with
//  errno set when it cannot be read. A NUL byte ends the string early,
//  which the caller sees as strlen () != size.
static char *
s_file_slurp (const char *path, size_t *size)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return NULL;
    char *text = NULL;
    size_t capacity = 0;
    ssize_t length = getdelim (&text, &capacity, 0, file);
    int fault = ferror (file)? errno: 0;
    fclose (file);
    if (fault || length < 0) {
        //  At the end of an empty file getdelim returns -1 too
        free (text);
        text = fault? NULL: wsis_strdup ("");
        length = 0;
        errno = fault;
    }
    *size = (size_t) length;
    return text;
}

//  The HMAC key of a webhook lives in a file of its own, readable only by
//  the service, so staff.cfg can be shared and versioned. A final line
//  end is not part of the key.
static int
s_secret_read (notify_staff_member_t *member, const char *path,
               const char *source, const char *label, char **error)
{
    size_t size = 0;
    char *secret = s_file_slurp (path, &size);
    if (!secret) {
        s_error (error, source, label, "secret_file '%s' cannot be read: %s",
                 path, strerror (errno));
        return -1;
    }
    bool whole = strlen (secret) == size;
    while (size > 0 && isspace ((unsigned char) secret [size - 1]))
        secret [--size] = 0;
    const char *fault = !whole? "holds a NUL byte"
                      : size > SECRET_MAX? "is longer than 4096 bytes"
                      : size == 0? "is empty": NULL;
    if (fault) {
        s_error (error, source, label, "secret_file '%s' %s", path, fault);
        free (secret);
        return -1;
    }
    member->secret = secret;
    return 0;
}

//  A webhook's "email" is only a label in logs and keys: it must still be
//  one printable word
static bool
s_label_valid (const char *label)
{
    size_t length = strlen (label);
    if (length == 0 || length > NOTIFY_EMAIL_MAX)
        return false;
    for (const char *c = label; *c; c++)
        if (!isgraph ((unsigned char) *c))
            return false;
    return true;
}

//  Fills member from a "staff" section; on failure the caller releases
//  whatever was filled.
static int
s_member_parse (zconfig_t *section, const char *label, wsis_calendar_t *calendar,
                notify_staff_member_t *member, const char *source, char **error)
{
    const char *values [S_STAFF_KEYS] = { NULL };
    if (s_section_read (section, s_staff_keys, S_STAFF_KNOWN, values, source, label, error))
        return -1;
    const char *name = values [S_NAME], *email = values [S_EMAIL];
    const char *url = values [S_URL], *secret_file = values [S_SECRET_FILE];

    if (!name || !*name) {
        s_error (error, source, label, "name missing");
        return -1;
    }
    member->name = wsis_strdup (name);
    //  Left out, a member gets files in the outbox: nothing leaves the
    //  machine until an operator says where it should go
    member->channel = NOTIFY_CHANNEL_FILE;
    if (values [S_CHANNEL] && notify_channel_parse (values [S_CHANNEL], &member->channel)) {
        s_error (error, source, label, "channel '%s' is not file, smtp or webhook",
                 values [S_CHANNEL]);
        return -1;
    }
    bool webhook = member->channel == NOTIFY_CHANNEL_WEBHOOK;
    if (!email || !*email) {
        s_error (error, source, label, "email missing");
        return -1;
    }
    if (webhook? !s_label_valid (email): !wsis_valid_email (email, strlen (email))) {
        s_error (error, source, label, webhook? "email '%s' is not a label without spaces"
                                              : "email '%s' is not an e-mail address", email);
        return -1;
    }
    member->email = wsis_strdup (email);
    if (s_follows_parse (member, values [S_CALLS]? values [S_CALLS]: "", calendar,
                         source, label, error))
        return -1;

    //  url and secret_file mean nothing to mail: given there, they are a
    //  channel line forgotten
    if (!webhook && (url || secret_file)) {
        s_error (error, source, label, "%s is only for channel webhook, not %s",
                 url? "url": "secret_file", notify_channel_name (member->channel));
        return -1;
    }
    if (!webhook)
        return 0;
    if (!url || !*url) {
        s_error (error, source, label, "webhook without url");
        return -1;
    }
    if (strncmp (url, "https://", 8) && strncmp (url, "http://", 7)) {
        s_error (error, source, label, "url '%s' is not http:// or https://", url);
        return -1;
    }
    member->url = wsis_strdup (url);
    if (!secret_file || !*secret_file) {
        s_error (error, source, label, "webhook without secret_file");
        return -1;
    }
    return s_secret_read (member, secret_file, source, label, error);
}

//  One list of offsets of a reminders section; *has stays false when the
//  key is left out
static int
s_offsets_read (const char *key, const char *text, notify_offset_t *offsets, size_t *count,
                bool *has, const char *source, const char *label, char **error)
{
    if (!text)
        return 0;
    int parsed = notify_offsets_parse (text, offsets, NOTIFY_OFFSETS_MAX);
    if (parsed < 0) {
        s_error (error, source, label,
                 "%s '%s' is not up to %d different offsets like \"14d 7d 1d 1h\" "
                 "(1-366d, 1-8784h)", key, text, NOTIFY_OFFSETS_MAX);
        return -1;
    }
    *count = (size_t) parsed;
    *has = true;
    return 0;
}

//  Fills reminders from a "reminders" section; on failure the caller
//  releases whatever was filled.
static int
s_reminders_parse (zconfig_t *section, const char *label, wsis_calendar_t *calendar,
                   s_reminders_t *reminders, const char *source, char **error)
{
    const char *values [S_REMINDER_KEYS] = { NULL };
    if (s_section_read (section, s_reminder_keys, S_REMINDER_KNOWN, values, source, label, error))
        return -1;
    const char *kind = values [S_KIND];
    if (!kind || !*kind) {
        s_error (error, source, label, "kind missing (a kind of the calendar's calls, or *)");
        return -1;
    }
    if (!streq (kind, "*") && !s_calendar_has_kind (calendar, kind)) {
        s_error (error, source, label, "kind '%s' is the kind of no call of the calendar",
                 kind);
        return -1;
    }
    reminders->kind = wsis_strdup (kind);
    if (s_offsets_read ("before", values [S_BEFORE], reminders->before,
                        &reminders->before_count, &reminders->has_before,
                        source, label, error)
    ||  s_offsets_read ("meetings", values [S_MEETINGS], reminders->meetings,
                        &reminders->meeting_count, &reminders->has_meetings,
                        source, label, error))
        return -1;
    if (!reminders->has_before && !reminders->has_meetings) {
        s_error (error, source, label, "neither before nor meetings: the section says nothing");
        return -1;
    }
    return 0;
}

//  True when some member follows the call
static bool
s_followed (notify_staff_t *self, const wsis_call_t *call)
{
    for (size_t j = 0; j < self->size; j++)
        if (notify_staff_follows (&self->members [j], call))
            return true;
    return false;
}

//  Every call must reach someone: a new edition added to the calendar and
//  forgotten here would pass its deadlines unannounced. With require_all
//  that stops the service; without, each such call is a warning in the
//  log at start, never silence.
static int
s_check_all_followed (notify_staff_t *self, wsis_calendar_t *calendar, bool require_all,
                      const char *source, char **error)
{
    for (size_t i = 0; i < wsis_calendar_size (calendar); i++) {
        const wsis_call_t *call = wsis_calendar_at (calendar, i);
        if (s_followed (self, call))
            continue;
        if (require_all) {
            s_error (error, source, NULL, "call '%s' is followed by no one (give its id, "
                     "kind:%s, edition:<year> or * to someone's calls)", call->id, call->kind);
            return -1;
        }
        wsis_log_warning ("%s: call '%s' is followed by no one: its phases pass without a"
                          " reminder to staff (give its id, kind:%s, edition:<year> or * to"
                          " someone's calls)", source, call->id, call->kind);
    }
    return 0;
}

static int
s_staff_fill (notify_staff_t *self, zconfig_t *root, wsis_calendar_t *calendar,
              bool require_all, const char *source, char **error)
{
    size_t staff_count = 0, reminder_count = 0;
    for (zconfig_t *item = zconfig_child (root); item; item = zconfig_next (item)) {
        const char *name = zconfig_name (item);
        const char *value = zconfig_value (item);
        if (value && *value)
            name = "";              //  a key at the top: never right
        if (streq (name, "staff"))
            staff_count++;
        else
        if (streq (name, "reminders"))
            reminder_count++;
        else {
            s_error (error, source, NULL,
                     "unknown entry '%s' (only staff and reminders sections)",
                     zconfig_name (item));
            return -1;
        }
    }
    if (staff_count == 0) {
        s_error (error, source, NULL, "no staff section: nobody would be reminded");
        return -1;
    }
    self->members = (notify_staff_member_t *) wsis_calloc (staff_count,
                                                            sizeof (notify_staff_member_t));
    if (reminder_count)
        self->reminders = (s_reminders_t *) wsis_calloc (reminder_count,
                                                         sizeof (s_reminders_t));
    for (zconfig_t *item = zconfig_child (root); item; item = zconfig_next (item)) {
        char label [LABEL_MAX];
        //  Counted before parsing, so destroy frees a half-filled one
        if (streq (zconfig_name (item), "staff")) {
            snprintf (label, sizeof (label), "staff %zu", ++self->size);
            if (s_member_parse (item, label, calendar, &self->members [self->size - 1],
                                source, error))
                return -1;
            continue;
        }
        snprintf (label, sizeof (label), "reminders %zu", ++self->reminder_count);
        s_reminders_t *reminders = &self->reminders [self->reminder_count - 1];
        if (s_reminders_parse (item, label, calendar, reminders, source, error))
            return -1;
        for (size_t i = 0; i + 1 < self->reminder_count; i++)
            if (streq (self->reminders [i].kind, reminders->kind)) {
                s_error (error, source, label, "kind '%s' has an earlier reminders section",
                         reminders->kind);
                return -1;
            }
    }
    return s_check_all_followed (self, calendar, require_all, source, error);
}

//  Parses text; source names it in errors
static notify_staff_t *
s_staff_from_text (const char *text, wsis_calendar_t *calendar, bool require_all,
                   const char *source, char **error)
{
    assert (text);
    assert (calendar);
    if (error)
        *error = NULL;
    zconfig_t *root = zconfig_str_load (text);
    if (!root) {
        s_error (error, source, NULL, "not valid ZPL (4-space indents, key = \"value\")");
        return NULL;
    }
    notify_staff_t *self = (notify_staff_t *) zmalloc (sizeof (notify_staff_t));
    if (s_staff_fill (self, root, calendar, require_all, source, error))
        notify_staff_destroy (&self);
    zconfig_destroy (&root);
    return self;
}

notify_staff_t *
notify_staff_load (const char *path, wsis_calendar_t *calendar, bool require_all,
                   char **error)
{
    assert (path);
    if (error)
        *error = NULL;
    //  Read here rather than by zconfig_load, which says not why a file
    //  cannot be read and loses memory on a syntax error
    size_t size = 0;
    char *text = s_file_slurp (path, &size);
    if (!text) {
        s_error (error, path, NULL, "cannot read: %s", strerror (errno));
        return NULL;
    }
    notify_staff_t *self = NULL;
    if (strlen (text) != size)
        s_error (error, path, NULL, "holds a NUL byte: not a text file");
    else
        self = s_staff_from_text (text, calendar, require_all, path, error);
    free (text);
    return self;
}

notify_staff_t *
notify_staff_parse (const char *text, wsis_calendar_t *calendar, bool require_all,
                    char **error)
{
    return s_staff_from_text (text, calendar, require_all, "(staff text)", error);
}

static void
s_member_release (notify_staff_member_t *member)
{
    free ((char *) member->name);
    free ((char *) member->email);
    free ((char *) member->url);
    free ((char *) member->secret);
    for (size_t i = 0; i < member->follow_count; i++)
        free ((char *) member->follows [i]);
    free ((char **) member->follows);
}

void
notify_staff_destroy (notify_staff_t **self_p)
{
    assert (self_p);
    notify_staff_t *self = *self_p;
    if (self) {
        for (size_t i = 0; i < self->size; i++)
            s_member_release (&self->members [i]);
        free (self->members);
        for (size_t i = 0; i < self->reminder_count; i++)
            free (self->reminders [i].kind);
        free (self->reminders);
        free (self);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Asking the list

size_t
notify_staff_size (notify_staff_t *self)
{
    assert (self);
    return self->size;
}

const notify_staff_member_t *
notify_staff_at (notify_staff_t *self, size_t index)
{
    assert (self);
    return index < self->size? &self->members [index]: NULL;
}

const notify_staff_member_t *
notify_staff_find (notify_staff_t *self, const char *email)
{
    assert (self);
    for (size_t i = 0; email && i < self->size; i++)
        if (streq (self->members [i].email, email))
            return &self->members [i];
    return NULL;
}

bool
notify_staff_follows (const notify_staff_member_t *member, const wsis_call_t *call)
{
    assert (member);
    assert (call);
    size_t id_length = strlen (call->id);
    for (size_t i = 0; i < member->follow_count; i++) {
        const char *entry = member->follows [i];
        if (streq (entry, "*") || streq (entry, call->id))
            return true;
        if (strncmp (entry, "kind:", 5) == 0 && streq (entry + 5, call->kind))
            return true;
        //  edition:2022 is every call whose id ends in -2022: the ids
        //  carry their edition, the calendar has no field for it
        if (strncmp (entry, "edition:", 8) == 0 && id_length > 5
        &&  call->id [id_length - 5] == '-' && streq (call->id + id_length - 4, entry + 8))
            return true;
    }
    return false;
}

//  The list of that kind's section, else of the "*" section, else the
//  defaults; list by list, so a kind may change only its meeting offsets
static const notify_offset_t *
s_offsets (notify_staff_t *self, const char *kind, bool meetings, size_t *count)
{
    assert (self);
    assert (count);
    const s_reminders_t *found = NULL;
    for (size_t i = 0; i < self->reminder_count; i++) {
        const s_reminders_t *reminders = &self->reminders [i];
        if (!(meetings? reminders->has_meetings: reminders->has_before))
            continue;
        if (kind && streq (reminders->kind, kind)) {
            found = reminders;
            break;
        }
        if (streq (reminders->kind, "*"))
            found = reminders;
    }
    if (!found && meetings) {
        *count = sizeof (s_default_meetings) / sizeof (s_default_meetings [0]);
        return s_default_meetings;
    }
    if (!found) {
        *count = sizeof (s_default_before) / sizeof (s_default_before [0]);
        return s_default_before;
    }
    *count = meetings? found->meeting_count: found->before_count;
    return meetings? found->meetings: found->before;
}

const notify_offset_t *
notify_staff_offsets (notify_staff_t *self, const char *kind, size_t *count)
{
    return s_offsets (self, kind, false, count);
}

const notify_offset_t *
notify_staff_meeting_offsets (notify_staff_t *self, const char *kind, size_t *count)
{
    return s_offsets (self, kind, true, count);
}
