/*  test_wsis_suggest: "did you mean" picks the word meant, and nothing
    when no word is close.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wsis_suggest.h"

#include <string.h>

static const char *const s_phases [] = {
    "submission", "nomination", "voting", "selection", "announcement", "meeting", NULL
};

static void
test_close_words (void **state)
{
    assert_string_equal (wsis_suggest ("vote", s_phases), "voting");
    assert_string_equal (wsis_suggest ("nominations", s_phases), "nomination");
    assert_string_equal (wsis_suggest ("meetings", s_phases), "meeting");
    assert_string_equal (wsis_suggest ("selction", s_phases), "selection");
    assert_string_equal (wsis_suggest ("Voting", s_phases), "voting");
    assert_string_equal (wsis_suggest ("submision", s_phases), "submission");
}

static void
test_no_close_word (void **state)
{
    assert_null (wsis_suggest ("ceremony", s_phases));
    assert_null (wsis_suggest ("x", s_phases));
    assert_null (wsis_suggest ("", s_phases));
    assert_null (wsis_suggest (NULL, s_phases));
    assert_null (wsis_suggest ("vote", NULL));
    //  Longer than any name could be: no suggestion, no overrun
    char long_word [200];
    for (size_t i = 0; i < sizeof long_word - 1; i++)
        long_word [i] = 'v';
    long_word [sizeof long_word - 1] = 0;
    assert_null (wsis_suggest (long_word, s_phases));
}

static void
test_distance (void **state)
{
    struct { const char *a, *b; size_t distance; } cases [] = {
        { "organisation", "organization", 1 },
        { "categroy", "category", 1 },          //  two neighbours swapped
        { "Email", "email", 0 },                //  ASCII case ignored
        { "EMAIL", "email", 0 },
        { "", "call", 4 },
        { "call", "", 4 },
        { "", "", 0 },
        { "reasons", "reason", 1 },
        { "stakeholder", "stakeholder_id", 3 },
        { "xyz", "key", 3 },
        { "kitten", "sitting", 3 },
        { "ca", "abc", 3 },                     //  optimal string alignment, not full Damerau
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        size_t distance = wsis_suggest_distance (cases [i].a, strlen (cases [i].a),
                                                   cases [i].b, strlen (cases [i].b));
        if (distance != cases [i].distance)
            fail_msg ("%s / %s: %zu, not %zu", cases [i].a, cases [i].b, distance, cases [i].distance);
    }
    //  A word too long to compare is as far as its length
    char long_word [200];
    memset (long_word, 'a', sizeof long_word);
    assert_int_equal (wsis_suggest_distance (long_word, sizeof long_word, "a", 1), sizeof long_word);
    assert_int_equal (wsis_suggest_distance (long_word, 64, long_word, 64), 0);
}

static void
test_closest (void **state)
{
    const char *names [] = { "name", "email", "type", "country", "region", "gender", "organization" };
    size_t count = sizeof names / sizeof names [0];
    assert_int_equal (wsis_suggest_closest ("organisation", 12, names, count), 6);
    assert_int_equal (wsis_suggest_closest ("emial", 5, names, count), 1);
    assert_int_equal (wsis_suggest_closest ("Country", 7, names, count), 3);
    assert_int_equal (wsis_suggest_closest ("nmae", 4, names, count), 0);
    //  Nothing close
    assert_int_equal (wsis_suggest_closest ("shoe_size", 9, names, count), -1);
    assert_int_equal (wsis_suggest_closest ("xyz", 3, names, count), -1);
    assert_int_equal (wsis_suggest_closest ("", 0, names, count), -1);
    //  A short name is not suggested for anything of that length: 'q' is
    //  not 'x', and 'id' not 'ab'
    const char *short_names [] = { "q", "id" };
    assert_int_equal (wsis_suggest_closest ("x", 1, short_names, 2), -1);
    assert_int_equal (wsis_suggest_closest ("ab", 2, short_names, 2), -1);
    assert_int_equal (wsis_suggest_closest ("ids", 3, short_names, 2), 1);
    //  The closest of two that are close
    const char *pair [] = { "format", "formats" };
    assert_int_equal (wsis_suggest_closest ("formats", 7, pair, 2), 1);
    assert_int_equal (wsis_suggest_closest ("fromat", 6, pair, 2), 0);
    assert_false (wsis_suggest_close (1, 1));
    assert_true (wsis_suggest_close (1, 2));
    assert_true (wsis_suggest_close (4, 12));
    assert_false (wsis_suggest_close (5, 12));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_close_words),
        cmocka_unit_test (test_no_close_word),
        cmocka_unit_test (test_distance),
        cmocka_unit_test (test_closest),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
