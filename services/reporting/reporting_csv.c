/*  reporting_csv: the text every report is made of.

    Reports are built by appending to a growing zchunk; this file holds the
    appenders they share: plain and formatted text, text escaped for XML
    and HTML (the SVG pictures, the publication's page), and CSV cells
    after RFC 4180, which is what a spreadsheet opens without asking
    questions. Titles, names and descriptions come from people, so a cell
    may hold any UTF-8 text, commas, quotes and line breaks included, and
    must come back from a CSV reader exactly as it went in.

    Numbers are written with printf's %f in the "C" locale, which no wsis
    process changes: a decimal point, never a comma that would split the
    cell.
*/
#include "reporting.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Room for the text of most formatted pieces, so that only a long one
//  costs an allocation.
#define S_FORMAT_BUFFER 256

void
report_text (zchunk_t *out, const char *text)
{
    assert (out);
    if (text)
        zchunk_extend (out, text, strlen (text));
}

void
report_textf (zchunk_t *out, const char *format, ...)
{
    assert (out);
    char buffer [S_FORMAT_BUFFER];
    va_list args;
    va_start (args, format);
    va_list again;
    va_copy (again, args);
    int length = vsnprintf (buffer, sizeof buffer, format, args);
    va_end (args);
    //  A negative length is an encoding error: nothing is appended.
    if (length >= 0 && (size_t) length < sizeof buffer)
        zchunk_extend (out, buffer, (size_t) length);
    else
    if (length >= 0) {
        char *text = (char *) zmalloc ((size_t) length + 1);
        vsnprintf (text, (size_t) length + 1, format, again);
        zchunk_extend (out, text, (size_t) length);
        free (text);
    }
    va_end (again);
}

void
report_text_xml (zchunk_t *out, const char *text)
{
    assert (out);
    if (!text)
        return;
    //  Runs of bytes that need nothing go out in one extend.
    const char *run = text;
    for (const char *c = text; *c; c++) {
        const char *entity = NULL;
        switch (*c) {
            case '&':  entity = "&amp;"; break;
            case '<':  entity = "&lt;"; break;
            case '>':  entity = "&gt;"; break;
            case '"':  entity = "&quot;"; break;
            case '\'': entity = "&#39;"; break;
            default:
                //  XML 1.0 allows no C0 control but tab, LF and CR, not
                //  even as a character reference: one pasted from a
                //  word processor would make the whole picture fail to
                //  parse, so it is dropped.
                if ((unsigned char) *c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r')
                    entity = "";
        }
        if (entity) {
            zchunk_extend (out, run, (size_t) (c - run));
            zchunk_extend (out, entity, strlen (entity));
            run = c + 1;
        }
    }
    zchunk_extend (out, run, strlen (run));
}

//  --------------------------------------------------------------------------
//  CSV

//  Whether a field must be quoted (RFC 4180 section 2, rules 6 and 7).
//  Spaces at either end are kept by the RFC but trimmed by many
//  spreadsheets unless quoted, so those fields are quoted too.
static bool
s_csv_needs_quotes (const char *text, size_t length)
{
    if (length == 0)
        return false;
    if (text [0] == ' ' || text [length - 1] == ' ')
        return true;
    return strpbrk (text, ",\"\r\n") != NULL;
}

static void
s_csv_end (zchunk_t *out, bool last)
{
    if (last)
        zchunk_extend (out, "\r\n", 2);
    else
        zchunk_extend (out, ",", 1);
}

void
report_csv_cell (zchunk_t *out, const char *text, bool last)
{
    assert (out);
    text = text? text: "";
    size_t length = strlen (text);
    if (s_csv_needs_quotes (text, length)) {
        zchunk_extend (out, "\"", 1);
        //  Each quote goes out twice: the run up to and including it,
        //  then the quote again.
        const char *run = text;
        const char *quote;
        while ((quote = strchr (run, '"'))) {
            zchunk_extend (out, run, (size_t) (quote - run) + 1);
            zchunk_extend (out, "\"", 1);
            run = quote + 1;
        }
        zchunk_extend (out, run, strlen (run));
        zchunk_extend (out, "\"", 1);
    }
    else
        zchunk_extend (out, text, length);
    s_csv_end (out, last);
}

void
report_csv_int (zchunk_t *out, int64_t value, bool last)
{
    assert (out);
    report_textf (out, "%" PRId64, value);
    s_csv_end (out, last);
}

void
report_csv_real (zchunk_t *out, double value, int decimals, bool last)
{
    assert (out);
    assert (decimals >= 0 && decimals <= 17);
    //  An average of nothing is no number: an empty cell, which a
    //  spreadsheet leaves out of its sums, rather than "nan".
    if (isfinite (value))
        report_textf (out, "%.*f", decimals, value);
    s_csv_end (out, last);
}
