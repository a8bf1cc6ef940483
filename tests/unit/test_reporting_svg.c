/*  test_reporting_svg: the heat map of the WSIS Action Lines x SDGs
    matrix and the 50/50 bar chart (services/reporting/reporting_svg.c).

    Each picture is written to a file and judged by programs other than
    the module: Python's xml.etree parses it (so every label is escaped,
    or the parse fails) and checks what a reader must find in it, read
    from the drawing itself: every cell of the map with its count written
    inside it in an ink that stays readable on its shade (WCAG contrast),
    shades that never get lighter as counts grow, white for 0 and
    visibly not white for 1 of thousands; for the
    chart, each group's bar as long as its share of the axis, its "12 of
    30 (40%)" or "no data", and the dashed line at 50%. Then rsvg-convert
    must draw it, 1200 pixels wide, as a browser shows it.
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
#include "reporting.h"

#define PYTHON "/usr/bin/python3"
#define RSVG "rsvg-convert"

//  The judge. argv [1] is the picture; each further argument is one
//  expectation:
//    text:N:S   exactly N <text> elements read S ("+" for N: at least one)
//    cells:R:C:a,b,...  the heat map has R x C cells, row-major, of these
//               counts, each drawn as described above
//    bars:s,s,...  the chart's bars, each a share (0..1) or "none"
//    parity     a dashed vertical line at the axis's 50%, labelled 50/50
static const char *s_svg_judge =
    "import sys, xml.etree.ElementTree as ET\n"
    "NS = '{http://www.w3.org/2000/svg}'\n"
    "root = ET.parse(sys.argv[1]).getroot()\n"
    "assert root.tag == NS + 'svg', root.tag\n"
    "assert root.get('width') == '1200', root.get('width')\n"
    "box = root.get('viewBox').split()\n"
    "assert box[:3] == ['0', '0', '1200'] and box[3] == root.get('height'), box\n"
    "assert root.get('font-family').endswith('sans-serif'), root.get('font-family')\n"
    "def text_of(e): return ''.join(e.itertext())\n"
    "texts = [text_of(t) for t in root.iter(NS + 'text')]\n"
    "def luminance(fill):\n"
    "    rgb = [int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5)]\n"
    "    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]\n"
    "    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]\n"
    "def contrast(a, b):\n"
    "    la, lb = sorted([luminance(a), luminance(b)])\n"
    "    return (lb + 0.05) / (la + 0.05)\n"
    "def tick(label):\n"
    "    return [float(t.get('x')) for t in root.iter(NS + 'text') if text_of(t) == label][0]\n"
    "def check_cells(rows, columns, counts):\n"
    "    cells = [g for g in root.iter(NS + 'g') if g.find(NS + 'rect') is not None\n"
    "             and g.find(NS + 'title') is not None]\n"
    "    assert len(cells) == rows * columns == len(counts), (len(cells), rows, columns)\n"
    "    shades = []\n"
    "    for cell, count in zip(cells, counts):\n"
    "        rect = cell.find(NS + 'rect')\n"
    "        x, y = float(rect.get('x')), float(rect.get('y'))\n"
    "        w, h = float(rect.get('width')), float(rect.get('height'))\n"
    "        fill = rect.get('fill')\n"
    "        shades.append((count, luminance(fill)))\n"
    "        written = cell.findall(NS + 'text')\n"
    "        if count == 0:\n"
    "            assert fill == '#ffffff', ('0 is white', fill)\n"
    "            assert not written, 'an empty cell shows no count'\n"
    "            continue\n"
    "        assert contrast('#ffffff', fill) >= 1.15, ('a count is not white', count, fill)\n"
    "        assert [text_of(t) for t in written] == [str(count)], (count, [text_of(t) for t in written])\n"
    "        t = written[0]\n"
    "        assert x < float(t.get('x')) < x + w and y < float(t.get('y')) < y + h, 'count outside its cell'\n"
    "        assert contrast(t.get('fill'), fill) >= 4.5, ('unreadable', count, fill, t.get('fill'))\n"
    "    shades.sort()\n"
    "    for (a, la), (b, lb) in zip(shades, shades[1:]):\n"
    "        assert a == b or la >= lb, ('a larger count is lighter', a, b)\n"
    "    grid = [p for p in root.iter(NS + 'path') if p.get('stroke') and 'V' in p.get('d')]\n"
    "    assert grid and float(grid[-1].get('stroke-width')) <= 1, 'thin grid lines'\n"
    "    if counts and max(counts) > 0:\n"
    "        assert 'maximum: %d' % max(counts) in texts, 'the legend states the maximum'\n"
    "def check_bars(shares):\n"
    "    zero, full = tick('0%'), tick('100%')\n"
    "    groups = [g for g in root.iter(NS + 'g') if g.find(NS + 'title') is not None\n"
    "              and len(list(g.iter(NS + 'text'))) == 2]\n"
    "    assert len(groups) == len(shares), (len(groups), len(shares))\n"
    "    for g, share in zip(groups, shares):\n"
    "        bars = g.findall(NS + 'rect')\n"
    "        if share == 'none':\n"
    "            assert not bars and text_of(list(g.iter(NS + 'text'))[-1]) == 'no data'\n"
    "            continue\n"
    "        assert len(bars) == 1, 'one bar a group'\n"
    "        assert abs(float(bars[0].get('x')) - zero) < 0.5, 'a bar starts at 0%'\n"
    "        length = float(bars[0].get('width')) / (full - zero)\n"
    "        assert abs(length - float(share)) < 0.002, ('bar length', length, share)\n"
    "def check_parity():\n"
    "    middle = tick('50%')\n"
    "    lines = [l for l in root.iter(NS + 'line') if l.get('stroke-dasharray')]\n"
    "    assert any(abs(float(l.get('x1')) - middle) < 0.5 and l.get('x1') == l.get('x2')\n"
    "               for l in lines), 'no dashed line at 50%'\n"
    "    assert abs(tick('50/50') - middle) < 0.5, 'the 50/50 label is not over the line'\n"
    "    for label in ('0%', '25%', '75%', '100%'): tick(label)\n"
    "for expectation in sys.argv[2:]:\n"
    "    kind, _, rest = expectation.partition(':')\n"
    "    if kind == 'text':\n"
    "        count, _, want = rest.partition(':')\n"
    "        found = texts.count(want)\n"
    "        assert found >= 1 if count == '+' else found == int(count), (want, found, count)\n"
    "    elif kind == 'cells':\n"
    "        rows, columns, counts = rest.split(':')\n"
    "        check_cells(int(rows), int(columns), [int(c) for c in counts.split(',') if c])\n"
    "    elif kind == 'bars':\n"
    "        check_bars([s for s in rest.split(',') if s])\n"
    "    elif kind == 'parity':\n"
    "        check_parity()\n"
    "    else:\n"
    "        raise SystemExit('unknown expectation ' + expectation)\n";

//  The 18 categories as the WSIS-SDG matrix orders them
static const char *s_columns [18] = {
    "C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea",
    "e-emp", "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"
};

static const char *s_rows [17] = {
    "SDG 1", "SDG 2", "SDG 3", "SDG 4", "SDG 5", "SDG 6", "SDG 7", "SDG 8", "SDG 9",
    "SDG 10", "SDG 11", "SDG 12", "SDG 13", "SDG 14", "SDG 15", "SDG 16", "SDG 17"
};

//  A picture under judgement: its file, its PNG, and the arguments of
//  the judge
typedef struct {
    char dir [64];
    char svg [128];
    char png [128];
    const char *argv [400];
    size_t argc;
    zlist_t *strings;           //  expectations made here, freed at the end
    const char *log;            //  where the judge writes; NULL: the test's output
} judged_t;

static int
s_setup (void **state)
{
    judged_t *self = (judged_t *) calloc (1, sizeof (judged_t));
    assert_non_null (self);
    assert_int_equal (test_tempdir_make (self->dir, sizeof self->dir, "test_reporting_svg"), 0);
    snprintf (self->svg, sizeof self->svg, "%s/picture.svg", self->dir);
    snprintf (self->png, sizeof self->png, "%s/picture.png", self->dir);
    self->strings = zlist_new ();
    zlist_autofree (self->strings);
    *state = self;
    return 0;
}

static int
s_teardown (void **state)
{
    judged_t *self = (judged_t *) *state;
    zlist_destroy (&self->strings);
    int rc = test_tempdir_remove (self->dir);
    free (self);
    return rc;
}

//  Starts the judge's arguments over for a new picture
static void
s_expect_reset (judged_t *self)
{
    self->argv [0] = PYTHON;
    self->argv [1] = "-c";
    self->argv [2] = s_svg_judge;
    self->argv [3] = self->svg;
    self->argc = 4;
}

static void
s_expect (judged_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char *expectation = zsys_vprintf (format, args);
    va_end (args);
    zlist_append (self->strings, expectation);
    self->argv [self->argc++] = (const char *) zlist_last (self->strings);
    assert_true (self->argc < sizeof self->argv / sizeof self->argv [0]);
    free (expectation);
}

//  Writes the picture, which the caller gives up, and returns the
//  judge's verdict; 0 also needs rsvg-convert to draw it 1200 px wide
static int
s_judge (judged_t *self, zchunk_t **picture_p)
{
    test_file_write (self->svg, zchunk_data (*picture_p), zchunk_size (*picture_p));
    zchunk_destroy (picture_p);
    self->argv [self->argc] = NULL;
    int verdict = test_spawn_logged (self->argv, self->log);
    if (verdict)
        return verdict;
    const char *rsvg [] = { RSVG, "-o", self->png, self->svg, NULL };
    if (test_spawn (rsvg)) {
        print_error ("%s could not draw %s\n", RSVG, self->svg);
        return -1;
    }
    uint32_t width = 0, height = 0;
    if (test_png_size (self->png, &width, &height) || width != 1200 || height < 100) {
        print_error ("%s drew %u x %u pixels, not 1200 wide\n", RSVG, width, height);
        return -1;
    }
    unlink (self->png);
    return 0;
}

//  The cells expectation of a map
static void
s_expect_cells (judged_t *self, const report_heatmap_t *map)
{
    zchunk_t *counts = zchunk_new (NULL, 0);
    for (size_t cell = 0; cell < map->row_count * map->column_count; cell++)
        report_textf (counts, "%lld,", (long long) map->counts [cell]);
    char *text = zchunk_strdup (counts);
    s_expect (self, "cells:%zu:%zu:%s", map->row_count, map->column_count, text);
    free (text);
    zchunk_destroy (&counts);
}

//  The WSIS-SDG matrix of counts, with what every map of it must show
//  expected: its title, its labels and its cells
static report_heatmap_t
s_matrix (judged_t *self, const char *subtitle, const int64_t *counts)
{
    report_heatmap_t map = {
        "WSIS Action Lines x SDGs", subtitle, s_columns, 18, s_rows, 17, counts
    };
    s_expect_reset (self);
    s_expect (self, "text:1:%s", map.title);
    for (size_t row = 0; row < 17; row++)
        s_expect (self, "text:1:%s", s_rows [row]);
    for (size_t column = 0; column < 18; column++)
        s_expect (self, "text:1:%s", s_columns [column]);
    s_expect_cells (self, &map);
    return map;
}

//  Draws a map or a chart and asserts the judge finds what is expected
static void
s_assert_heatmap (judged_t *self, const report_heatmap_t *map)
{
    zchunk_t *picture = report_svg_heatmap (map);
    assert_int_equal (s_judge (self, &picture), 0);
}

static void
s_assert_gender (judged_t *self, const report_barchart_t *chart)
{
    zchunk_t *picture = report_svg_gender (chart);
    assert_int_equal (s_judge (self, &picture), 0);
}

//  --------------------------------------------------------------------------
//  The heat map

//  Nothing counted yet: white cells, no counts, a legend that says so
static void
test_heatmap_all_zero (void **state)
{
    judged_t *self = (judged_t *) *state;
    int64_t counts [17 * 18] = { 0 };
    report_heatmap_t map = s_matrix (self, NULL, counts);
    s_expect (self, "text:1:0");                //  the legend's, no cell's
    s_expect (self, "text:1:every cell is empty");
    s_assert_heatmap (self, &map);
}

//  One project in one cell
static void
test_heatmap_one_cell (void **state)
{
    judged_t *self = (judged_t *) *state;
    int64_t counts [17 * 18] = { 0 };
    counts [4 * 18 + 9] = 1;                    //  SDG 5, e-hea
    report_heatmap_t map = s_matrix (self, "One project so far", counts);
    s_expect (self, "text:1:One project so far");
    s_expect (self, "text:1:maximum: 1");
    s_assert_heatmap (self, &map);
}

//  The whole matrix, counts from 0 to tens of thousands: every count in
//  its cell, readable, shades in order
static void
test_heatmap_full (void **state)
{
    judged_t *self = (judged_t *) *state;
    int64_t counts [17 * 18];
    for (size_t cell = 0; cell < 17 * 18; cell++)
        counts [cell] = cell % 11 == 0? 0: (int64_t) ((cell * 7919) % 613);
    counts [17 * 18 - 1] = 48213;
    counts [0] = 1;
    report_heatmap_t map = s_matrix (self,
        "Projects of the WSIS Stocktaking by Action Line and Sustainable Development Goal", counts);
    s_expect (self, "text:1:C7 ICT applications");
    s_expect (self, "text:1:maximum: 48213");
    s_assert_heatmap (self, &map);
}

//  Labels from people are text, whatever they hold; long ones are cut
//  to fit, with the whole of them kept as a tooltip
static void
test_heatmap_escaping (void **state)
{
    judged_t *self = (judged_t *) *state;
    const char *columns [] = { "Women & <Tech>", "\"quoted\" 'single'", "]]> </svg>", "東京" };
    const char *long_row = "A row label far too long to fit in the column the rows have, "
                           "written by someone who had a lot to say about it";
    const char *rows [] = { "<script>alert(1)</script>", "a & b", long_row };
    int64_t counts [3 * 4] = { 0, 5, 0, 7, 1, 0, 2, 0, 0, 3, 0, 9 };
    report_heatmap_t map = {
        "Title & <b>bold</b>", "Sub \"title\"\x01", columns, 4, rows, 3, counts
    };
    s_expect_reset (self);
    s_expect (self, "text:1:Title & <b>bold</b>");
    s_expect (self, "text:1:Sub \"title\"");
    for (size_t column = 0; column < 4; column++)
        s_expect (self, "text:1:%s", columns [column]);
    s_expect (self, "text:1:%s", rows [0]);
    s_expect (self, "text:1:%s", rows [1]);
    s_expect (self, "text:0:%s", long_row);
    s_expect_cells (self, &map);
    zchunk_t *picture = report_svg_heatmap (&map);
    char *text = zchunk_strdup (picture);
    assert_null (strstr (text, "<script"));
    assert_non_null (strstr (text, long_row));  //  in the tooltip
    free (text);
    assert_int_equal (s_judge (self, &picture), 0);
}

//  No rows, no columns: still a picture, with its title
static void
test_heatmap_empty (void **state)
{
    judged_t *self = (judged_t *) *state;
    report_heatmap_t map = { "Nothing yet", NULL, NULL, 0, NULL, 0, NULL };
    s_expect_reset (self);
    s_expect (self, "text:1:Nothing yet");
    s_expect (self, "cells:0:0:");
    s_assert_heatmap (self, &map);
}

//  --------------------------------------------------------------------------
//  The 50/50 chart

//  No group: the axis and the line to reach are still there
static void
test_gender_empty (void **state)
{
    judged_t *self = (judged_t *) *state;
    report_barchart_t chart = { "The 50/50 challenge", NULL, NULL, 0 };
    s_expect_reset (self);
    s_expect (self, "text:1:The 50/50 challenge");
    s_expect (self, "bars:");
    s_expect (self, "parity");
    s_expect (self, "text:1:no groups yet");
    s_assert_gender (self, &chart);
}

static void
test_gender_one_group (void **state)
{
    judged_t *self = (judged_t *) *state;
    report_bar_t bars [] = { { "Speakers", 12, 30 } };
    report_barchart_t chart = { "The 50/50 challenge", "WSIS Forum 2022", bars, 1 };
    s_expect_reset (self);
    s_expect (self, "text:1:WSIS Forum 2022");
    s_expect (self, "text:1:Speakers");
    s_expect (self, "text:1:12 of 30 (40%%)");
    s_expect (self, "bars:0.4");
    s_expect (self, "parity");
    s_assert_gender (self, &chart);
}

//  Groups of every kind: no data, none, all, nearly all, nearly none,
//  and labels that need escaping or cutting
static void
test_gender_groups (void **state)
{
    judged_t *self = (judged_t *) *state;
    const char *long_label = "Moderators of the high-level policy sessions and of the "
                             "thematic workshops of the whole week";
    report_bar_t bars [] = {
        { "Women & <Tech>", 12, 30 },
        { "Photo contest winners", 0, 0 },
        { "HLTF", 7, 7 },
        { "Experts", 0, 25 },
        { "Gender Trendsetters", 199, 200 },
        { "東京 \"Ōsaka\"", 1, 200 },
        { long_label, 50, 100 },
    };
    report_barchart_t chart = { "Women & men at <WSIS>", "Share of women, by group", bars, 7 };
    s_expect_reset (self);
    s_expect (self, "text:1:Women & men at <WSIS>");
    s_expect (self, "text:1:Women & <Tech>");
    s_expect (self, "text:1:東京 \"Ōsaka\"");
    s_expect (self, "text:0:%s", long_label);
    s_expect (self, "text:1:12 of 30 (40%%)");
    s_expect (self, "text:1:no data");
    s_expect (self, "text:1:7 of 7 (100%%)");
    s_expect (self, "text:1:0 of 25 (0%%)");
    //  Rounded, but never to all or nothing when it is not
    s_expect (self, "text:1:199 of 200 (99%%)");
    s_expect (self, "text:1:1 of 200 (1%%)");
    s_expect (self, "text:1:50 of 100 (50%%)");
    s_expect (self, "bars:0.4,none,1,0,0.995,0.005,0.5");
    s_expect (self, "parity");
    s_assert_gender (self, &chart);
}

//  Counts a broken model could send are drawn within the axis
static void
test_gender_out_of_range (void **state)
{
    judged_t *self = (judged_t *) *state;
    report_bar_t bars [] = { { "More women than people", 40, 30 }, { "Negative", -3, -1 }, { NULL, 1, 2 } };
    report_barchart_t chart = { "Clamped", NULL, bars, 3 };
    s_expect_reset (self);
    s_expect (self, "text:1:30 of 30 (100%%)");
    s_expect (self, "text:1:no data");
    s_expect (self, "text:1:1 of 2 (50%%)");
    s_expect (self, "bars:1,none,0.5");
    s_expect (self, "parity");
    s_assert_gender (self, &chart);
}

//  The judge must be able to say no: a picture cut short does not parse,
//  a count the picture does not show is missed
static void
test_judge_refuses (void **state)
{
    judged_t *self = (judged_t *) *state;
    self->log = "/dev/null";    //  the tracebacks are expected
    report_bar_t bars [] = { { "Speakers", 12, 30 } };
    report_barchart_t chart = { "The 50/50 challenge", NULL, bars, 1 };
    s_expect_reset (self);
    s_expect (self, "text:1:13 of 30 (43%%)");
    zchunk_t *picture = report_svg_gender (&chart);
    assert_int_not_equal (s_judge (self, &picture), 0);

    s_expect_reset (self);
    picture = report_svg_gender (&chart);
    zchunk_t *cut = zchunk_new (zchunk_data (picture), zchunk_size (picture) / 2);
    zchunk_destroy (&picture);
    assert_int_not_equal (s_judge (self, &cut), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_heatmap_all_zero, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_heatmap_one_cell, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_heatmap_full, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_heatmap_escaping, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_heatmap_empty, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_gender_empty, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_gender_one_group, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_gender_groups, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_gender_out_of_range, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_judge_refuses, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
