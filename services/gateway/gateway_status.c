/*  gateway_status: the protocol's error codes (docs/protocol.md section 2)
    as HTTP statuses. */
#include "gateway.h"

static const struct {
    const char *code;
    unsigned status;
} s_statuses [] = {
    { "bad_request", 400 },
    { "validation", 422 },          //  the request is well formed, a field is wrong
    { "forbidden", 403 },
    { "ineligible", 403 },          //  not allowed to, by the rules of the call
    { "not_found", 404 },
    { "unknown_op", 404 },
    { "duplicate", 409 },
    { "conflict", 409 },
    { "already_voted", 409 },
    { "phase_not_open", 409 },      //  not yet, or not in this phase
    { "deadline_passed", 410 },     //  never again, for this call
    { "limit_exceeded", 409 },
    { "too_large", 413 },
    { "rate_limited", 429 },
    { "internal", 500 },
    { "unavailable", 503 },
    { "timeout", 504 },
};

unsigned
gateway_status (const char *code)
{
    for (size_t i = 0; code && i < sizeof s_statuses / sizeof s_statuses [0]; i++)
        if (streq (s_statuses [i].code, code))
            return s_statuses [i].status;
    return 400;
}
