/*  gateway_limits: token buckets, one per (what, who), so one client
    cannot flood sign-in, votes or submissions (docs/protocol.md,
    "wsis-gateway (HTTP)").

    A bucket holds up to `burst` tokens and gains `per_minute` a minute;
    a request takes one, and when none is left it is refused with the
    seconds until one is back (429, Retry-After). Buckets live in memory
    (a restart forgives everyone); a full bucket is the same as no bucket,
    so those are dropped every minute, and the table never holds more
    than GATEWAY_BUCKETS_MAX: past that, new clients share one bucket per
    kind, which is strict but bounded.
*/
#include "gateway.h"

#include <math.h>

#define SWEEP_MS            (60 * 1000)

typedef struct {
    double tokens;
    int64_t at;                 //  zclock_mono of the last refill
    double per_ms;
    double burst;
} bucket_t;

struct _gateway_limits_t {
    zhashx_t *buckets;          //  "<kind>\x1f<who>" -> bucket_t
    int64_t swept;
    size_t max;
};

static void
s_bucket_destroy (void **item)
{
    free (*item);
    *item = NULL;
}

gateway_limits_t *
gateway_limits_new (size_t max)
{
    gateway_limits_t *self = (gateway_limits_t *) zmalloc (sizeof (gateway_limits_t));
    self->buckets = zhashx_new ();
    zhashx_set_destructor (self->buckets, s_bucket_destroy);
    self->swept = zclock_mono ();
    self->max = max;
    return self;
}

void
gateway_limits_destroy (gateway_limits_t **self_p)
{
    if (self_p && *self_p) {
        zhashx_destroy (&(*self_p)->buckets);
        free (*self_p);
        *self_p = NULL;
    }
}

static void
s_refill (bucket_t *bucket, int64_t now)
{
    bucket->tokens = fmin (bucket->burst, bucket->tokens + (double) (now - bucket->at) * bucket->per_ms);
    bucket->at = now;
}

//  Drops the buckets that have filled up again: they remember nothing.
static void
s_sweep (gateway_limits_t *self, int64_t now)
{
    zlistx_t *keys = zhashx_keys (self->buckets);
    for (const char *key = (const char *) zlistx_first (keys); key; key = (const char *) zlistx_next (keys)) {
        bucket_t *bucket = (bucket_t *) zhashx_lookup (self->buckets, key);
        s_refill (bucket, now);
        if (bucket->tokens >= bucket->burst)
            zhashx_delete (self->buckets, key);
    }
    zlistx_destroy (&keys);
    self->swept = now;
}

unsigned
gateway_limits_take (gateway_limits_t *self, const char *kind, const char *who,
                     unsigned per_minute, unsigned burst)
{
    if (per_minute == 0)
        return 0;                   //  no limit
    int64_t now = zclock_mono ();
    if (now - self->swept >= SWEEP_MS || zhashx_size (self->buckets) >= self->max)
        s_sweep (self, now);
    char *key = zhashx_size (self->buckets) < self->max?
        zsys_sprintf ("%s\x1f%s", kind, who): zsys_sprintf ("%s\x1f(everyone else)", kind);
    bucket_t *bucket = (bucket_t *) zhashx_lookup (self->buckets, key);
    if (!bucket) {
        bucket = (bucket_t *) zmalloc (sizeof (bucket_t));
        bucket->burst = burst? burst: 1;
        bucket->tokens = bucket->burst;
        bucket->per_ms = per_minute / 60000.0;
        bucket->at = now;
        zhashx_insert (self->buckets, key, bucket);
    }
    zstr_free (&key);
    s_refill (bucket, now);
    if (bucket->tokens >= 1.0) {
        bucket->tokens -= 1.0;
        return 0;
    }
    return (unsigned) ceil ((1.0 - bucket->tokens) / bucket->per_ms / 1000.0);
}

size_t
gateway_limits_size (gateway_limits_t *self)
{
    return zhashx_size (self->buckets);
}

bool
gateway_limited (gateway_t *self, gateway_call_t *call, const gateway_request_t *request,
                 const char *kind, unsigned per_minute, const char *who)
{
    unsigned wait = gateway_limits_take (self->limits, kind, request->client, per_minute, per_minute);
    if (wait == 0 && who)
        wait = gateway_limits_take (self->limits, kind, who, per_minute, per_minute);
    if (wait == 0)
        return false;
    gateway_http_retry_after (call, wait);
    gateway_http_fail (self->http, call, 429, "rate_limited", NULL,
                       "too many requests of this kind; try again in %u s", wait);
    return true;
}
