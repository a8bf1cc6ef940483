/*  notifications_renumber: a calendar key that now stands for another
    instant.

    A moment's key names its phase by name and number (notifications_
    schedule.c: the OCP's meetings are `meeting`, `meeting#2`, ...), so
    removing a meeting from the calendar hands its keys to the meeting
    after it, and each later one the keys of the one before (putting one
    before the others shifts them the other way), and a moved meeting
    keeps its keys. A row under such a key that is still scheduled
    is simply moved; one already made (sent, ready, skipped or failed) was
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

    Renumbering also gives a meeting already reminded a key it never had:
    notify_renumber_made finds the row made for it under its old number (the
    same call, phase name, kind, recipient and instants), so it is not made
    twice.
*/
#include "notifications.h"
#include "wsis_clock.h"

#include <ctype.h>
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
