/*  notifications_create: adding a notification, whatever caused it.

    Every notification gets the same common values (the recipient's name
    and address, the call and its title), a row keyed by what caused it,
    and a place in the service's memory of what to look at next: the
    earliest due for one that is scheduled, a flag for one that is ready.
    Both are hints; a rolled-back batch resets them (main.c), so they may
    send the service to look too early, never too late.
*/
#include "notifications.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <assert.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
notify_vars_addn (notify_vars_t *self, const char *key, const char *value, size_t len)
{
    //  The table of keys is the code's own, never the input's: a full one
    //  is our bug.
    assert (self->count < NOTIFY_VARS_MAX);
    char *copy = (char *) zmalloc (len + 1);
    memcpy (copy, value, len);
    self->keys [self->count] = key;
    self->values [self->count++] = copy;
}

void
notify_vars_add (notify_vars_t *self, const char *key, const char *value)
{
    notify_vars_addn (self, key, value? value: "", value? strlen (value): 0);
}

void
notify_vars_addf (notify_vars_t *self, const char *key, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char *text = zsys_vprintf (format, args);
    va_end (args);
    notify_vars_add (self, key, text);
    zstr_free (&text);
}

void
notify_vars_pack (const notify_vars_t *self, msgpack_packer *pk)
{
    msgpack_pack_map (pk, self->count);
    for (size_t i = 0; i < self->count; i++)
        wsis_pack_kv_str (pk, self->keys [i], self->values [i]);
}

void
notify_vars_release (notify_vars_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        free (self->values [i]);
    self->count = 0;
}

int
notify_key (char *key, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int length = vsnprintf (key, NOTIFY_KEY_MAX, format, args);
    va_end (args);
    if (length < 0 || length >= NOTIFY_KEY_MAX) {
        wsis_log_error ("a notification key is too long: %.80s...", key);
        return -1;
    }
    return 0;
}

void
notify_ref (const char *key, char *ref)
{
    unsigned char digest [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (digest, (const unsigned char *) key, strlen (key));
    sodium_bin2hex (ref, NOTIFY_REF_SIZE, digest, (NOTIFY_REF_SIZE - 1) / 2);
}

//  The vars of item: the caller's, then the common ones it did not set.
static void
s_pack_vars (wsis_service_t *service, const notify_new_t *item, const notify_vars_t *vars,
             msgpack_sbuffer *buffer)
{
    const wsis_call_t *call = item->call?
        wsis_calendar_call (wsis_service_calendar (service), item->call): NULL;
    const char *extra_keys [] = { "name", "email", "call", "call_title" };
    const char *extra_values [] = {
        item->recipient_name? item->recipient_name: "", item->recipient,
        item->call? item->call: "", call && *call->title? call->title: (item->call? item->call: "")
    };
    bool present [4] = { false };
    size_t extras = 0;
    for (size_t e = 0; e < 4; e++) {
        for (size_t i = 0; i < vars->count; i++)
            if (streq (vars->keys [i], extra_keys [e]))
                present [e] = true;
        extras += present [e]? 0: 1;
    }
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, vars->count + extras);
    for (size_t i = 0; i < vars->count; i++)
        wsis_pack_kv_str (&pk, vars->keys [i], vars->values [i]);
    for (size_t e = 0; e < 4; e++)
        if (!present [e])
            wsis_pack_kv_str (&pk, extra_keys [e], extra_values [e]);
}

int
notify_create (wsis_service_t *service, const notify_new_t *item, const notify_vars_t *vars)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    int64_t now = wsis_service_now (service);
    int64_t due = item->due? item->due: now;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    if (item->event) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
        notify_vars_pack (vars, &pk);
    }
    else
        s_pack_vars (service, item, vars, &buffer);
    const char *status = due > now? "scheduled":
                         item->catch_up_until? (now < item->catch_up_until? "scheduled": "skipped"):
                         item->skip_past? "skipped": "ready";
    notify_row_t row = {
        .key = item->key,
        .kind = item->kind,
        .call = item->call,
        .phase = item->phase,
        .moment = item->moment,
        .due = due,
        .expires = item->expires? item->expires: INT64_MAX,
        .rank = item->rank,
        .channel = item->event? "event": notify_channel_name (item->channel),
        .recipient = item->event? "": item->recipient,
        .recipient_name = item->recipient_name,
        .vars = buffer.data,
        .vars_size = buffer.size,
        .unsubscribe_token = item->unsubscribe_token,
        .status = status,
        .last_error = !streq (status, "skipped")? NULL: item->catch_up_until?
                      "what it announced had already passed": "due before it was scheduled",
        .created_at = now,
    };
    int rc = notify_store_add (wsis_service_store (service), &row);
    msgpack_sbuffer_destroy (&buffer);
    if (rc == 1 && streq (status, "ready")) {
        self->ready_waiting = true;
        notify_outgoing_soon (service);
    }
    else
    if (rc == 1 && streq (status, "scheduled") && due < self->next_due)
        self->next_due = due;
    return rc;
}

int
notify_create_for_staff (wsis_service_t *service, const char *prefix, const char *kind,
                         const char *call_id, const notify_vars_t *vars)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    const wsis_call_t *call = call_id?
        wsis_calendar_call (wsis_service_calendar (service), call_id): NULL;
    int added = 0;
    for (size_t i = 0; i < notify_staff_size (self->staff); i++) {
        const notify_staff_member_t *member = notify_staff_at (self->staff, i);
        if (call && !notify_staff_follows (member, call))
            continue;
        char key [NOTIFY_KEY_MAX];
        if (notify_key (key, "%s/staff/%s", prefix, member->email))
            continue;
        notify_new_t item = {
            .key = key,
            .kind = kind,
            .call = call_id,
            .channel = member->channel,
            .recipient = member->email,
            .recipient_name = member->name,
        };
        int rc = notify_create (service, &item, vars);
        if (rc < 0)
            return -1;
        added += rc;
    }
    return added;
}
