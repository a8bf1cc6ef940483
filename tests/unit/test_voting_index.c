/*  test_voting_index: the in-memory uniqueness index of vote.cast.

    "One vote per voter per call per category" rests on this table alone:
    a key it loses lets a voter vote twice, a key it invents refuses a
    first vote. So beyond put and find, the tests grow it across many
    resizes and check every key and value after, look for keys never put,
    and check the table's own invariants (as many occupied slots as
    keys, at most 3/4 full) so that a probe that runs off the end of the
    array or a growth that drops entries shows as a failure, not as luck.
    They also hold the contract the vote path depends on: a reserve for
    `more` keys makes that many puts safe, with no allocation after the
    store write.
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

//  The largest vote number a value holds: 64 bits less 16 of candidate
#define MAX_VOTE_NO ((UINT64_C (1) << 48) - 1)

//  --------------------------------------------------------------------------
//  Helpers

//  The table holds exactly count keys, and has room for one more probe
//  to end on an empty slot: at most 3/4 full (a growth still moving keys
//  is finished first, and leaves no old table behind)
static void
s_expect_shape (voting_index_t *index)
{
    voting_index_settle (index);
    assert_null (index->old);
    if (!index->slots) {
        assert_int_equal (index->count, 0);
        return;
    }
    size_t capacity = index->mask + 1;
    assert_int_equal (capacity & index->mask, 0);       //  a power of two
    assert_true (index->count * 4 <= capacity * 3);
    size_t occupied = 0;
    for (size_t slot = 0; slot < capacity; slot++)
        if (index->slots [slot].key)
            occupied++;
    assert_int_equal (occupied, index->count);
}

//  Puts a key the way the vote path does, after a reserve: checks first
//  that the reserve left room, and after that the key was counted, so a
//  table that fills up shows as a failure rather than as a probe that
//  never ends
static void
s_put (voting_index_t *index, uint64_t key, uint64_t value)
{
    assert_non_null (index->slots);
    size_t count = index->count;
    assert_true ((count + 1) * 4 <= (index->mask + 1) * 3);
    voting_index_put (index, key, value);
    assert_int_equal (index->count, count + 1);
}

static void
s_expect_value (const voting_index_t *index, uint64_t key, uint64_t expected)
{
    uint64_t value = 0;
    if (!voting_index_find (index, key, &value)) {
        print_error ("key 0x%llx is missing\n", (unsigned long long) key);
        fail ();
    }
    if (value != expected) {
        print_error ("key 0x%llx: value 0x%llx, not 0x%llx\n", (unsigned long long) key,
                     (unsigned long long) value, (unsigned long long) expected);
        fail ();
    }
}

//  Not there, and the value is left as it was
static void
s_expect_absent (const voting_index_t *index, uint64_t key)
{
    uint64_t value = 0x5eed;
    if (voting_index_find (index, key, &value)) {
        print_error ("key 0x%llx was never put\n", (unsigned long long) key);
        fail ();
    }
    assert_true (value == 0x5eed);
}

//  The n-th key of a large set: dense voter numbers over a few polls and
//  every category, as the real index holds them
static uint64_t
s_key (size_t n, uint32_t poll)
{
    return voting_index_key ((uint32_t) (n / WSIS_CATEGORY_COUNT + 1), poll,
                             (int) (n % WSIS_CATEGORY_COUNT));
}

static uint64_t
s_value (size_t n)
{
    return voting_index_value (n + 1, (uint32_t) (n % (VOTING_MAX_CANDIDATES + 1)));
}

//  Puts keys first..first+count-1 of the set, poll 3
static void
s_put_range (voting_index_t *index, size_t first, size_t count)
{
    for (size_t n = first; n < first + count; n++)
        s_put (index, s_key (n, 3), s_value (n));
}

//  Keys 0..count-1 are there with their values, and the same voters in
//  a poll never used are not
static void
s_expect_range (const voting_index_t *index, size_t count)
{
    for (size_t n = 0; n < count; n++) {
        s_expect_value (index, s_key (n, 3), s_value (n));
        s_expect_absent (index, s_key (n, 4));
    }
    //  Nor the voters after the last one
    for (size_t n = count; n < count + 1000; n++)
        s_expect_absent (index, s_key (n, 3));
}

static int
s_compare_keys (const void *a, const void *b)
{
    uint64_t left = *(const uint64_t *) a, right = *(const uint64_t *) b;
    return left < right? -1: left > right;
}

//  --------------------------------------------------------------------------
//  Tests

static void
test_empty (void **state)
{
    voting_index_t index = { 0 };
    s_expect_absent (&index, voting_index_key (1, 0, 0));
    s_expect_absent (&index, voting_index_key (UINT32_MAX, VOTING_MAX_POLLS - 1, 17));
    //  Reserving nothing on an empty index is fine, and finds nothing
    assert_int_equal (voting_index_reserve (&index, 0), 0);
    s_expect_absent (&index, voting_index_key (1, 0, 0));
    s_expect_shape (&index);
    //  Reserved but empty
    assert_int_equal (voting_index_reserve (&index, 1), 0);
    s_expect_absent (&index, voting_index_key (1, 0, 0));
    s_expect_shape (&index);
    voting_index_reset (&index);
    voting_index_reset (&index);
}

static void
test_put_find (void **state)
{
    voting_index_t index = { 0 };
    uint64_t key = voting_index_key (7, 2, 5);
    assert_int_equal (voting_index_reserve (&index, 1), 0);
    s_put (&index, key, voting_index_value (42, 3));
    assert_int_equal (index.count, 1);
    s_expect_value (&index, key, voting_index_value (42, 3));
    //  Its neighbours in every part of the key are not there
    s_expect_absent (&index, voting_index_key (6, 2, 5));
    s_expect_absent (&index, voting_index_key (8, 2, 5));
    s_expect_absent (&index, voting_index_key (7, 1, 5));
    s_expect_absent (&index, voting_index_key (7, 3, 5));
    s_expect_absent (&index, voting_index_key (7, 2, 4));
    s_expect_absent (&index, voting_index_key (7, 2, 6));
    s_expect_shape (&index);
    voting_index_reset (&index);
}

static void
test_neighbour_keys (void **state)
{
    //  Voters, polls and categories at both ends of their ranges: the
    //  parts of a key must not run into each other
    const uint32_t voters [] = { 1, 2, 3, 255, 256, 65535, 65536, UINT32_MAX - 1, UINT32_MAX };
    const uint32_t polls [] = { 0, 1, 2, 31, 32, 1024, VOTING_MAX_POLLS - 2, VOTING_MAX_POLLS - 1 };
    size_t voter_count = sizeof voters / sizeof voters [0];
    size_t poll_count = sizeof polls / sizeof polls [0];
    size_t count = voter_count * poll_count * WSIS_CATEGORY_COUNT;

    uint64_t *keys = (uint64_t *) malloc (count * sizeof (uint64_t));
    assert_non_null (keys);
    size_t n = 0;
    for (size_t voter = 0; voter < voter_count; voter++)
        for (size_t poll = 0; poll < poll_count; poll++)
            for (int category = 0; category < WSIS_CATEGORY_COUNT; category++) {
                keys [n] = voting_index_key (voters [voter], polls [poll], category);
                assert_true (keys [n] != 0);        //  0 marks an empty slot
                n++;
            }

    voting_index_t index = { 0 };
    assert_int_equal (voting_index_reserve (&index, count), 0);
    for (n = 0; n < count; n++)
        s_put (&index, keys [n], voting_index_value (n + 1, (uint32_t) n));
    for (n = 0; n < count; n++)
        s_expect_value (&index, keys [n], voting_index_value (n + 1, (uint32_t) n));
    s_expect_shape (&index);
    voting_index_reset (&index);

    //  All distinct
    qsort (keys, count, sizeof (uint64_t), s_compare_keys);
    for (n = 1; n < count; n++)
        if (keys [n] == keys [n - 1]) {
            print_error ("key 0x%llx made twice\n", (unsigned long long) keys [n]);
            fail ();
        }
    free (keys);
}

static void
test_growth (void **state)
{
    //  200,000 keys, reserved in steps of different sizes as batches of
    //  the vote path do: nine resizes, from 1,024 slots to 524,288
    size_t total = 200000;
    const size_t steps [] = { 1, 7, 100, 1000, 3333 };
    voting_index_t index = { 0 };
    size_t count = 0;
    size_t resizes = 0;
    for (size_t step = 0; count < total; step++) {
        size_t more = steps [step % 5];
        if (more > total - count)
            more = total - count;
        voting_slot_t *before = index.slots;
        assert_int_equal (voting_index_reserve (&index, more), 0);
        if (index.slots != before)
            resizes++;
        s_put_range (&index, count, more);
        count += more;
        //  The first and the latest key stay findable at every size
        s_expect_value (&index, s_key (0, 3), s_value (0));
        s_expect_value (&index, s_key (count - 1, 3), s_value (count - 1));
    }
    assert_int_equal (index.count, total);
    assert_true (resizes >= 8);
    //  Every key is found while the last growth is still moving them
    assert_non_null (index.old);
    s_expect_range (&index, total);
    s_expect_shape (&index);
    s_expect_range (&index, total);
    voting_index_reset (&index);
}

static void
test_reserve (void **state)
{
    //  A reserve for `more` is enough for that many puts: put never
    //  allocates (the slots stay where they are) and never overfills.
    //  Sizes around the 3/4 boundary of the first table (768 of 1,024)
    //  and of later ones.
    const size_t sizes [] = { 1, 767, 768, 769, 1536, 1537, 5000 };
    for (size_t size = 0; size < sizeof sizes / sizeof sizes [0]; size++) {
        voting_index_t index = { 0 };
        assert_int_equal (voting_index_reserve (&index, sizes [size]), 0);
        voting_slot_t *slots = index.slots;
        s_put_range (&index, 0, sizes [size]);
        assert_ptr_equal (index.slots, slots);
        s_expect_shape (&index);
        s_expect_range (&index, sizes [size]);
        voting_index_reset (&index);
    }

    //  On a table already in use, a reserve counts what it holds: 700
    //  keys, then room for 100 more needs a larger table than 1,024
    voting_index_t index = { 0 };
    assert_int_equal (voting_index_reserve (&index, 700), 0);
    s_put_range (&index, 0, 700);
    assert_int_equal (voting_index_reserve (&index, 100), 0);
    s_put_range (&index, 700, 100);
    s_expect_shape (&index);
    s_expect_range (&index, 800);

    //  And a reserve that fits already moves nothing
    voting_slot_t *slots = index.slots;
    size_t room = (index.mask + 1) * 3 / 4 - index.count;
    assert_int_equal (voting_index_reserve (&index, room), 0);
    assert_ptr_equal (index.slots, slots);
    s_put_range (&index, 800, room);
    s_expect_shape (&index);
    s_expect_range (&index, 800 + room);
    voting_index_reset (&index);
}

static void
test_reset (void **state)
{
    voting_index_t index = { 0 };
    assert_int_equal (voting_index_reserve (&index, 5000), 0);
    s_put_range (&index, 0, 5000);
    voting_index_reset (&index);
    assert_null (index.slots);
    assert_int_equal (index.count, 0);
    assert_int_equal (index.mask, 0);
    s_expect_absent (&index, s_key (0, 3));
    s_expect_absent (&index, s_key (4999, 3));

    //  Reused: what was there before is gone, what is put now is found
    assert_int_equal (voting_index_reserve (&index, 10), 0);
    for (size_t n = 0; n < 10; n++)
        s_put (&index, s_key (n, 9), s_value (n + 100));
    for (size_t n = 0; n < 10; n++) {
        s_expect_value (&index, s_key (n, 9), s_value (n + 100));
        s_expect_absent (&index, s_key (n, 3));
    }
    s_expect_absent (&index, s_key (4999, 3));
    assert_int_equal (index.count, 10);
    s_expect_shape (&index);
    voting_index_reset (&index);
}

static void
test_values (void **state)
{
    //  The largest vote number and candidate the value holds come back
    //  whole, and neither spills into the other
    const uint64_t votes [] = { 0, 1, 2, 65535, 65536, UINT32_MAX, MAX_VOTE_NO - 1, MAX_VOTE_NO };
    const uint32_t candidates [] = { 0, 1, 255, 256, VOTING_MAX_CANDIDATES - 1,
                                     VOTING_MAX_CANDIDATES };
    for (size_t vote = 0; vote < sizeof votes / sizeof votes [0]; vote++)
        for (size_t candidate = 0; candidate < sizeof candidates / sizeof candidates [0];
             candidate++) {
            uint64_t value = voting_index_value (votes [vote], candidates [candidate]);
            assert_true (VOTING_VALUE_VOTE (value) == votes [vote]);
            assert_int_equal (VOTING_VALUE_CANDIDATE (value), candidates [candidate]);
        }
    assert_true (voting_index_value (1, 0) != voting_index_value (0, VOTING_MAX_CANDIDATES));

    //  And the index keeps a value of all 64 bits as it was given
    voting_index_t index = { 0 };
    assert_int_equal (voting_index_reserve (&index, 2), 0);
    uint64_t key = voting_index_key (UINT32_MAX, VOTING_MAX_POLLS - 1, WSIS_CATEGORY_COUNT - 1);
    s_put (&index, key, voting_index_value (MAX_VOTE_NO, VOTING_MAX_CANDIDATES));
    s_put (&index, voting_index_key (1, 0, 0), voting_index_value (1, 0));
    uint64_t value = 0;
    assert_true (voting_index_find (&index, key, &value));
    assert_true (VOTING_VALUE_VOTE (value) == MAX_VOTE_NO);
    assert_int_equal (VOTING_VALUE_CANDIDATE (value), VOTING_MAX_CANDIDATES);
    s_expect_value (&index, voting_index_key (1, 0, 0), voting_index_value (1, 0));
    voting_index_reset (&index);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_empty),
        cmocka_unit_test (test_put_find),
        cmocka_unit_test (test_neighbour_keys),
        cmocka_unit_test (test_growth),
        cmocka_unit_test (test_reserve),
        cmocka_unit_test (test_reset),
        cmocka_unit_test (test_values),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
