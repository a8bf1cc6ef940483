/*  test_reporting_csv: RFC 4180 cells and the text appenders of the
    reports (services/reporting/reporting_csv.c).

    The bytes of simple cells are checked here, but the verdict on the
    hard ones (titles with commas, quotes, CR, LF, CRLF and scripts other
    than Latin) is Python's csv module's: a table is written to a file and
    must read back cell for cell, every row ending in CRLF, the way a
    spreadsheet or a journalist's script would read the export.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "reporting.h"

#define PYTHON "/usr/bin/python3"

//  Reads argv [1] with csv.reader in strict mode and asserts it holds
//  rows of int (argv [2]) cells, equal in order to argv [3:], each row
//  ending in CRLF: every CRLF and LF of the file is either inside a cell
//  or the end of a row.
static const char *s_csv_judge =
    "import csv, sys\n"
    "path, columns, expected = sys.argv[1], int(sys.argv[2]), sys.argv[3:]\n"
    "data = open(path, 'rb').read().decode('utf-8')\n"
    "with open(path, newline='', encoding='utf-8') as f:\n"
    "    rows = list(csv.reader(f, strict=True))\n"
    "for n, row in enumerate(rows):\n"
    "    assert len(row) == columns, f'row {n} has {len(row)} cells: {row!r}'\n"
    "cells = [cell for row in rows for cell in row]\n"
    "assert cells == expected, f'read {cells!r}, wrote {expected!r}'\n"
    "assert data.endswith('\\r\\n'), 'the last row does not end in CRLF'\n"
    "inside = sum(cell.count('\\r\\n') for cell in cells)\n"
    "assert data.count('\\r\\n') == inside + len(rows), 'a row does not end in CRLF'\n"
    "inside = sum(cell.count('\\n') for cell in cells)\n"
    "assert data.count('\\n') == inside + len(rows), 'a bare LF ends a row'\n";

//  Asserts that chunk holds exactly expected
static void
s_assert_chunk (zchunk_t *chunk, const char *expected)
{
    char *text = zchunk_strdup (chunk);
    assert_string_equal (text, expected);
    zstr_free (&text);
}

//  A folder of the test's own, removed even when the test fails
static int
s_setup (void **state)
{
    char *dir = (char *) zmalloc (64);
    if (test_tempdir_make (dir, 64, "test_reporting_csv")) {
        free (dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int
s_teardown (void **state)
{
    char *dir = (char *) *state;
    int rc = test_tempdir_remove (dir);
    free (dir);
    return rc;
}

//  --------------------------------------------------------------------------
//  Tests

//  Plain cells go out as they are, the others quoted with quotes doubled
static void
test_cell_bytes (void **state)
{
    static const char *cells [] = {
        "plain", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", " padded", "padded ",
        "in side", "", NULL, "\""
    };
    size_t count = sizeof cells / sizeof cells [0];
    zchunk_t *out = zchunk_new (NULL, 0);
    for (size_t index = 0; index < count; index++)
        report_csv_cell (out, cells [index], index == count - 1);
    s_assert_chunk (out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\","
                         "\" padded\",\"padded \",in side,,,\"\"\"\"\r\n");
    zchunk_destroy (&out);
}

//  Integers over their whole range; reals with a fixed count of decimals,
//  rounded; no number (NaN, infinity) is an empty cell
static void
test_numbers (void **state)
{
    zchunk_t *out = zchunk_new (NULL, 0);
    report_csv_int (out, 0, false);
    report_csv_int (out, -42, false);
    report_csv_int (out, INT64_MAX, false);
    report_csv_int (out, INT64_MIN, true);
    report_csv_real (out, 8.5, 2, false);
    report_csv_real (out, 2.0 / 3.0, 3, false);
    report_csv_real (out, -1.25, 1, false);
    report_csv_real (out, 41.6, 0, false);
    report_csv_real (out, NAN, 2, false);
    report_csv_real (out, INFINITY, 2, true);
    s_assert_chunk (out, "0,-42,9223372036854775807,-9223372036854775808\r\n"
                         "8.50,0.667,-1.2,42,,\r\n");
    zchunk_destroy (&out);
}

//  A table of hostile titles written to a file reads back, cell for cell,
//  in Python's csv module
static void
test_python_reads_back (void **state)
{
    //  One row a project: its title and entity as people typed them
    static const struct {
        const char *title;
        const char *entity;
        int64_t votes;
        double share;
        const char *share_text;
    } rows [] = {
        { "Ōsaka, 東京 \"quoted\"\nline", "Ministry, of \"Digital\" Affairs", 1204, 0.4, "0.40" },
        { "CRLF\r\ninside", "lone CR\rhere", 0, 1.0 / 3.0, "0.33" },
        { "\"", "\n", -1, 1, "1.00" },
        { " leading and trailing ", "", 7, 0.125, "0.12" },
        { "Ελληνικά / العربية / हिन्दी", "=1+2", 3, 0.995, "0.99" },
        { "plain", "a,,b,", 12, 0, "0.00" },
        { "🙂 emoji", "tab\there", 5, 0.5, "0.50" },
    };
    size_t row_count = sizeof rows / sizeof rows [0];
    const size_t columns = 5;

    zchunk_t *out = zchunk_new (NULL, 0);
    //  The header, then the rows; the expected cells go to the judge
    const char *argv [3 + 3 + 7 * 5 + 5 + 1] = { PYTHON, "-c", s_csv_judge, NULL, "5" };
    size_t argc = 5;
    static const char *header [] = { "id", "title", "entity", "votes", "share" };
    for (size_t column = 0; column < columns; column++) {
        report_csv_cell (out, header [column], column == columns - 1);
        argv [argc++] = header [column];
    }
    char ids [7][8];
    char votes [7][24];
    for (size_t row = 0; row < row_count; row++) {
        snprintf (ids [row], sizeof ids [row], "%zu", row + 1);
        snprintf (votes [row], sizeof votes [row], "%lld", (long long) rows [row].votes);
        report_csv_int (out, (int64_t) row + 1, false);
        report_csv_cell (out, rows [row].title, false);
        report_csv_cell (out, rows [row].entity, false);
        report_csv_int (out, rows [row].votes, false);
        report_csv_real (out, rows [row].share, 2, true);
        argv [argc++] = ids [row];
        argv [argc++] = rows [row].title;
        argv [argc++] = rows [row].entity;
        argv [argc++] = votes [row];
        argv [argc++] = rows [row].share_text;
    }
    argv [argc] = NULL;
    assert_true (argc < sizeof argv / sizeof argv [0]);

    const char *dir = (const char *) *state;
    char path [128];
    snprintf (path, sizeof path, "%s/projects.csv", dir);
    test_file_write (path, zchunk_data (out), zchunk_size (out));
    argv [3] = path;
    assert_int_equal (test_spawn (argv), 0);

    //  The judge must be able to say no: a file cut inside a quoted cell
    //  (its traceback is expected, and not shown)
    test_file_write (path, zchunk_data (out), 60);
    assert_int_not_equal (test_spawn_logged (argv, "/dev/null"), 0);

    zchunk_destroy (&out);
}

//  Markup characters become entities; UTF-8 passes; the controls XML
//  cannot hold are dropped, tab, LF and CR kept
static void
test_text_xml (void **state)
{
    zchunk_t *out = zchunk_new (NULL, 0);
    report_text_xml (out, "Women & <Tech> \"quoted\" 'single' — 東京");
    report_text_xml (out, NULL);
    report_text_xml (out, "|bell\a|nul-less\x01\x1f|\t\n\r|");
    s_assert_chunk (out, "Women &amp; &lt;Tech&gt; &quot;quoted&quot; &#39;single&#39; — 東京"
                         "|bell|nul-less|\t\n\r|");
    zchunk_destroy (&out);
}

//  Formatted text of any length, past the stack buffer too
static void
test_textf (void **state)
{
    zchunk_t *out = zchunk_new (NULL, 0);
    report_text (out, "<");
    report_text (out, NULL);
    report_textf (out, "%d-%s", 42, "x");
    char long_text [1000];
    memset (long_text, 'y', sizeof long_text - 1);
    long_text [sizeof long_text - 1] = 0;
    report_textf (out, "[%s]", long_text);
    assert_int_equal (zchunk_size (out), 1 + 4 + 1 + 999 + 1);
    const char *data = (const char *) zchunk_data (out);
    assert_memory_equal (data, "<42-x[", 6);
    assert_memory_equal (data + 6, long_text, 999);
    assert_int_equal (data [6 + 999], ']');
    zchunk_destroy (&out);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_cell_bytes),
        cmocka_unit_test (test_numbers),
        cmocka_unit_test_setup_teardown (test_python_reads_back, s_setup, s_teardown),
        cmocka_unit_test (test_text_xml),
        cmocka_unit_test (test_textf),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
