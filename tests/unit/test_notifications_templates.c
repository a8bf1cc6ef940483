/*  test_notifications_templates: the words of the notifications,
    configs/templates/<kind>.txt.

    The shipped templates must all load, use the placeholders that carry
    what each notification is about, and stay within 76 columns so an
    English mail goes out as readable 7bit. Every fault the loader
    catches is written into a folder of templates of the test's own, one
    fault at a time, and the message must name the file, the line and
    the placeholder, since that line is all an operator sees when the
    service refuses to start. Rendering is checked for literal braces,
    missing values, numbers, UTF-8 and the lines an empty note leaves
    out.
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
#include "notifications.h"

#define SHIPPED "../../configs/templates"

//  --------------------------------------------------------------------------
//  Helpers

//  A map of placeholder values built by the test, unpacked for rendering
typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer packer;
    msgpack_unpacked unpacked;
} vars_t;

//  Starts a map of count values
static void
s_vars_begin (vars_t *vars, uint32_t count)
{
    msgpack_sbuffer_init (&vars->buffer);
    msgpack_packer_init (&vars->packer, &vars->buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&vars->packer, count);
}

static void
s_vars_key (vars_t *vars, const char *key)
{
    msgpack_pack_str (&vars->packer, strlen (key));
    msgpack_pack_str_body (&vars->packer, key, strlen (key));
}

static void
s_vars_str (vars_t *vars, const char *key, const char *value)
{
    s_vars_key (vars, key);
    msgpack_pack_str (&vars->packer, strlen (value));
    msgpack_pack_str_body (&vars->packer, value, strlen (value));
}

//  The map, unpacked by msgpack-c; valid until s_vars_end
static const msgpack_object *
s_vars_object (vars_t *vars)
{
    test_unpack_whole (&vars->unpacked, &vars->buffer);
    return &vars->unpacked.data;
}

static void
s_vars_end (vars_t *vars)
{
    msgpack_unpacked_destroy (&vars->unpacked);
    msgpack_sbuffer_destroy (&vars->buffer);
}

//  Writes size bytes of text into dir/name
static void
s_write_bytes (const char *dir, const char *name, const char *text, size_t size)
{
    char path [256];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen (path, "wb");
    assert_non_null (file);
    assert_int_equal (fwrite (text, 1, size, file), size);
    assert_int_equal (fclose (file), 0);
}

static void
s_write (const char *dir, const char *name, const char *text)
{
    s_write_bytes (dir, name, text, strlen (text));
}

//  A folder of valid templates, one per kind; the caller removes it
static void
s_folder (char *dir, size_t size)
{
    assert_int_equal (test_tempdir_make (dir, size, "test_notify_templates"), 0);
    for (size_t i = 0; notify_template_kinds [i]; i++) {
        char name [64];
        char text [256];
        snprintf (name, sizeof name, "%s.txt", notify_template_kinds [i]);
        snprintf (text, sizeof text, "Subject: {call_title}: %s\n\nDear {name},\n\n"
                  "About {call}.\n", notify_template_kinds [i]);
        s_write (dir, name, text);
    }
}

//  Loading dir fails with a message holding each of the texts expected
static void
s_expect_error (const char *dir, const char *const *expected)
{
    char *error = NULL;
    notify_templates_t *templates = notify_templates_load (dir, &error);
    assert_null (templates);
    assert_non_null (error);
    assert_null (strchr (error, '\n'));
    for (size_t i = 0; expected [i]; i++)
        if (!strstr (error, expected [i]))
            fail_msg ("\"%s\" is not in the error: %s", expected [i], error);
    free (error);
}

//  The folder of valid templates but for one file, which fails to load
//  with a message holding each of the texts expected
static void
s_expect_fault (const char *file, const char *text, const char *const *expected)
{
    char dir [64];
    s_folder (dir, sizeof dir);
    s_write (dir, file, text);
    s_expect_error (dir, expected);
    assert_int_equal (test_tempdir_remove (dir), 0);
}

//  Loads dir, which must load
static notify_templates_t *
s_load (const char *dir)
{
    char *error = NULL;
    notify_templates_t *templates = notify_templates_load (dir, &error);
    if (!templates)
        fail_msg ("cannot load %s: %s", dir, error? error: "(no error)");
    assert_null (error);
    return templates;
}

//  A folder of valid templates where kind's file holds text; renders
//  kind with vars and checks the subject and body
static void
s_expect_render (const char *kind, const char *text, const msgpack_object *vars,
                 const char *subject, const char *body)
{
    char dir [64];
    s_folder (dir, sizeof dir);
    char name [64];
    snprintf (name, sizeof name, "%s.txt", kind);
    s_write (dir, name, text);
    notify_templates_t *templates = s_load (dir);
    char *rendered_subject = NULL;
    char *rendered_body = NULL;
    assert_int_equal (notify_templates_render (templates, kind, vars, &rendered_subject,
                                               &rendered_body), 0);
    assert_string_equal (rendered_subject, subject);
    assert_string_equal (rendered_body, body);
    free (rendered_subject);
    free (rendered_body);
    notify_templates_destroy (&templates);
    assert_null (templates);
    assert_int_equal (test_tempdir_remove (dir), 0);
}

static bool
s_common (const char *placeholder)
{
    static const char *const common [] = {
        "name", "email", "call", "call_title", "late_note", NULL
    };
    for (size_t i = 0; common [i]; i++)
        if (strcmp (common [i], placeholder) == 0)
            return true;
    return false;
}

//  --------------------------------------------------------------------------
//  Tests

//  Every kind has its placeholders, the common five among them
static void
test_kinds (void **state)
{
    size_t kinds = 0;
    for (size_t i = 0; notify_template_kinds [i]; i++, kinds++) {
        const char *kind = notify_template_kinds [i];
        const char *const *placeholders = notify_template_placeholders (kind);
        assert_non_null (placeholders);
        size_t common = 0;
        for (size_t p = 0; placeholders [p]; p++) {
            common += s_common (placeholders [p]);
            assert_true (strlen (placeholders [p]) < 32);
        }
        assert_int_equal (common, 5);
    }
    assert_int_equal (kinds, 17);         //  sign_in_code the last
    const char *const *champion = notify_template_placeholders ("champion");
    assert_string_equal (champion [5], "submission_id");
    assert_string_equal (champion [9], "rank");
    assert_null (champion [10]);
    assert_null (notify_template_placeholders ("champions"));
    assert_null (notify_template_placeholders (NULL));
}

//  Every shipped template loads, renders with all its placeholders, and
//  says what its notification is about: every placeholder of its own
//  kind is in the text, and the body says where to write
static void
test_shipped (void **state)
{
    notify_templates_t *templates = s_load (SHIPPED);
    for (size_t i = 0; notify_template_kinds [i]; i++) {
        const char *kind = notify_template_kinds [i];
        const char *const *placeholders = notify_template_placeholders (kind);
        size_t count = 0;
        while (placeholders [count])
            count++;
        vars_t vars;
        s_vars_begin (&vars, (uint32_t) count);
        for (size_t p = 0; placeholders [p]; p++) {
            char value [64];
            snprintf (value, sizeof value, "<%s>", placeholders [p]);
            s_vars_str (&vars, placeholders [p], value);
        }
        char *subject = NULL;
        char *body = NULL;
        assert_int_equal (notify_templates_render (templates, kind, s_vars_object (&vars),
                                                   &subject, &body), 0);
        assert_true (strlen (subject) > 10);
        assert_null (strchr (subject, '\n'));
        assert_true (strlen (body) > 100);
        assert_int_equal (body [strlen (body) - 1], '\n');
        assert_null (strpbrk (subject, "{}"));
        assert_null (strpbrk (body, "{}"));
        assert_non_null (strstr (body, "wsis-info@itu.int"));
        for (size_t p = 0; placeholders [p]; p++) {
            char value [64];
            snprintf (value, sizeof value, "<%s>", placeholders [p]);
            if (!s_common (placeholders [p]) && !strstr (subject, value) && !strstr (body, value))
                fail_msg ("%s.txt does not use {%s}", kind, placeholders [p]);
        }
        free (subject);
        free (body);
        s_vars_end (&vars);

        //  Without values: no placeholder left, no gap of two blank lines
        assert_int_equal (notify_templates_render (templates, kind, NULL, &subject, &body), 0);
        assert_null (strstr (body, "\n\n\n"));
        assert_int_not_equal (body [0], '\n');
        free (subject);
        free (body);
    }
    notify_templates_destroy (&templates);
    notify_templates_destroy (&templates);

    //  English text in 76 columns without trailing white space: a mail
    //  with short values goes out as 7bit, readable as it is
    for (size_t i = 0; notify_template_kinds [i]; i++) {
        char path [128];
        snprintf (path, sizeof path, SHIPPED "/%s.txt", notify_template_kinds [i]);
        FILE *file = fopen (path, "r");
        assert_non_null (file);
        char line [256];
        for (int number = 1; fgets (line, sizeof line, file); number++) {
            size_t length = strcspn (line, "\n");
            for (size_t c = 0; c < length; c++)
                assert_true ((unsigned char) line [c] >= 0x20 && (unsigned char) line [c] < 0x7F);
            if (number > 1 && length > 76)
                fail_msg ("%s:%d: longer than 76 columns", path, number);
            if (length > 0 && line [length - 1] == ' ')
                fail_msg ("%s:%d: a trailing space", path, number);
        }
        fclose (file);
    }
}

//  Faults of one file in a folder of valid templates: the file, what it
//  holds, and what the error must say
typedef struct {
    const char *file;
    const char *text;
    const char *expected [4];
} fault_t;

static const fault_t s_faults [] = {
    //  Placeholders the kind does not have, in the body and the subject
    { "deadline_reminder.txt",
      "Subject: {call_title} closes\n\nDear {name},\n\nThe {phase} phase closes on {dedline}.\n",
      { "deadline_reminder.txt:5:", "{dedline}", "deadline" } },
    { "champion.txt",
      "Subject: {call_title}: {votes} votes for {submision_id}\n\nDear {name},\n",
      { "champion.txt:1:", "{submision_id}" } },
    //  A placeholder of another kind is unknown here
    { "winner.txt", "Subject: {call_title}\n\nDear {name},\n\nWith {votes} votes.\n",
      { "winner.txt:5:", "{votes}" } },
    { "winner.txt", "Subject: x\n\n{}\n",
      { "winner.txt:3:", "{}" } },
    { "hltf_ack.txt",
      "Subject: Nomination\n\nDear {name},\nYou nominated {nominee_name.\n",
      { "hltf_ack.txt:4:", "unterminated", "{nominee_name" } },
    { "hltf_ack.txt", "Subject: Nomination {call\n\nDear {name},\n",
      { "hltf_ack.txt:1:", "unterminated", "{call" } },
    { "hltf_ack.txt", "Subject: Nomination\n\nDear {name {call}\n",
      { "hltf_ack.txt:3:", "unterminated", "{name" } },
    { "hltf_ack.txt", "Subject: Nomination\n\nat the end {",
      { "hltf_ack.txt:3:", "unterminated" } },
    { "photo_winner.txt", "Subject: Photo\n\nA lone } brace\n",
      { "photo_winner.txt:3:", "lone \"}\"" } },
    //  No Subject line, an empty one, no blank line after it
    { "winner.txt", "Dear {name},\n\nCongratulations.\n",
      { "winner.txt:1:", "Subject:" } },
    { "winner.txt", "subject: lower case\n\nCongratulations.\n",
      { "winner.txt:1:", "Subject:" } },
    { "winner.txt", "Subject:   \n\nCongratulations.\n",
      { "winner.txt:1:", "empty" } },
    { "winner.txt", "",
      { "winner.txt:1:", "Subject:" } },
    { "winner.txt", "Subject: Winner\nDear {name},\n",
      { "winner.txt:2:", "blank line" } },
    { "winner.txt", "Subject: Winner",
      { "winner.txt:2:", "blank line" } },
    //  No body: a file cut short
    { "winner.txt", "Subject: Winner\n",
      { "winner.txt:3:", "empty" } },
    { "winner.txt", "Subject: Winner\n\n  \n\n",
      { "winner.txt:3:", "empty" } },
    //  Not UTF-8: a Latin-1 e acute on line 4
    { "winner.txt", "Subject: Winner\n\nDear {name},\nF\xe9licitations\n",
      { "winner.txt:4:", "UTF-8" } },
};

//  Each fault names the file, the line and the placeholder
static void
test_faults (void **state)
{
    for (size_t i = 0; i < sizeof s_faults / sizeof s_faults [0]; i++)
        s_expect_fault (s_faults [i].file, s_faults [i].text, s_faults [i].expected);

    //  A NUL byte
    char dir [64];
    s_folder (dir, sizeof dir);
    s_write_bytes (dir, "winner.txt", "Subject: Winner\n\nNUL\0 inside\n", 28);
    s_expect_error (dir, (const char *const []) { "winner.txt", "NUL", NULL });
    assert_int_equal (test_tempdir_remove (dir), 0);

    //  A kind without its file
    s_folder (dir, sizeof dir);
    char path [128];
    snprintf (path, sizeof path, "%s/champion.txt", dir);
    assert_int_equal (unlink (path), 0);
    s_expect_error (dir, (const char *const []) { path, "No such file", NULL });
    assert_int_equal (test_tempdir_remove (dir), 0);
    s_expect_error ("/nonexistent/templates",
        (const char *const []) { "/nonexistent/templates/phase_opened.txt", NULL });

    //  A file too large to be a template
    s_folder (dir, sizeof dir);
    size_t size = 70 * 1024;
    char *large = malloc (size + 1);
    memset (large, 'x', size);
    memcpy (large, "Subject: large\n\n", 16);
    large [size] = 0;
    s_write (dir, "winner.txt", large);
    free (large);
    s_expect_error (dir, (const char *const []) { "winner.txt", "larger", NULL });
    assert_int_equal (test_tempdir_remove (dir), 0);
}

//  {{ and }} are braces; placeholders replaced by str values as they are
static void
test_braces (void **state)
{
    vars_t vars;
    s_vars_begin (&vars, 2);
    s_vars_str (&vars, "name", "Ada");
    s_vars_str (&vars, "call_title", "WSIS Prizes 2022");
    s_expect_render ("winner", "Subject: {{{call_title}}} {{x}}\n\n"
                     "Dear {name},\n{{name}} is a placeholder; {{{name}}}, }} and {{.\n",
                     s_vars_object (&vars), "{WSIS Prizes 2022} {x}",
                     "Dear Ada,\n{name} is a placeholder; {Ada}, } and {.\n");
    s_vars_end (&vars);

    //  A name is matched whole: {call} is not the start of call_title
    s_vars_begin (&vars, 3);
    s_vars_str (&vars, "call_title", "WSIS Prizes 2022");
    s_vars_str (&vars, "name", "Ada");
    s_vars_str (&vars, "call", "prizes-2022");
    s_expect_render ("winner", "Subject: {call}\n\n{call_title} ({call})\n",
                     s_vars_object (&vars), "prizes-2022",
                     "WSIS Prizes 2022 (prizes-2022)\n");
    s_vars_end (&vars);
}

//  Placeholders without a value render empty; a line of nothing but
//  placeholders that rendered empty is left out, with its blank line
//  when it was a paragraph of its own
static void
test_missing_values (void **state)
{
    const char *text =
        "Subject: {call_title}: reminder{late_note}\n"
        "\n"
        "{late_note}\n"
        "\n"
        "Dear {name},\n"
        "\n"
        "{late_note}\n"
        "\n"
        "The {title} closes.\n"
        "  {late_note} {call}\n"
        "Reason: {reason}\n"
        "{late_note}\n"
        "Bye";
    const char *empty =
        "Dear ,\n"
        "\n"
        "The  closes.\n"
        "Reason: \n"
        "Bye\n";
    //  No map at all, an empty map, a map of other things
    s_expect_render ("nomination_result", text, NULL, ": reminder", empty);
    vars_t vars;
    s_vars_begin (&vars, 0);
    s_expect_render ("nomination_result", text, s_vars_object (&vars), ": reminder", empty);
    s_vars_end (&vars);
    s_vars_begin (&vars, 3);
    s_vars_str (&vars, "nominee_name", "not a placeholder of this kind");
    s_vars_key (&vars, "name");
    msgpack_pack_true (&vars.packer);
    s_vars_key (&vars, "late_note");
    msgpack_pack_nil (&vars.packer);
    s_expect_render ("nomination_result", text, s_vars_object (&vars), ": reminder", empty);
    s_vars_end (&vars);

    //  With the note: every line is there
    s_vars_begin (&vars, 3);
    s_vars_str (&vars, "late_note", "Late.");
    s_vars_str (&vars, "name", "Ada");
    s_vars_str (&vars, "reason", "Out of scope.");
    s_expect_render ("nomination_result", text, s_vars_object (&vars), ": reminderLate.",
                     "Late.\n\nDear Ada,\n\nLate.\n\nThe  closes.\n  Late. \n"
                     "Reason: Out of scope.\nLate.\nBye\n");
    s_vars_end (&vars);
}

//  int and uint values in decimal
static void
test_int_values (void **state)
{
    vars_t vars;
    s_vars_begin (&vars, 4);
    s_vars_key (&vars, "votes");
    msgpack_pack_uint64 (&vars.packer, 18446744073709551615ULL);
    s_vars_key (&vars, "rank");
    msgpack_pack_int (&vars.packer, 3);
    s_vars_key (&vars, "submission_id");
    msgpack_pack_int64 (&vars.packer, -9223372036854775807LL - 1);
    s_vars_key (&vars, "title");
    msgpack_pack_int (&vars.packer, 0);
    s_expect_render ("champion", "Subject: rank {rank} of {votes}\n\n{submission_id}/{title}\n",
                     s_vars_object (&vars), "rank 3 of 18446744073709551615",
                     "-9223372036854775808/0\n");
    s_vars_end (&vars);
}

//  UTF-8 values as they are; line ends in a subject value are spaces,
//  in a body value line ends; a value that is not UTF-8 is U+FFFD
static void
test_utf8_values (void **state)
{
    vars_t vars;
    s_vars_begin (&vars, 4);
    s_vars_str (&vars, "name", "Zoë Ōsaka");
    s_vars_str (&vars, "title", "Ηλεκτρονική υγεία 🌍\r\nBcc: x@example.org");
    s_vars_str (&vars, "category", "e-hea\nand more");
    s_vars_str (&vars, "submission_id", "sub-\xff\xfe");
    s_expect_render ("winner",
                     "Subject: {name}: {title}\n\nDear {name},\n{category}\n{submission_id}\n",
                     s_vars_object (&vars),
                     "Zoë Ōsaka: Ηλεκτρονική υγεία 🌍  Bcc: x@example.org",
                     "Dear Zoë Ōsaka,\ne-hea\nand more\n\xEF\xBF\xBD\n");
    s_vars_end (&vars);

    //  A UTF-8 template, CRLF line ends, a byte order mark
    s_vars_begin (&vars, 1);
    s_vars_str (&vars, "name", "Zoë");
    s_expect_render ("winner",
                     "\xEF\xBB\xBFSubject: Félicitations, {name}\r\n\r\n"
                     "Chère {name},\r\n\r\nBravo.\r\n",
                     s_vars_object (&vars), "Félicitations, Zoë", "Chère Zoë,\n\nBravo.\n");
    s_vars_end (&vars);
}

//  An unknown kind renders nothing
static void
test_unknown_kind (void **state)
{
    notify_templates_t *templates = s_load (SHIPPED);
    char *subject = (char *) "left";
    char *body = (char *) "left";
    assert_int_equal (notify_templates_render (templates, "winners", NULL, &subject, &body), -1);
    assert_null (subject);
    assert_null (body);
    assert_int_equal (notify_templates_render (templates, NULL, NULL, &subject, &body), -1);
    notify_templates_destroy (&templates);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_kinds),
        cmocka_unit_test (test_shipped),
        cmocka_unit_test (test_faults),
        cmocka_unit_test (test_braces),
        cmocka_unit_test (test_missing_values),
        cmocka_unit_test (test_int_values),
        cmocka_unit_test (test_utf8_values),
        cmocka_unit_test (test_unknown_kind),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
