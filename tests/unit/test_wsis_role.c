/*  test_wsis_role: role names on the wire and their bits
    (docs/protocol.md section 6).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "wsis_role.h"

//  --------------------------------------------------------------------------
//  Roles and helpers

static void
test_roles (void **state)
{
    const char *names [] = { "public", "stakeholder", "staff", "expert",
                             "operator", "gateway", "service", "publisher" };
    for (size_t index = 0; index < 8; index++) {
        wsis_role_t role = wsis_role_parse (names [index], strlen (names [index]));
        assert_int_equal (role, 1 << index);
        assert_string_equal (wsis_role_name (role), names [index]);
    }
    assert_int_equal (wsis_role_parse ("staff", 5), WSIS_ROLE_STAFF);
    assert_int_equal (wsis_role_parse ("operator", 8), WSIS_ROLE_OPERATOR);
    //  The length counts, not a NUL: msgpack strings are not terminated
    assert_int_equal (wsis_role_parse ("stakeholders", 11), WSIS_ROLE_STAKEHOLDER);
    assert_int_equal (wsis_role_parse ("stakeholder", 5), 0);
    assert_int_equal (wsis_role_parse ("public", 7), 0);
    assert_int_equal (wsis_role_parse ("", 0), 0);
    assert_int_equal (wsis_role_parse ("admin", 5), 0);
    assert_int_equal (wsis_role_parse ("STAFF", 5), 0);
    assert_string_equal (wsis_role_name ((wsis_role_t) 0), "unknown");
    assert_string_equal (wsis_role_name ((wsis_role_t) (WSIS_ROLE_STAFF | WSIS_ROLE_EXPERT)),
                         "unknown");
    assert_string_equal (wsis_role_name ((wsis_role_t) (1 << 8)), "unknown");
}

//  Roles for people to read, in the order of their bits (the order of
//  docs/protocol.md section 6), as forbidden messages name them.
static void
test_role_list (void **state)
{
    char buffer [128];
    assert_string_equal (wsis_role_list (WSIS_ROLE_STAFF, buffer, sizeof buffer), "staff");
    assert_string_equal (wsis_role_list (WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR, buffer, sizeof buffer),
                         "staff or operator");
    assert_string_equal (wsis_role_list (WSIS_ROLE_GATEWAY | WSIS_ROLE_STAKEHOLDER | WSIS_ROLE_OPERATOR,
                                         buffer, sizeof buffer),
                         "stakeholder, operator or gateway");
    assert_string_equal (wsis_role_list (0, buffer, sizeof buffer), "");
    assert_string_equal (wsis_role_list (0xff, buffer, sizeof buffer),
                         "public, stakeholder, staff, expert, operator, gateway, service or publisher");
    //  Cut, never overflowed
    char small [8];
    wsis_role_list (0xff, small, sizeof small);
    assert_int_equal (strlen (small), sizeof small - 1);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_roles),
        cmocka_unit_test (test_role_list),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
