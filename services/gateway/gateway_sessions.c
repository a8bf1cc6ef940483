/*  gateway_sessions: the live sessions the gateway has seen, in memory,
    in front of the session table (gateway_auth).

    Every request with a session names it (Authorization: Bearer), and the
    answer was one SELECT in the store: a read transaction, its locks and
    two fcntl calls per vote. The table stays the truth (a session is
    written there before its token is given out, and deleted there before
    sign-out says so); this only remembers what it answered, keyed by the
    token's SHA-256 like the table: whom the session acts for and until
    when. A session leaves it when it is signed out (gateway_auth forgets
    it before deleting the row, so a failed delete only costs a lookup)
    and when it expires (checked on every find against the service clock,
    as the SELECT did, and swept with the table's expired rows). It holds
    at most `max` sessions; past that, the expired ones go, and new ones
    are not kept until there is room (they are read from the store, as
    before). Nothing else deletes a session: a new way to revoke one
    (by stakeholder, by staff) must forget it here too.
*/
#include "gateway.h"

#include <sodium.h>

#define HASH_BYTES  crypto_hash_sha256_BYTES

typedef struct {
    unsigned char hash [HASH_BYTES];    //  the key: the token's SHA-256
    int64_t expires;                    //  service clock, ms
    char id [GATEWAY_ID_MAX + 1];       //  the stakeholder it acts for
} entry_t;

struct _gateway_sessions_t {
    zhashx_t *entries;          //  hash -> entry_t (owns them; the key is inside)
    size_t max;
};

static void
s_entry_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

//  The key is a SHA-256: its first bytes are as good a hash as any.
static size_t
s_key_hash (const void *key)
{
    size_t value;
    memcpy (&value, key, sizeof value);
    return value;
}

static int
s_key_compare (const void *a, const void *b)
{
    return memcmp (a, b, HASH_BYTES);
}

gateway_sessions_t *
gateway_sessions_new (size_t max)
{
    gateway_sessions_t *self = (gateway_sessions_t *) zmalloc (sizeof (gateway_sessions_t));
    self->entries = zhashx_new ();
    zhashx_set_destructor (self->entries, s_entry_destroy);
    zhashx_set_key_hasher (self->entries, s_key_hash);
    zhashx_set_key_comparator (self->entries, s_key_compare);
    //  The key lives in its entry: neither copied nor freed by itself.
    zhashx_set_key_duplicator (self->entries, NULL);
    zhashx_set_key_destructor (self->entries, NULL);
    self->max = max;
    return self;
}

void
gateway_sessions_destroy (gateway_sessions_t **self_p)
{
    if (self_p && *self_p) {
        zhashx_destroy (&(*self_p)->entries);
        free (*self_p);
        *self_p = NULL;
    }
}

int
gateway_sessions_find (gateway_sessions_t *self, const unsigned char *hash, int64_t now,
                       char *id, size_t size)
{
    entry_t *entry = (entry_t *) zhashx_lookup (self->entries, hash);
    if (!entry)
        return 0;
    if (now >= entry->expires) {
        zhashx_delete (self->entries, hash);
        return 0;
    }
    gateway_copy (id, size, entry->id, strlen (entry->id));
    return 1;
}

void
gateway_sessions_put (gateway_sessions_t *self, const unsigned char *hash, const char *id,
                      int64_t expires, int64_t now)
{
    if (now >= expires || strlen (id) > GATEWAY_ID_MAX || zhashx_lookup (self->entries, hash))
        return;
    if (zhashx_size (self->entries) >= self->max)
        gateway_sessions_expire (self, now);
    if (zhashx_size (self->entries) >= self->max)
        return;
    entry_t *entry = (entry_t *) zmalloc (sizeof (entry_t));
    memcpy (entry->hash, hash, HASH_BYTES);
    entry->expires = expires;
    snprintf (entry->id, sizeof entry->id, "%s", id);
    zhashx_insert (self->entries, entry->hash, entry);
}

void
gateway_sessions_forget (gateway_sessions_t *self, const unsigned char *hash)
{
    zhashx_delete (self->entries, hash);
}

void
gateway_sessions_expire (gateway_sessions_t *self, int64_t now)
{
    zlistx_t *expired = zlistx_new ();
    for (entry_t *entry = (entry_t *) zhashx_first (self->entries); entry;
         entry = (entry_t *) zhashx_next (self->entries))
        if (now >= entry->expires)
            zlistx_add_end (expired, entry->hash);
    for (void *hash = zlistx_first (expired); hash; hash = zlistx_next (expired))
        zhashx_delete (self->entries, hash);
    zlistx_destroy (&expired);
}

size_t
gateway_sessions_size (gateway_sessions_t *self)
{
    return zhashx_size (self->entries);
}
