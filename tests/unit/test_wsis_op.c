/*  test_wsis_op: finding an operation in a service's table, and who may
    call it (docs/protocol.md section 6).

    These two functions are the whole dispatch and access check of every
    command endpoint: a wrong match runs another operation's handler, a
    wrong role check lets a stakeholder call a staff operation. So the
    tests name near misses (a prefix, another case, a repeated name) and
    every role against every kind of operation.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "wsis_op.h"

#define ROLE_COUNT 8

static int
s_handler_first (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    return 0;
}

static int
s_handler_second (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    return 0;
}

//  A table as a service declares one; "vote.cast" twice on purpose: the
//  first line is the one that counts.
static const wsis_op_t s_table [] = {
    { "sys.ping", s_handler_first, WSIS_ROLE_PUBLIC, 0, NULL },
    { "vote.cast", s_handler_first, WSIS_ROLE_STAKEHOLDER | WSIS_ROLE_GATEWAY,
      WSIS_OP_WRITES | WSIS_OP_OWN_RETRY, NULL },
    { "vote.close", s_handler_second, WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR, WSIS_OP_WRITES, NULL },
    { "vote.cast", s_handler_second, WSIS_ROLE_STAFF, 0, NULL },
    { "vote.nobody", s_handler_second, 0, 0, NULL },
    { NULL }
};

//  --------------------------------------------------------------------------
//  Finding

static void
test_find (void **state)
{
    assert_ptr_equal (wsis_op_find (s_table, "sys.ping"), &s_table [0]);
    assert_ptr_equal (wsis_op_find (s_table, "vote.close"), &s_table [2]);
    assert_ptr_equal (wsis_op_find (s_table, "vote.nobody"), &s_table [4]);
    //  The first of two lines with one name
    const wsis_op_t *cast = wsis_op_find (s_table, "vote.cast");
    assert_ptr_equal (cast, &s_table [1]);
    assert_ptr_equal (cast->handler, s_handler_first);
    assert_int_equal (cast->flags, WSIS_OP_WRITES | WSIS_OP_OWN_RETRY);

    //  Near misses are unknown operations
    const char *unknown [] = { "vote", "vote.", "vote.cas", "vote.casts", "Vote.cast",
                               "vote.cast ", " vote.cast", "", "sys.ping.x" };
    for (size_t index = 0; index < sizeof unknown / sizeof unknown [0]; index++)
        if (wsis_op_find (s_table, unknown [index])) {
            print_error ("'%s' was found\n", unknown [index]);
            fail ();
        }

    //  No table, or an empty one, has no operations
    assert_null (wsis_op_find (NULL, "sys.ping"));
    const wsis_op_t empty [] = { { NULL } };
    assert_null (wsis_op_find (empty, "sys.ping"));
}

//  --------------------------------------------------------------------------
//  Who may call

//  op allows exactly the roles in allowed, of the eight there are
static void
s_expect_allows (const wsis_op_t *op, unsigned allowed)
{
    for (unsigned bit = 0; bit < ROLE_COUNT; bit++) {
        wsis_role_t role = (wsis_role_t) (1u << bit);
        if (wsis_op_allows (op, role) != ((allowed & role) != 0)) {
            print_error ("%s: role %s %s\n", op->name, wsis_role_name (role),
                         (allowed & role)? "refused": "allowed");
            fail ();
        }
    }
}

static void
test_allows (void **state)
{
    unsigned every_role = (1u << ROLE_COUNT) - 1;
    //  A public operation is open to every role, not only to `public`
    s_expect_allows (&s_table [0], every_role);
    s_expect_allows (&s_table [1], WSIS_ROLE_STAKEHOLDER | WSIS_ROLE_GATEWAY);
    s_expect_allows (&s_table [2], WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR);
    s_expect_allows (&s_table [3], WSIS_ROLE_STAFF);
    s_expect_allows (&s_table [4], 0);

    //  Public among other roles is still open to all
    const wsis_op_t mixed = { "reports.list", s_handler_first,
                              WSIS_ROLE_PUBLIC | WSIS_ROLE_STAFF, 0, NULL };
    s_expect_allows (&mixed, every_role);
    //  A caller with no role (0) gets only what is public
    assert_true (wsis_op_allows (&mixed, (wsis_role_t) 0));
    assert_false (wsis_op_allows (&s_table [2], (wsis_role_t) 0));
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_find),
        cmocka_unit_test (test_allows),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
