/*  test_gateway_status: every error code of docs/protocol.md section 2 has
    the HTTP status the gateway's documentation gives it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "gateway.h"

static void
test_every_protocol_code (void **state)
{
    const struct { const char *code; unsigned status; } expected [] = {
        { "bad_request", 400 }, { "validation", 422 }, { "forbidden", 403 },
        { "not_found", 404 }, { "duplicate", 409 }, { "conflict", 409 },
        { "ineligible", 403 }, { "already_voted", 409 }, { "phase_not_open", 409 },
        { "deadline_passed", 410 }, { "limit_exceeded", 409 }, { "too_large", 413 },
        { "unknown_op", 404 }, { "unavailable", 503 }, { "internal", 500 },
        { "rate_limited", 429 },
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected [0]; i++)
        assert_int_equal (gateway_status (expected [i].code), expected [i].status);
}

static void
test_unknown_codes_are_client_errors (void **state)
{
    assert_int_equal (gateway_status ("something_new"), 400);
    assert_int_equal (gateway_status (""), 400);
    assert_int_equal (gateway_status (NULL), 400);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_every_protocol_code),
        cmocka_unit_test (test_unknown_codes_are_client_errors),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
