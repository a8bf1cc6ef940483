/*  gateway_cors: the API for web pages of other origins, only those
    gateway/cors_origins lists (none by default: a browser then refuses a
    page elsewhere any answer of the gateway's).

    An allowed origin's requests are answered with
    Access-Control-Allow-Origin naming it (and Vary: Origin); its
    preflight (OPTIONS with Access-Control-Request-Method) with 204 and the
    methods and headers the API takes. Sessions travel in the
    Authorization header, never in cookies, so no credentials are allowed.
    Any other origin gets no such header: its page cannot read the answer,
    and its preflight is refused (403).
*/
#include "gateway.h"

#include <ctype.h>
#include <microhttpd.h>

#define ORIGINS_MAX     32
#define ORIGIN_MAX      256

struct _gateway_cors_t {
    char origins [ORIGINS_MAX][ORIGIN_MAX + 1];
    size_t count;
};

//  An origin as a browser sends it: http or https, a host of letters,
//  digits, dots and dashes, an optional port, nothing after.
static bool
s_origin_ok (const char *origin, size_t length)
{
    size_t scheme = strncmp (origin, "https://", 8) == 0? 8:
                    strncmp (origin, "http://", 7) == 0? 7: 0;
    if (!scheme || length <= scheme || length > ORIGIN_MAX)
        return false;
    bool port = false;
    for (size_t i = scheme; i < length; i++) {
        unsigned char c = (unsigned char) origin [i];
        if (c == ':' && !port && i > scheme && i + 1 < length)
            port = true;
        else
        if (port? !isdigit (c): !(islower (c) || isdigit (c) || c == '.' || c == '-'))
            return false;
    }
    return true;
}

gateway_cors_t *
gateway_cors_new (const char *origins, char **error)
{
    gateway_cors_t *self = (gateway_cors_t *) zmalloc (sizeof (gateway_cors_t));
    const char *cursor = origins? origins: "";
    while (*cursor && !*error) {
        cursor += strspn (cursor, " ,\t");
        size_t length = strcspn (cursor, " ,\t");
        if (!length)
            break;
        if (!s_origin_ok (cursor, length))
            *error = zsys_sprintf ("gateway/cors_origins: '%.*s' is not an origin: list each one as "
                                   "https://host or https://host:port (lower case, no path, no *)",
                                   (int) (length > ORIGIN_MAX? ORIGIN_MAX: length), cursor);
        else
        if (self->count == ORIGINS_MAX)
            *error = zsys_sprintf ("gateway/cors_origins: more than %d origins", ORIGINS_MAX);
        else
            snprintf (self->origins [self->count++], ORIGIN_MAX + 1, "%.*s", (int) length, cursor);
        cursor += length;
    }
    if (*error)
        gateway_cors_destroy (&self);
    return self;
}

void
gateway_cors_destroy (gateway_cors_t **self_p)
{
    if (self_p && *self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

const char *
gateway_cors_allowed (gateway_cors_t *self, const char *origin)
{
    for (size_t i = 0; self && origin && i < self->count; i++)
        if (streq (self->origins [i], origin))
            return self->origins [i];
    return NULL;
}

void
gateway_cors_headers (struct MHD_Response *response, const char *origin, bool preflight)
{
    MHD_add_response_header (response, "Access-Control-Allow-Origin", origin);
    MHD_add_response_header (response, "Vary", "Origin");
    if (preflight) {
        MHD_add_response_header (response, "Access-Control-Allow-Methods", "GET, HEAD, POST, PATCH, DELETE");
        MHD_add_response_header (response, "Access-Control-Allow-Headers",
                                 "Authorization, Content-Type, Idempotency-Key");
        MHD_add_response_header (response, "Access-Control-Max-Age", "600");
    }
    else
        MHD_add_response_header (response, "Access-Control-Expose-Headers", "Retry-After");
}
