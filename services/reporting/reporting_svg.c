/*  reporting_svg: the pictures the public and the press see.

    Two pictures, both SVG documents drawn on a canvas 1200 units wide
    (viewBox and width), so they read at 1200 px in a browser, scale on a
    phone, and print: the WSIS Action Lines x SDGs matrix as a heat map,
    and the 50/50 gender-balance challenge as one bar per group.

    Everything is laid out here, without a font library: widths of text
    are estimated from their characters (a wide CJK letter counts twice a
    Latin one), which is close enough to size the label columns and to cut
    a label too long for its column with an ellipsis, the whole label then
    kept as a tooltip. All text, labels from people first, goes through
    report_text_xml: "Women & <Tech>" is text, never markup. The fonts are
    Arial and its look-alikes, with the generic sans-serif as the last
    resort, which every renderer has.
*/
#include "reporting.h"
#include "wsis_alloc.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define S_WIDTH 1200
#define S_MARGIN 24
#define S_FONTS "Arial, Helvetica, 'Liberation Sans', sans-serif"
#define S_INK "#1f2933"             //  titles and labels
#define S_MUTED "#52606d"           //  subtitles, axes, notes
#define S_GRID "#d3dae1"

//  --------------------------------------------------------------------------
//  Text: its width, cut to fit, written

//  The code point at *text, moving text past it. Bytes that do not start
//  a well-formed sequence count as one character each, so a bad byte can
//  never make the walk skip the terminating NUL.
static uint32_t
s_utf8_next (const char **text)
{
    const unsigned char *c = (const unsigned char *) *text;
    uint32_t code = c [0];
    size_t length = code < 0x80? 1: code >> 5 == 0x6? 2: code >> 4 == 0xE? 3: code >> 3 == 0x1E? 4: 0;
    if (length == 0)
        length = 1;
    else
    if (length > 1) {
        code &= 0x3F >> (length - 1);
        for (size_t index = 1; index < length; index++) {
            if ((c [index] & 0xC0) != 0x80) {
                *text += 1;
                return c [0];
            }
            code = code << 6 | (c [index] & 0x3F);
        }
    }
    *text += length;
    return code;
}

//  The advance of one character in ems, rounded up from DejaVu Sans,
//  the widest of the fonts a renderer may fall back on (Arial and
//  Liberation Sans are narrower): a label is better cut a little early
//  than drawn past the edge. Wide scripts (CJK, Hangul, full-width
//  forms, emoji) take a whole em.
static double
s_char_width (uint32_t code)
{
    if ((code >= 0x1100 && code <= 0x115F) || (code >= 0x2E80 && code <= 0xA4CF)
    ||  (code >= 0xAC00 && code <= 0xD7A3) || (code >= 0xF900 && code <= 0xFAFF)
    ||  (code >= 0xFE30 && code <= 0xFE4F) || (code >= 0xFF00 && code <= 0xFF60)
    ||  (code >= 0xFFE0 && code <= 0xFFE6) || code >= 0x1F300)
        return 1.0;
    if (code == ' ' || (code < 0x80 && strchr ("il.,:;'|!()[]{}/\\-", (int) code)))
        return 0.34;
    if (code == 'm' || code == 'w' || code == 'M' || code == 'W')
        return 0.98;
    if (code >= 'A' && code <= 'Z')
        return 0.75;
    return 0.64;
}

//  The estimated width of text in units at font_size
static double
s_text_width (const char *text, double font_size)
{
    double ems = 0;
    while (*text)
        ems += s_char_width (s_utf8_next (&text));
    return ems * font_size;
}

//  A copy of text that fits width at font_size: whole characters, and an
//  ellipsis where it was cut. The caller frees it.
static char *
s_text_fit (const char *text, double font_size, double width)
{
    if (s_text_width (text, font_size) <= width)
        return wsis_strdup (text);
    double room = width - s_char_width (0x2026) * font_size;
    const char *end = text;
    double used = 0;
    while (*end) {
        const char *next = end;
        used += s_char_width (s_utf8_next (&next)) * font_size;
        if (used > room)
            break;
        end = next;
    }
    while (end > text && end [-1] == ' ')
        end--;
    size_t length = (size_t) (end - text);
    char *fitted = (char *) zmalloc (length + sizeof "\u2026");
    memcpy (fitted, text, length);
    memcpy (fitted + length, "\u2026", sizeof "\u2026");
    return fitted;
}

//  <text> at x, y with attributes (already safe: ours), holding text.
//  The baseline is moved by a third of an em so y is the middle of the
//  letters, which places a label level with its row.
static void
s_text (zchunk_t *out, double x, double y, const char *attributes, const char *text)
{
    report_textf (out, "<text x=\"%.1f\" y=\"%.1f\" dy=\"0.35em\" %s>", x, y, attributes);
    report_text_xml (out, text);
    report_text (out, "</text>\n");
}

//  A label cut to width, with the whole of it as a tooltip when cut
static void
s_label (zchunk_t *out, double x, double y, const char *attributes,
         const char *text, double font_size, double width)
{
    char *fitted = s_text_fit (text, font_size, width);
    if (strcmp (fitted, text) == 0)
        s_text (out, x, y, attributes, text);
    else {
        report_text (out, "<g><title>");
        report_text_xml (out, text);
        report_text (out, "</title>");
        s_text (out, x, y, attributes, fitted);
        report_text (out, "</g>\n");
    }
    free (fitted);
}

//  The root element, a white page (a picture saved from the browser must
//  not come out transparent on a dark viewer), the title and the
//  subtitle, which take s_header_height. The title and subtitle are also
//  the accessible name and description, which screen readers announce.
static void
s_open (zchunk_t *out, const char *id, double height, const char *title, const char *subtitle)
{
    report_textf (out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
        "viewBox=\"0 0 %d %.0f\" role=\"img\" aria-labelledby=\"%s-title %s-desc\" "
        "font-family=\"%s\">\n",
        S_WIDTH, height, S_WIDTH, height, id, id, S_FONTS);
    report_textf (out, "<title id=\"%s-title\">", id);
    report_text_xml (out, title);
    report_textf (out, "</title>\n<desc id=\"%s-desc\">", id);
    report_text_xml (out, subtitle);
    report_text (out, "</desc>\n");
    report_textf (out, "<rect width=\"%d\" height=\"%.0f\" fill=\"#ffffff\"/>\n", S_WIDTH, height);
    s_label (out, S_MARGIN, 34, "font-size=\"24\" font-weight=\"bold\" fill=\"" S_INK "\"",
             title, 24, S_WIDTH - 2 * S_MARGIN);
    if (subtitle)
        s_label (out, S_MARGIN, 62, "font-size=\"15\" fill=\"" S_MUTED "\"",
                 subtitle, 15, S_WIDTH - 2 * S_MARGIN);
}

//  The height a header of s_open takes
static double
s_header_height (const char *subtitle)
{
    return subtitle? 84: 60;
}

//  --------------------------------------------------------------------------
//  The heat map

#define S_CELL_HEIGHT 30
#define S_CELL_WIDTH_MAX 96
#define S_LABEL_FONT 14
#define S_COLUMN_FONT 13
#define S_COUNT_FONT 13
//  Room for the longest row label and a rotated column label
#define S_ROW_LABEL_MAX 300
#define S_COLUMN_LABEL_MAX 160
//  The sub-lines of Action Line C7, which the matrix shows as columns of
//  their own; their run gets a bracket naming C7.
#define S_C7_FIRST "e-gov"
#define S_C7_LAST "e-sci"
#define S_C7_COUNT 8

//  ColorBrewer's sequential "Blues", from near white to a strong blue
static const unsigned char s_blues [][3] = {
    { 0xf7, 0xfb, 0xff }, { 0xde, 0xeb, 0xf7 }, { 0xc6, 0xdb, 0xef },
    { 0x9e, 0xca, 0xe1 }, { 0x6b, 0xae, 0xd6 }, { 0x42, 0x92, 0xc6 },
    { 0x21, 0x71, 0xb5 }, { 0x08, 0x51, 0x9c }, { 0x08, 0x30, 0x6b }
};
#define S_BLUES (sizeof s_blues / sizeof s_blues [0])
//  Where on the ramp a count of almost nothing lands: a cell with one
//  project among cells of hundreds must still look other than empty.
#define S_RAMP_START 0.12

typedef struct {
    unsigned char rgb [3];
} colour_t;

//  The shade of count on a scale to max: white for 0, then linear along
//  the ramp, the maximum the strongest blue
static colour_t
s_shade (int64_t count, int64_t max)
{
    colour_t colour = {{ 0xff, 0xff, 0xff }};
    if (count <= 0 || max <= 0)
        return colour;
    double share = count >= max? 1: (double) count / (double) max;
    double position = (S_RAMP_START + (1 - S_RAMP_START) * share) * (S_BLUES - 1);
    size_t stop = (size_t) position;
    if (stop >= S_BLUES - 1)
        stop = S_BLUES - 2;
    double blend = position - (double) stop;
    for (size_t channel = 0; channel < 3; channel++)
        colour.rgb [channel] = (unsigned char) lround (
            s_blues [stop][channel] * (1 - blend) + s_blues [stop + 1][channel] * blend);
    return colour;
}

//  WCAG relative luminance of a colour
static double
s_luminance (colour_t colour)
{
    double linear [3];
    for (size_t channel = 0; channel < 3; channel++) {
        double value = colour.rgb [channel] / 255.0;
        linear [channel] = value <= 0.03928? value / 12.92: pow ((value + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * linear [0] + 0.7152 * linear [1] + 0.0722 * linear [2];
}

//  The ink for a count on a shade: white or S_INK, whichever has the
//  higher contrast ratio (WCAG) against it
static const char *
s_ink_on (colour_t colour)
{
    const colour_t ink = {{ 0x1f, 0x29, 0x33 }};    //  S_INK
    double luminance = s_luminance (colour);
    double on_white = 1.05 / (luminance + 0.05);
    double on_ink = (luminance + 0.05) / (s_luminance (ink) + 0.05);
    return on_white > on_ink? "#ffffff": S_INK;
}

//  Where the columns of C7's sub-lines start, or -1: the matrix of the
//  WSIS-SDG mapping has them as e-gov .. e-sci side by side.
static ssize_t
s_c7_first (const report_heatmap_t *map)
{
    for (size_t column = 0; column + S_C7_COUNT <= map->column_count; column++)
        if (map->columns [column] && strcmp (map->columns [column], S_C7_FIRST) == 0
        &&  map->columns [column + S_C7_COUNT - 1]
        &&  strcmp (map->columns [column + S_C7_COUNT - 1], S_C7_LAST) == 0)
            return (ssize_t) column;
    return -1;
}

//  Where things go on the heat map, worked out before anything is
//  written because the root element states the height
typedef struct {
    double left;                //  x of the grid
    double top;                 //  y of the grid
    double cell_width;
    double height;              //  of the whole picture
    bool rotated;               //  column labels at 45 degrees
    double labels_top;          //  y where the column labels start
    ssize_t c7_first;           //  column of e-gov, or -1
    int64_t max;
} heatmap_layout_t;

static heatmap_layout_t
s_heatmap_layout (const report_heatmap_t *map)
{
    heatmap_layout_t layout = { .c7_first = s_c7_first (map) };
    double row_label = 0;
    for (size_t row = 0; row < map->row_count; row++) {
        double width = s_text_width (map->rows [row]? map->rows [row]: "", S_LABEL_FONT);
        row_label = width > row_label? width: row_label;
    }
    row_label = row_label < S_ROW_LABEL_MAX? row_label: S_ROW_LABEL_MAX;
    layout.left = S_MARGIN + row_label + 12;
    double room = S_WIDTH - S_MARGIN - layout.left;
    layout.cell_width = map->column_count? room / (double) map->column_count: room;
    if (layout.cell_width > S_CELL_WIDTH_MAX)
        layout.cell_width = S_CELL_WIDTH_MAX;

    //  Column labels stand upright when every one fits its column, else
    //  they all lean, so they still read from left to right
    double column_label = 0;
    for (size_t column = 0; column < map->column_count; column++) {
        double width = s_text_width (map->columns [column]? map->columns [column]: "", S_COLUMN_FONT);
        column_label = width > column_label? width: column_label;
    }
    layout.rotated = column_label > layout.cell_width - 6;
    if (column_label > S_COLUMN_LABEL_MAX)
        column_label = S_COLUMN_LABEL_MAX;
    //  A leaning label reaches right of its column: the last one must
    //  stay on the canvas, so the columns narrow (and still lean)
    double overhang = column_label * 0.71 - layout.cell_width / 2;
    if (layout.rotated && overhang > 0 && map->column_count) {
        double narrower = (room - overhang) / (double) map->column_count;
        layout.cell_width = narrower < layout.cell_width? narrower: layout.cell_width;
    }
    layout.labels_top = s_header_height (map->subtitle) + (layout.c7_first >= 0? 30: 0);
    layout.top = layout.labels_top + (layout.rotated? column_label * 0.71 + 16: 26);

    for (size_t cell = 0; cell < map->row_count * map->column_count; cell++)
        layout.max = map->counts [cell] > layout.max? map->counts [cell]: layout.max;
    //  The grid, then the legend below it
    layout.height = layout.top + S_CELL_HEIGHT * (double) map->row_count + 96;
    return layout;
}

//  The bracket over C7's sub-lines, which otherwise leave a reader
//  wondering where C7 went between C6 and C8
static void
s_heatmap_c7 (zchunk_t *out, const heatmap_layout_t *layout)
{
    double x0 = layout->left + layout->cell_width * (double) layout->c7_first + 4;
    double x1 = x0 + layout->cell_width * S_C7_COUNT - 8;
    double y = layout->labels_top - 4;
    report_textf (out, "<path d=\"M%.1f %.1fV%.1fH%.1fV%.1f\" fill=\"none\" stroke=\"" S_MUTED "\"/>\n",
                  x0, y + 6, y, x1, y + 6);
    //  C7's whole name lists its eight sub-lines: too long for the
    //  bracket, so it is the tooltip
    report_text (out, "<g><title>C7: ");
    report_text_xml (out, report_category_title ("C7"));
    report_text (out, "</title>");
    s_text (out, (x0 + x1) / 2, y - 12,
            "font-size=\"13\" text-anchor=\"middle\" fill=\"" S_INK "\"", "C7 ICT applications");
    report_text (out, "</g>\n");
}

static void
s_heatmap_columns (zchunk_t *out, const report_heatmap_t *map, const heatmap_layout_t *layout)
{
    for (size_t column = 0; column < map->column_count; column++) {
        const char *label = map->columns [column]? map->columns [column]: "";
        double x = layout->left + layout->cell_width * ((double) column + 0.5);
        //  The Action Line's name as a tooltip: "e-agr" means little to
        //  the press
        const char *name = report_category_title (label);
        bool named = strcmp (name, label) != 0;
        if (named) {
            report_text (out, "<g><title>");
            report_text_xml (out, label);
            report_text (out, ": ");
            report_text_xml (out, name);
            report_text (out, "</title>");
        }
        if (layout->rotated) {
            double y = layout->top - 8;
            char attributes [160];
            snprintf (attributes, sizeof attributes,
                      "font-size=\"%d\" fill=\"" S_INK "\" transform=\"rotate(-45 %.1f %.1f)\"",
                      S_COLUMN_FONT, x, y);
            s_label (out, x, y, attributes, label, S_COLUMN_FONT, S_COLUMN_LABEL_MAX);
        }
        else
            s_text (out, x, layout->top - 12,
                    "font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"" S_INK "\"",
                    label);
        if (named)
            report_text (out, "</g>\n");
    }
}

//  The cells with their counts, then the grid over them, then the row
//  labels
static void
s_heatmap_cells (zchunk_t *out, const report_heatmap_t *map, const heatmap_layout_t *layout)
{
    for (size_t row = 0; row < map->row_count; row++) {
        const char *row_label = map->rows [row]? map->rows [row]: "";
        double y = layout->top + S_CELL_HEIGHT * (double) row;
        for (size_t column = 0; column < map->column_count; column++) {
            int64_t count = map->counts [row * map->column_count + column];
            colour_t shade = s_shade (count, layout->max);
            double x = layout->left + layout->cell_width * (double) column;
            report_text (out, "<g><title>");
            report_text_xml (out, row_label);
            report_text (out, " \xc3\x97 ");
            report_text_xml (out, map->columns [column]);
            report_textf (out, ": %lld</title>", (long long) count);
            report_textf (out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
                          "fill=\"#%02x%02x%02x\"/>",
                          x, y, layout->cell_width, S_CELL_HEIGHT,
                          shade.rgb [0], shade.rgb [1], shade.rgb [2]);
            if (count != 0) {
                //  A long count shrinks to stay inside its cell
                char text [24];
                snprintf (text, sizeof text, "%lld", (long long) count);
                double size = S_COUNT_FONT;
                double fits = (layout->cell_width - 6) / (s_char_width ('0') * (double) strlen (text));
                size = fits < size? fits: size;
                char attributes [96];
                snprintf (attributes, sizeof attributes,
                          "font-size=\"%.1f\" text-anchor=\"middle\" fill=\"%s\"",
                          size, s_ink_on (shade));
                s_text (out, x + layout->cell_width / 2, y + S_CELL_HEIGHT / 2.0, attributes, text);
            }
            report_text (out, "</g>\n");
        }
        s_label (out, layout->left - 12, y + S_CELL_HEIGHT / 2.0,
                 "font-size=\"14\" text-anchor=\"end\" fill=\"" S_INK "\"",
                 row_label, S_LABEL_FONT, S_ROW_LABEL_MAX);
    }
    //  One path for all the grid lines, drawn over the cells so white
    //  (empty) cells are still seen as cells
    double right = layout->left + layout->cell_width * (double) map->column_count;
    double bottom = layout->top + S_CELL_HEIGHT * (double) map->row_count;
    report_text (out, "<path fill=\"none\" stroke=\"" S_GRID "\" stroke-width=\"1\" d=\"");
    for (size_t column = 0; column <= map->column_count; column++)
        report_textf (out, "M%.1f %.1fV%.1f", layout->left + layout->cell_width * (double) column,
                      layout->top, bottom);
    for (size_t row = 0; row <= map->row_count; row++)
        report_textf (out, "M%.1f %.1fH%.1f", layout->left,
                      layout->top + S_CELL_HEIGHT * (double) row, right);
    report_text (out, "\"/>\n");
}

//  The scale: a white swatch for 0, then the ramp from 1 to the maximum
static void
s_heatmap_legend (zchunk_t *out, const heatmap_layout_t *layout, double y)
{
    double x = layout->left;
    s_text (out, x, y + 8, "font-size=\"13\" fill=\"" S_MUTED "\"", "Count per cell:");
    x += 110;
    report_textf (out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"16\" fill=\"#ffffff\" "
                  "stroke=\"" S_GRID "\"/>\n", x, y);
    s_text (out, x + 12, y + 30, "font-size=\"12\" text-anchor=\"middle\" fill=\"" S_MUTED "\"", "0");
    if (layout->max <= 0) {
        s_text (out, x + 40, y + 8, "font-size=\"13\" fill=\"" S_MUTED "\"", "every cell is empty");
        return;
    }
    x += 40;
    const double ramp = 240;
    report_text (out, "<defs><linearGradient id=\"heatmap-ramp\">");
    for (int step = 0; step <= 16; step++) {
        colour_t shade = s_shade (1 + (int64_t) llround ((double) (layout->max - 1) * step / 16.0),
                                  layout->max);
        report_textf (out, "<stop offset=\"%.4f\" stop-color=\"#%02x%02x%02x\"/>",
                      step / 16.0, shade.rgb [0], shade.rgb [1], shade.rgb [2]);
    }
    report_text (out, "</linearGradient></defs>\n");
    report_textf (out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"16\" "
                  "fill=\"url(#heatmap-ramp)\" stroke=\"" S_GRID "\"/>\n", x, y, ramp);
    const char *ticks = "font-size=\"12\" text-anchor=\"middle\" fill=\"" S_MUTED "\"";
    char text [40];
    if (layout->max > 1) {
        s_text (out, x, y + 30, ticks, "1");
        snprintf (text, sizeof text, "%lld", (long long) layout->max);
    }
    else
        snprintf (text, sizeof text, "1");
    s_text (out, x + ramp, y + 30, ticks, text);
    snprintf (text, sizeof text, "maximum: %lld", (long long) layout->max);
    s_text (out, x + ramp + 24, y + 8, "font-size=\"13\" fill=\"" S_MUTED "\"", text);
}

zchunk_t *
report_svg_heatmap (const report_heatmap_t *map)
{
    assert (map);
    assert (map->row_count == 0 || map->rows);
    assert (map->column_count == 0 || map->columns);
    assert (map->row_count * map->column_count == 0 || map->counts);
    heatmap_layout_t layout = s_heatmap_layout (map);
    zchunk_t *out = zchunk_new (NULL, 0);
    s_open (out, "heatmap", layout.height, map->title? map->title: "", map->subtitle);
    if (layout.c7_first >= 0)
        s_heatmap_c7 (out, &layout);
    s_heatmap_columns (out, map, &layout);
    s_heatmap_cells (out, map, &layout);
    s_heatmap_legend (out, &layout, layout.top + S_CELL_HEIGHT * (double) map->row_count + 30);
    report_text (out, "</svg>\n");
    return out;
}

//  --------------------------------------------------------------------------
//  The 50/50 chart

#define S_BAR_ROW 36
#define S_BAR_HEIGHT 20
#define S_BAR_LABEL_MAX 320
#define S_BAR_COUNTS 190            //  room for "12345 of 67890 (100%)"
#define S_FEMALE "#6a3d9a"
#define S_TRACK "#edf0f3"
#define S_PARITY "#b4233c"

//  female and total as the chart reads them: no count below 0, no more
//  women than people. A model that says otherwise is wrong, and the
//  chart still must not draw a bar past 100%.
static void
s_bar_counts (const report_bar_t *bar, int64_t *female, int64_t *total)
{
    *total = bar->total > 0? bar->total: 0;
    *female = bar->female < 0? 0: bar->female > *total? *total: bar->female;
}

//  "12 of 30 (40%)", or "no data". The percentage is rounded, except
//  that it says 100% or 0% only when it is exactly that: 199 of 200 is
//  not parity's opposite of 0 of 200.
static void
s_bar_summary (char *buffer, size_t size, int64_t female, int64_t total)
{
    if (total == 0) {
        snprintf (buffer, size, "no data");
        return;
    }
    long percent = lround (100.0 * (double) female / (double) total);
    if (percent == 100 && female < total)
        percent = 99;
    if (percent == 0 && female > 0)
        percent = 1;
    snprintf (buffer, size, "%lld of %lld (%ld%%)", (long long) female, (long long) total, percent);
}

//  The tracks, the gridlines at the quarters and the axis under them
static void
s_gender_axis (zchunk_t *out, double left, double width, double top, double bottom)
{
    report_text (out, "<path fill=\"none\" stroke=\"" S_GRID "\" stroke-width=\"1\" d=\"");
    for (int quarter = 0; quarter <= 4; quarter++)
        report_textf (out, "M%.1f %.1fV%.1f", left + width * quarter / 4.0, top, bottom + 6);
    report_textf (out, "M%.1f %.1fH%.1f\"/>\n", left, bottom + 6, left + width);
    for (int quarter = 0; quarter <= 4; quarter++) {
        char tick [8];
        snprintf (tick, sizeof tick, "%d%%", quarter * 25);
        s_text (out, left + width * quarter / 4.0, bottom + 20,
                "font-size=\"12\" text-anchor=\"middle\" fill=\"" S_MUTED "\"", tick);
    }
    s_text (out, left, bottom + 44, "font-size=\"13\" fill=\"" S_MUTED "\"",
            "Share of women among those whose gender was given");
}

//  One group: its label, its bar over its track, its counts, and the
//  whole of it as a tooltip. A group without data has no track, so it
//  cannot be taken for a group of 0%.
static void
s_gender_bar (zchunk_t *out, const report_bar_t *bar, double left, double width, double middle)
{
    const char *label = bar->label? bar->label: "";
    int64_t female, total;
    s_bar_counts (bar, &female, &total);
    char summary [64];
    s_bar_summary (summary, sizeof summary, female, total);
    report_text (out, "<g><title>");
    report_text_xml (out, label);
    report_text (out, ": ");
    report_text (out, summary);
    report_text (out, "</title>\n");
    if (total > 0)
        report_textf (out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
                      "fill=\"" S_FEMALE "\"/>\n",
                      left, middle - S_BAR_HEIGHT / 2.0,
                      width * (double) female / (double) total, S_BAR_HEIGHT);
    s_label (out, left - 12, middle, "font-size=\"14\" text-anchor=\"end\" fill=\"" S_INK "\"",
             label, S_LABEL_FONT, S_BAR_LABEL_MAX);
    s_text (out, left + width + 12, middle,
            total > 0? "font-size=\"14\" fill=\"" S_INK "\"":
                       "font-size=\"14\" font-style=\"italic\" fill=\"" S_MUTED "\"",
            summary);
    report_text (out, "</g>\n");
}

zchunk_t *
report_svg_gender (const report_barchart_t *chart)
{
    assert (chart);
    assert (chart->count == 0 || chart->bars);
    double label_width = 0;
    for (size_t index = 0; index < chart->count; index++) {
        const char *label = chart->bars [index].label? chart->bars [index].label: "";
        double width = s_text_width (label, S_LABEL_FONT);
        label_width = width > label_width? width: label_width;
    }
    label_width = label_width < S_BAR_LABEL_MAX? label_width: S_BAR_LABEL_MAX;
    double left = S_MARGIN + label_width + 16;
    double width = S_WIDTH - S_MARGIN - S_BAR_COUNTS - 12 - left;
    //  Room above the bars for the "50/50" label; an empty chart keeps
    //  one row, so it still shows its axis and the line to reach
    double top = s_header_height (chart->subtitle) + 28;
    size_t rows = chart->count? chart->count: 1;
    double bottom = top + S_BAR_ROW * (double) rows;

    zchunk_t *out = zchunk_new (NULL, 0);
    s_open (out, "gender", bottom + 64, chart->title? chart->title: "", chart->subtitle);
    //  Tracks first, the grid over them, the bars over the grid
    for (size_t index = 0; index < chart->count; index++)
        if (chart->bars [index].total > 0)
            report_textf (out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
                          "fill=\"" S_TRACK "\"/>\n",
                          left, top + S_BAR_ROW * ((double) index + 0.5) - S_BAR_HEIGHT / 2.0,
                          width, S_BAR_HEIGHT);
    s_gender_axis (out, left, width, top, bottom);
    if (chart->count == 0)
        s_text (out, left + width / 4, top + S_BAR_ROW / 2.0,
                "font-size=\"14\" text-anchor=\"middle\" fill=\"" S_MUTED "\"", "no groups yet");
    for (size_t index = 0; index < chart->count; index++)
        s_gender_bar (out, &chart->bars [index], left, width, top + S_BAR_ROW * ((double) index + 0.5));
    //  The goal, over the bars so a bar reaching past it does not hide it
    double parity = left + width / 2;
    report_textf (out, "<line class=\"parity\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                  "stroke=\"" S_PARITY "\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n",
                  parity, top - 6, parity, bottom + 6);
    s_text (out, parity, top - 16,
            "font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"" S_PARITY "\"", "50/50");
    report_text (out, "</svg>\n");
    return out;
}
