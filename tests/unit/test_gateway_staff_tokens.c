/*  test_gateway_staff_tokens: the staff listener's tokens file is read
    whole or refused whole with one line naming the file and the line; a
    token is found by what the tool presents, never by its hash or a
    prefix. */
#include "test_support.h"

#include "gateway.h"

#include <sodium.h>
#include <sys/stat.h>

typedef struct {
    char dir [256];
    char file [300];
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (fixture);
    assert_int_equal (test_tempdir_make (fixture->dir, sizeof fixture->dir, "staff_tokens"), 0);
    snprintf (fixture->file, sizeof fixture->file, "%s/gateway.staff_tokens", fixture->dir);
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    test_tempdir_remove (fixture->dir);
    free (fixture);
    return 0;
}

//  The file holds text, with mode.
static void
s_write (fixture_t *fixture, const char *text, mode_t mode)
{
    FILE *handle = fopen (fixture->file, "w");
    assert_non_null (handle);
    fputs (text, handle);
    fclose (handle);
    assert_int_equal (chmod (fixture->file, mode), 0);
}

//  The hex SHA-256 of token.
static void
s_digest (const char *token, char *hex)
{
    unsigned char hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, (const unsigned char *) token, strlen (token));
    sodium_bin2hex (hex, 2 * crypto_hash_sha256_BYTES + 1, hash, sizeof hash);
}

//  Reading fails, and the one line says each of the parts.
static void
s_refused (fixture_t *fixture, const char *part, const char *other)
{
    char *error = NULL;
    gateway_staff_tokens_t *tokens = gateway_staff_tokens_read (fixture->file, &error);
    assert_null (tokens);
    assert_non_null (error);
    assert_null (strchr (error, '\n'));
    assert_non_null (strstr (error, fixture->file));
    if (!strstr (error, part) || (other && !strstr (error, other)))
        fail_msg ("'%s' does not say '%s' and '%s'", error, part, other? other: "");
    zstr_free (&error);
}

static void
test_tokens_are_found_by_the_token (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char desk [65], tool [65];
    s_digest ("token-of-the-desk", desk);
    s_digest ("token-of-the-tool", tool);
    char *text = zsys_sprintf ("# staff tools\n\n  review-desk\t%s  \r\nstaff.tool_2 %s", desk, tool);
    s_write (fixture, text, 0600);
    zstr_free (&text);
    char *error = NULL;
    gateway_staff_tokens_t *tokens = gateway_staff_tokens_read (fixture->file, &error);
    assert_non_null (tokens);
    assert_null (error);
    assert_int_equal (gateway_staff_tokens_size (tokens), 2);
    assert_string_equal (gateway_staff_tokens_find (tokens, "token-of-the-desk"), "review-desk");
    assert_string_equal (gateway_staff_tokens_find (tokens, "token-of-the-tool"), "staff.tool_2");
    //  Not its hash, a prefix, nothing, or what is too long to be one
    assert_null (gateway_staff_tokens_find (tokens, desk));
    assert_null (gateway_staff_tokens_find (tokens, "token-of-the-des"));
    assert_null (gateway_staff_tokens_find (tokens, ""));
    assert_null (gateway_staff_tokens_find (tokens, NULL));
    char long_token [1000];
    memset (long_token, 'a', sizeof long_token - 1);
    long_token [sizeof long_token - 1] = 0;
    assert_null (gateway_staff_tokens_find (tokens, long_token));
    gateway_staff_tokens_destroy (&tokens);
    assert_null (tokens);
    gateway_staff_tokens_destroy (&tokens);
    assert_null (gateway_staff_tokens_find (NULL, "token-of-the-desk"));
}

static void
test_a_wrong_line_refuses_the_file (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char hex [65], other [65];
    s_digest ("a", hex);
    s_digest ("b", other);
    //  Each format takes two hashes: different ones, or the same twice.
    struct { const char *format; bool same; const char *part; const char *other; } cases [] = {
        { "desk\n", false, "line 1", "<name> <SHA-256" },
        { "# one\ndesk %s extra\n", false, "line 2", "<name> <SHA-256" },
        { "desk %.63s\n", false, "line 1", NULL },                     //  63 hex digits
        { "desk %.62szz\n", false, "line 1", NULL },                   //  not hex
        { "de/sk %s\n", false, "line 1", NULL },                       //  not a name
        { "a234567890123456789012345678901234567890123456789012345678901234X %s\n", false, "line 1", NULL },
        { "desk %s\ndesk %s\n", false, "line 2", "the name is on line 1" },
        { "desk %s\ntool %s\n", true, "line 2", "the token is on line 1" },
        { "", false, "holds no token", NULL },
        { "# nothing yet\n\n", false, "holds no token", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        char *text = zsys_sprintf (cases [i].format, hex, cases [i].same? hex: other);
        s_write (fixture, text, 0600);
        zstr_free (&text);
        s_refused (fixture, cases [i].part, cases [i].other);
    }
    //  A NUL byte, and a line too long to be one
    FILE *handle = fopen (fixture->file, "w");
    fprintf (handle, "desk %s", hex);
    fputc (0, handle);
    fputs ("\n", handle);
    fclose (handle);
    s_refused (fixture, "line 1", "NUL");
    handle = fopen (fixture->file, "w");
    fprintf (handle, "desk %s\n", hex);
    for (int i = 0; i < 2000; i++)
        fputc ('x', handle);
    fclose (handle);
    s_refused (fixture, "line 2", "too long");
}

static void
test_a_file_others_may_write_is_refused (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char hex [65];
    s_digest ("a", hex);
    char *text = zsys_sprintf ("desk %s\n", hex);
    s_write (fixture, text, 0620);
    s_refused (fixture, "writable by group or others", NULL);
    s_write (fixture, text, 0602);
    s_refused (fixture, "writable by group or others", NULL);
    //  Readable by others is allowed: it holds hashes, not tokens
    s_write (fixture, text, 0644);
    char *error = NULL;
    gateway_staff_tokens_t *tokens = gateway_staff_tokens_read (fixture->file, &error);
    assert_non_null (tokens);
    gateway_staff_tokens_destroy (&tokens);
    zstr_free (&text);
    //  Missing, or a folder
    unlink (fixture->file);
    s_refused (fixture, "cannot read it", NULL);
    error = NULL;
    assert_null (gateway_staff_tokens_read (fixture->dir, &error));
    assert_non_null (strstr (error, "not a file"));
    zstr_free (&error);
}

int
main (void)
{
    assert_int_equal (sodium_init () < 0, 0);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_tokens_are_found_by_the_token, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_wrong_line_refuses_the_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_file_others_may_write_is_refused, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
