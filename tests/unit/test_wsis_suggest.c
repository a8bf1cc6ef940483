/*  test_wsis_suggest: "did you mean" picks the word meant, and nothing
    when no word is close.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wsis_suggest.h"

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

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_close_words),
        cmocka_unit_test (test_no_close_word),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
