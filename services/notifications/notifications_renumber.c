/*  notifications_renumber: a calendar key that now stands for another
    instant.

    A moment's key names its phase by name and number (notifications_
    schedule.c: the OCP's meetings are `meeting`, `meeting#2`, ...), so
    removing a meeting from the calendar hands its keys to the meeting
    after it, and each later one the keys of the one before (putting one
    before the others shifts them the other way), and a moved meeting
    keeps its keys. A row under such a key that is still scheduled, or
    ready and never handed to its channel, is simply moved (remade with
    the new instants); one already made (sent, skipped, failed, or ready
    and handed over) was
    made for the instant the key stood for then, and must neither be sent
    again nor stand in for the moment that holds the key now. That moment
    is a new one, under its own key (notify_renumber_key)

        <moment>@<due, UTC>/<rest of the key>
        ocp-2022/meeting/meeting/1h@2022-01-31T12:00:00Z/staff/<email>

    stable from run to run as long as its instant does not change, distinct
    from every plain key (no plain key has an "@" before its recipient).
    The plain keys stay what deployed stores hold (keys made of instants
    throughout would make every stored row look gone and every moment look
    new, to a store that has no way to tell which was which); a new key,
    not the old row rewritten, because the key is the message's identity
    outside the store too (its Message-ID, the file outbox's name, the ref
    of its notification.sent): a reminder of another meeting is another
    message.

    A key's row is the moment's whose instants it was made for, not the
    one that has its number now: at start (notify_renumber_owed, _present)
    the moments still owed (scheduled, or ready and never handed over) and
    those the calendar has are known by what identifies them, call, phase
    name, what they say and instants, whatever their number. A row still
    owed whose instants are another moment's now (a meeting put before
    others while the service was down) follows the key all the same, as
    nothing of it went out, but what the key stands for now is new: due
    already, it is skipped like any moment due before it was scheduled;
    and the moment the row was owed for, now under another key, is owed
    still: due already, it is sent late while its meeting or deadline is
    ahead, as it would have been under its old number.

    Renumbering also gives a meeting already reminded a key it never had:
    notify_renumber_made finds the row made for it under its old number (the
    same call, phase name, kind, recipient and instants), so it is not made
    twice.
*/
#include "notifications.h"
#include "wsis_clock.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

//  What a moment key says after "<call>/<phase>[#n]/": "meeting/1h",
//  "opened"; NULL when it is not a key of that call and phase.
static const char *
s_what (const char *moment, const char *call, const char *phase)
{
    size_t call_len = strlen (call), phase_len = strlen (phase);
    if (strncmp (moment, call, call_len) || moment [call_len] != '/')
        return NULL;
    moment += call_len + 1;
    if (strncmp (moment, phase, phase_len))
        return NULL;
    moment += phase_len;
    if (*moment == '#') {
        moment++;
        if (!isdigit ((unsigned char) *moment))
            return NULL;
        while (isdigit ((unsigned char) *moment))
            moment++;
    }
    return *moment == '/'? moment + 1: NULL;
}

typedef struct {
    const char *call;
    const char *phase;
    const char *what;
} twin_t;

//  A row of the same call, phase, kind, recipient and instants: the same
//  moment when it says the same thing ("meeting/1h"), whatever its number.
static int
s_twin (const char *moment, void *arg)
{
    twin_t *twin = (twin_t *) arg;
    const char *what = s_what (moment, twin->call, twin->phase);
    return what && streq (what, twin->what)? 1: 0;
}

int
notify_renumber_made (wsis_store_t *store, const notify_new_t *item)
{
    if (!item->moment || !item->call || !item->phase)
        return 0;
    const char *what = s_what (item->moment, item->call, item->phase);
    if (!what)
        return 0;
    twin_t twin = { item->call, item->phase, what };
    notify_row_t row = {
        .call = item->call, .phase = item->phase, .kind = item->kind,
        .channel = item->event? "event": notify_channel_name (item->channel),
        .recipient = item->event? "": item->recipient,
        .due = item->due, .expires = item->expires? item->expires: INT64_MAX,
    };
    return notify_store_made_twins (store, &row, s_twin, &twin);
}

int
notify_renumber_key (const notify_new_t *item, char *key)
{
    size_t moment_len = strlen (item->moment);
    //  A calendar row's key is its moment's, then its recipient's part
    if (strncmp (item->key, item->moment, moment_len))
        return -1;
    char instant [WSIS_TIME_BUFSIZE];
    wsis_time_format (item->due, instant);
    return notify_key (key, "%s@%s%s", item->moment, instant, item->key + moment_len);
}

//  Room for a key and two instants.
#define S_IDENTITY_MAX (NOTIFY_KEY_MAX + 64)

//  "<call>/<phase>/<what><recipient part>@<due>/<expires>"; -1 when the
//  moment is not one of that call and phase.
static int
s_identity (char *buffer, const char *call, const char *phase, const char *moment,
            const char *recipient, int64_t due, int64_t expires)
{
    const char *what = s_what (moment, call, phase);
    if (!what)
        return -1;
    int length = snprintf (buffer, S_IDENTITY_MAX, "%s/%s/%s%s@%" PRId64 "/%" PRId64,
                           call, phase, what, recipient, due, expires? expires: INT64_MAX);
    return length > 0 && length < S_IDENTITY_MAX? 0: -1;
}

//  The part of a calendar row's key after its moment's: "/staff/<email>".
static const char *
s_recipient (const char *key, const char *moment)
{
    size_t moment_len = strlen (moment);
    return strncmp (key, moment, moment_len)? NULL: key + moment_len;
}

static int
s_owed_add (const notify_row_t *row, void *arg)
{
    char identity [S_IDENTITY_MAX];
    const char *recipient = s_recipient (row->key, row->moment);
    if (recipient && s_identity (identity, row->call, row->phase, row->moment, recipient,
                                 row->due, row->expires) == 0)
        zhashx_update ((zhashx_t *) arg, identity, (void *) 1);
    return 0;
}

zhashx_t *
notify_renumber_owed (wsis_store_t *store)
{
    zhashx_t *owed = zhashx_new ();
    if (notify_store_owed_moments (store, s_owed_add, owed))
        zhashx_destroy (&owed);
    return owed;
}

void
notify_renumber_present (zhashx_t *present, const notify_moment_t *moment)
{
    char identity [S_IDENTITY_MAX];
    if (s_identity (identity, moment->call->id, moment->phase->name, moment->key, "",
                    moment->due, moment->expires) == 0)
        zhashx_update (present, identity, (void *) 1);
}

bool
notify_renumber_was_owed (zhashx_t *owed, const notify_new_t *item)
{
    char identity [S_IDENTITY_MAX];
    const char *recipient = item->moment? s_recipient (item->key, item->moment): NULL;
    return owed && recipient && item->call && item->phase
        && s_identity (identity, item->call, item->phase, item->moment, recipient,
                       item->due, item->expires) == 0
        && zhashx_lookup (owed, identity);
}

bool
notify_renumber_elsewhere (zhashx_t *present, const notify_new_t *item,
                           int64_t due, int64_t expires)
{
    char identity [S_IDENTITY_MAX];
    return present && item->moment && item->call && item->phase
        && s_identity (identity, item->call, item->phase, item->moment, "", due, expires) == 0
        && zhashx_lookup (present, identity);
}
