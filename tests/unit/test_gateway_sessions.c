/*  test_gateway_sessions: the live sessions the gateway keeps in memory in
    front of its session table: found until they expire, forgotten when
    signed out, swept when expired, and never more than their bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "gateway.h"

#include <sodium.h>

static void
s_hash (unsigned n, unsigned char *hash)
{
    char token [32];
    snprintf (token, sizeof token, "token-%u", n);
    crypto_hash_sha256 (hash, (const unsigned char *) token, strlen (token));
}

static void
test_found_until_it_expires (void **state)
{
    gateway_sessions_t *sessions = gateway_sessions_new (16);
    unsigned char ada [crypto_hash_sha256_BYTES], bob [crypto_hash_sha256_BYTES];
    s_hash (1, ada);
    s_hash (2, bob);
    char id [GATEWAY_ID_MAX + 1] = "";
    assert_int_equal (gateway_sessions_find (sessions, ada, 1000, id, sizeof id), 0);
    gateway_sessions_put (sessions, ada, "stk-1", 5000, 1000);
    assert_int_equal (gateway_sessions_find (sessions, ada, 4999, id, sizeof id), 1);
    assert_string_equal (id, "stk-1");
    //  Another token is another session, even one that differs in a byte
    assert_int_equal (gateway_sessions_find (sessions, bob, 1000, id, sizeof id), 0);
    //  Expired: not found (and dropped), as the table's `expires > now`
    assert_int_equal (gateway_sessions_find (sessions, ada, 5000, id, sizeof id), 0);
    assert_int_equal (gateway_sessions_size (sessions), 0);
    //  One already expired is not kept
    gateway_sessions_put (sessions, bob, "stk-2", 5000, 6000);
    assert_int_equal (gateway_sessions_size (sessions), 0);
    gateway_sessions_destroy (&sessions);
    assert_null (sessions);
}

static void
test_signed_out_sessions_are_forgotten (void **state)
{
    gateway_sessions_t *sessions = gateway_sessions_new (16);
    unsigned char ada [crypto_hash_sha256_BYTES];
    s_hash (1, ada);
    char id [GATEWAY_ID_MAX + 1];
    gateway_sessions_put (sessions, ada, "stk-1", 5000, 1000);
    gateway_sessions_forget (sessions, ada);
    assert_int_equal (gateway_sessions_find (sessions, ada, 1000, id, sizeof id), 0);
    gateway_sessions_forget (sessions, ada);            //  twice: nothing happens
    //  Put again (read from the store again): it keeps the first id given
    gateway_sessions_put (sessions, ada, "stk-1", 5000, 1000);
    gateway_sessions_put (sessions, ada, "stk-9", 9000, 1000);
    assert_int_equal (gateway_sessions_find (sessions, ada, 1000, id, sizeof id), 1);
    assert_string_equal (id, "stk-1");
    gateway_sessions_destroy (&sessions);
}

static void
test_bounded_and_swept (void **state)
{
    gateway_sessions_t *sessions = gateway_sessions_new (4);
    unsigned char hash [crypto_hash_sha256_BYTES];
    char id [GATEWAY_ID_MAX + 1];
    //  Two that expire at 2000, two at 9000: full
    for (unsigned n = 0; n < 4; n++) {
        s_hash (n, hash);
        gateway_sessions_put (sessions, hash, "stk-x", n < 2? 2000: 9000, 1000);
    }
    assert_int_equal (gateway_sessions_size (sessions), 4);
    //  Full and none expired: a fifth is not kept (the store answers for it)
    s_hash (4, hash);
    gateway_sessions_put (sessions, hash, "stk-4", 9000, 1500);
    assert_int_equal (gateway_sessions_find (sessions, hash, 1500, id, sizeof id), 0);
    assert_int_equal (gateway_sessions_size (sessions), 4);
    //  Later, the expired ones make room
    gateway_sessions_put (sessions, hash, "stk-4", 9000, 3000);
    assert_int_equal (gateway_sessions_size (sessions), 3);
    assert_int_equal (gateway_sessions_find (sessions, hash, 3000, id, sizeof id), 1);
    assert_string_equal (id, "stk-4");
    //  The sweep drops every expired one
    gateway_sessions_expire (sessions, 9000);
    assert_int_equal (gateway_sessions_size (sessions), 0);
    gateway_sessions_destroy (&sessions);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_found_until_it_expires),
        cmocka_unit_test (test_signed_out_sessions_are_forgotten),
        cmocka_unit_test (test_bounded_and_swept),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
