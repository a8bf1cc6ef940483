/*  test_voting_voters: the registry of who may vote (stakeholder_id ->
    voter_no).

    The registry is what makes a stakeholder eligible (`ineligible`
    otherwise), so a registry that finds "stk-1" when asked for "stk-10"
    lets an unregistered stakeholder vote, and one that misses an id
    refuses a registered one. The ids come from msgpack strings, which
    are not NUL-terminated: the length given is the whole id. The tests
    register ids that are prefixes of each other, look them up by a length
    shorter than the buffer, and grow the registry to 100,000 voters
    (several arena and table growths), then ask for prefixes of every id,
    which an id compared only up to the length asked would match.
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
#include "voting.h"

//  Every id of the large registry starts with this, then 7 digits
#define LARGE_PREFIX "stakeholder-registered-"

//  --------------------------------------------------------------------------
//  Helpers

//  The registry stays inside what it allocated: the arena holds every
//  name with its NUL, there is an offset for the last voter_no, and the
//  table is at most half full
static void
s_expect_shape (const voting_voters_t *voters)
{
    assert_true (voters->names_used <= voters->names_alloc);
    assert_true (voters->count < voters->alloc);
    assert_true (voters->count * 2 <= voters->slot_mask + 1);
}

//  Registers len bytes of id the way the service does: reserve, then add
static uint32_t
s_add_len (voting_voters_t *voters, const char *id, size_t len)
{
    assert_int_equal (voting_voters_reserve (voters, len), 0);
    uint32_t voter_no = voting_voters_add (voters, id, len);
    s_expect_shape (voters);
    return voter_no;
}

static uint32_t
s_add (voting_voters_t *voters, const char *id)
{
    return s_add_len (voters, id, strlen (id));
}

static uint32_t
s_find (const voting_voters_t *voters, const char *id)
{
    return voting_voters_find (voters, id, strlen (id));
}

//  id is registered as voter_no, and voter_no is named id
static void
s_expect_voter (const voting_voters_t *voters, const char *id, uint32_t voter_no)
{
    uint32_t found = s_find (voters, id);
    if (found != voter_no) {
        print_error ("'%s' is voter %u, not %u\n", id, found, voter_no);
        fail ();
    }
    assert_non_null (voting_voters_name (voters, voter_no));
    assert_string_equal (voting_voters_name (voters, voter_no), id);
}

//  Registers the ids of a NULL-terminated list in order: they are
//  numbered 1.. as they come, whatever the ids
static void
s_add_all (voting_voters_t *voters, const char *const *ids)
{
    for (uint32_t index = 0; ids [index]; index++)
        assert_int_equal (s_add (voters, ids [index]), index + 1);
}

//  Each id of the list is registered under its place in it, from 1
static void
s_expect_all (const voting_voters_t *voters, const char *const *ids)
{
    for (uint32_t index = 0; ids [index]; index++)
        s_expect_voter (voters, ids [index], index + 1);
}

//  The id of the n-th voter of the large registry
static void
s_large_id (char *id, size_t size, size_t n)
{
    snprintf (id, size, LARGE_PREFIX "%07zu", n);
}

//  --------------------------------------------------------------------------
//  Tests

static void
test_empty (void **state)
{
    voting_voters_t voters = { 0 };
    assert_int_equal (s_find (&voters, "stk-1"), 0);
    assert_int_equal (voting_voters_find (&voters, "", 0), 0);
    assert_null (voting_voters_name (&voters, 0));
    assert_null (voting_voters_name (&voters, 1));
    voting_voters_reset (&voters);
    voting_voters_reset (&voters);
}

static void
test_add_find (void **state)
{
    voting_voters_t voters = { 0 };
    //  Numbered 1.. in the order of registration, not of the ids
    const char *const ids [] = { "stk-c", "stk-a", "stk-b", NULL };
    s_add_all (&voters, ids);
    assert_int_equal (voters.count, 3);
    s_expect_all (&voters, ids);

    assert_int_equal (s_find (&voters, "stk-d"), 0);
    assert_int_equal (s_find (&voters, "STK-A"), 0);
    assert_int_equal (voting_voters_find (&voters, "", 0), 0);
    //  No voter 0, none after the last
    assert_null (voting_voters_name (&voters, 0));
    assert_null (voting_voters_name (&voters, 4));
    assert_null (voting_voters_name (&voters, UINT32_MAX));
    voting_voters_reset (&voters);
}

static void
test_prefixes (void **state)
{
    voting_voters_t voters = { 0 };
    //  The longer ones first, so a shorter id is looked up past them
    const char *const longer [] = { "stk-100", "stk-10", NULL };
    s_add_all (&voters, longer);
    //  Only the longer ones are registered yet
    assert_int_equal (s_find (&voters, "stk-1"), 0);
    assert_int_equal (s_find (&voters, "stk-"), 0);
    assert_int_equal (s_find (&voters, "stk-1000"), 0);

    assert_int_equal (s_add (&voters, "stk-1"), 3);
    const char *const all [] = { "stk-100", "stk-10", "stk-1", NULL };
    s_expect_all (&voters, all);
    assert_int_equal (s_find (&voters, "stk-"), 0);
    assert_int_equal (s_find (&voters, "stk-1000"), 0);
    assert_int_equal (s_find (&voters, "stk-2"), 0);
    voting_voters_reset (&voters);

    //  A probe meets a registered id only when it shares the slot chain,
    //  so three ids rarely put one in the way. 3,000 ids that all extend
    //  the shorter ones ("stk-000123" extends "stk-", "stk-0", ...
    //  "stk-00012") fill the table well past a third: the 340 prefixes
    //  looked up below walk chains full of ids they begin, and an equality
    //  check that stops at the prefix's length finds one.
    char id [32];
    for (unsigned n = 0; n < 3000; n++) {
        snprintf (id, sizeof id, "stk-%06u", n);
        assert_int_equal (s_add (&voters, id), n + 1);
    }
    for (unsigned n = 0; n < 3000; n++) {
        snprintf (id, sizeof id, "stk-%06u", n);
        for (size_t len = 0; len < strlen (id); len++)
            if (voting_voters_find (&voters, id, len)) {
                print_error ("the prefix '%.*s' was found\n", (int) len, id);
                fail ();
            }
    }
    voting_voters_reset (&voters);
}

static void
test_length (void **state)
{
    //  The length counts, not a NUL: ids arrive in msgpack strings
    voting_voters_t voters = { 0 };
    const char *buffer = "stk-100 and what follows in the frame";
    assert_int_equal (s_add_len (&voters, buffer, 7), 1);
    s_expect_voter (&voters, "stk-100", 1);
    assert_int_equal (voting_voters_find (&voters, buffer, 7), 1);
    assert_int_equal (voting_voters_find (&voters, buffer, 5), 0);
    assert_int_equal (voting_voters_find (&voters, buffer, 8), 0);

    assert_int_equal (s_add_len (&voters, buffer, 5), 2);
    s_expect_voter (&voters, "stk-1", 2);
    assert_int_equal (voting_voters_find (&voters, buffer, 5), 2);
    assert_int_equal (voting_voters_find (&voters, buffer, 6), 0);
    assert_int_equal (voting_voters_find (&voters, buffer, 7), 1);
    assert_int_equal (voting_voters_find (&voters, "stk-1xyz", 5), 2);

    //  An id with a NUL in it is no stakeholder_id
    assert_int_equal (voting_voters_find (&voters, "stk-1\0", 6), 0);
    assert_int_equal (voting_voters_find (&voters, "stk-1\0" "00", 8), 0);
    voting_voters_reset (&voters);
}

static void
test_many (void **state)
{
    //  100,000 voters: the arena of names (64 KiB at first), the offsets
    //  and the table (8,192 slots at first) all grow several times
    size_t total = 100000;
    voting_voters_t voters = { 0 };
    char id [64], first [64];
    s_large_id (first, sizeof first, 1);
    for (size_t n = 1; n <= total; n++) {
        s_large_id (id, sizeof id, n);
        assert_int_equal (s_add (&voters, id), n);
        //  Names stay whole and apart while the arena grows under them
        assert_string_equal (voting_voters_name (&voters, 1), first);
    }
    assert_int_equal (voters.count, total);
    for (size_t n = 1; n <= total; n++) {
        s_large_id (id, sizeof id, n);
        s_expect_voter (&voters, id, (uint32_t) n);
    }
    s_large_id (id, sizeof id, 0);
    assert_int_equal (s_find (&voters, id), 0);
    s_large_id (id, sizeof id, total + 1);
    assert_int_equal (s_find (&voters, id), 0);

    //  Every prefix of an id is a different id, and none is registered.
    //  Most of these are prefixes of all 100,000 ids and the table is
    //  more than a third full, so several of these probes meet an id
    //  that starts with the prefix: an equality check must refuse it.
    s_large_id (id, sizeof id, total);
    for (size_t len = 0; len < strlen (id); len++)
        if (voting_voters_find (&voters, id, len)) {
            print_error ("the prefix '%.*s' was found\n", (int) len, id);
            fail ();
        }
    voting_voters_reset (&voters);
}

static void
test_load_then_place (void **state)
{
    //  The load at start: the table reserved for every voter at once,
    //  then the names appended and placed in one pass (with its slots
    //  asked for ahead); the same finds as one at a time, and voters added
    //  one at a time afterwards (a registration) go on from there
    size_t total = 20000;
    voting_voters_t voters = { 0 };
    assert_int_equal (voting_slots_reserve (&voters.slots, &voters.slot_mask, total), 1);
    size_t capacity = voters.slot_mask + 1;
    assert_true (capacity >= 2 * (total + 1));
    char id [64];
    for (size_t n = 1; n <= total; n++) {
        s_large_id (id, sizeof id, n);
        assert_int_equal (voting_voters_reserve (&voters, strlen (id)), 0);
        assert_int_equal (voting_voters_append (&voters, id, strlen (id)), n);
    }
    //  Nothing is placed yet
    assert_int_equal (s_find (&voters, id), 0);
    voting_voters_place_from (&voters, 1);
    assert_int_equal (voters.slot_mask + 1, capacity);      //  no rehash on the way
    for (size_t n = 1; n <= total; n++) {
        s_large_id (id, sizeof id, n);
        s_expect_voter (&voters, id, (uint32_t) n);
    }
    size_t used = 0;
    for (size_t slot = 0; slot <= voters.slot_mask; slot++)
        used += voters.slots [slot] != 0;
    assert_int_equal (used, total);     //  each voter placed once
    assert_int_equal (s_add (&voters, "stk-late"), total + 1);
    s_expect_voter (&voters, "stk-late", (uint32_t) total + 1);

    //  Fewer voters than the look-ahead
    voting_voters_reset (&voters);
    assert_int_equal (voting_slots_reserve (&voters.slots, &voters.slot_mask, 3), 1);
    const char *const few [] = { "stk-1", "stk-2", "stk-3", NULL };
    for (size_t index = 0; few [index]; index++) {
        assert_int_equal (voting_voters_reserve (&voters, strlen (few [index])), 0);
        voting_voters_append (&voters, few [index], strlen (few [index]));
    }
    voting_voters_place_from (&voters, 1);
    s_expect_all (&voters, few);
    voting_voters_reset (&voters);
}

static void
test_arena_edge (void **state)
{
    //  An id whose last character is the last byte of the arena: its NUL
    //  does not fit, so the reserve before it must grow the arena
    voting_voters_t voters = { 0 };
    char id [128];
    size_t count = 0;
    do {
        snprintf (id, sizeof id, "stk-%06zu", ++count);
        s_add (&voters, id);
    } while (voters.names_alloc - voters.names_used >= 64);
    size_t room = voters.names_alloc - voters.names_used;
    memset (id, 'x', room);
    memcpy (id, "edge-", 5);
    id [room] = 0;
    assert_int_equal (s_add (&voters, id), count + 1);
    s_expect_voter (&voters, id, (uint32_t) count + 1);
    snprintf (id, sizeof id, "stk-%06zu", count);
    s_expect_voter (&voters, id, (uint32_t) count);
    voting_voters_reset (&voters);

    //  The same edge on a fresh registry, with one id as long as the whole
    //  first arena (64 KiB)
    size_t len = 64 * 1024;
    char *huge = (char *) malloc (len + 1);
    assert_non_null (huge);
    memset (huge, 'h', len);
    huge [len] = 0;
    assert_int_equal (s_add (&voters, huge), 1);
    s_expect_voter (&voters, huge, 1);
    assert_int_equal (s_add (&voters, "stk-after"), 2);
    s_expect_voter (&voters, "stk-after", 2);
    free (huge);
    voting_voters_reset (&voters);
}

static void
test_reset (void **state)
{
    voting_voters_t voters = { 0 };
    char id [64];
    for (size_t n = 1; n <= 5000; n++) {
        s_large_id (id, sizeof id, n);
        s_add (&voters, id);
    }
    voting_voters_reset (&voters);
    assert_int_equal (voters.count, 0);
    assert_null (voters.names);
    assert_null (voters.slots);
    s_large_id (id, sizeof id, 1);
    assert_int_equal (s_find (&voters, id), 0);
    assert_null (voting_voters_name (&voters, 1));

    //  Reused: numbering starts at 1 again
    assert_int_equal (s_add (&voters, "stk-b"), 1);
    assert_int_equal (s_add (&voters, id), 2);
    s_expect_voter (&voters, "stk-b", 1);
    s_expect_voter (&voters, id, 2);
    s_large_id (id, sizeof id, 2);
    assert_int_equal (s_find (&voters, id), 0);
    assert_null (voting_voters_name (&voters, 3));
    voting_voters_reset (&voters);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_empty),
        cmocka_unit_test (test_add_find),
        cmocka_unit_test (test_prefixes),
        cmocka_unit_test (test_length),
        cmocka_unit_test (test_many),
        cmocka_unit_test (test_load_then_place),
        cmocka_unit_test (test_arena_edge),
        cmocka_unit_test (test_reset),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
