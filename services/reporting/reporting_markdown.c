/*  reporting_markdown: "WSIS Stocktaking: Success Stories", the yearly
    publication of the WSIS Prizes' winners and champions.

    The publication is written as CommonMark, which the secretariat can
    edit and any Markdown tool can show, and turned into one HTML page by
    cmark. Titles, names, descriptions and impacts come from submitters,
    so everything they wrote is escaped before it joins the Markdown: a
    title "# not a heading" is a title, "[x](javascript:...)" is text and
    "<script>" is five letters between brackets. cmark runs with its
    default, safe options, which drop raw HTML and dangerous link targets
    anyway; the escaping is what keeps submitters' text literal, cmark's
    safety is the second wall.

    cmark gives headings no ids, so the table of contents would link to
    nothing. Each heading's id is made from its text, the same way on both
    sides: the publication parses each heading it writes with cmark to
    learn the id it will get, and the HTML page takes the ids from the
    parsed document and writes them into cmark's <hN> tags, which in
    cmark's safe output can only be headings. Ids that would repeat get a
    number, in document order, on both sides alike.
*/
#include "reporting.h"
#include "wsis_alloc.h"

#include <assert.h>
#include <cmark.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

//  cmark's safe default (no raw HTML, no javascript: links), and invalid
//  UTF-8 replaced rather than passed into the page
#define S_CMARK_OPTIONS (CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8)
//  Long enough to tell chapters apart, short enough for a link
#define S_ID_MAX 60

//  --------------------------------------------------------------------------
//  The Action Lines

//  The Geneva Plan of Action's Action Lines, in the order of the WSIS-SDG
//  matrix, C7 split into its eight ICT applications as the WSIS Prizes
//  categories are, and C7 itself for the matrix's bracket
static const struct {
    const char *code;
    const char *title;
} s_action_lines [] = {
    { "C1", "The role of public governance authorities and all stakeholders in the promotion of ICTs for development" },
    { "C2", "Information and communication infrastructure" },
    { "C3", "Access to information and knowledge" },
    { "C4", "Capacity building" },
    { "C5", "Building confidence and security in the use of ICTs" },
    { "C6", "Enabling environment" },
    { "e-gov", "ICT applications: e-government" },
    { "e-bus", "ICT applications: e-business" },
    { "e-lea", "ICT applications: e-learning" },
    { "e-hea", "ICT applications: e-health" },
    { "e-emp", "ICT applications: e-employment" },
    { "e-env", "ICT applications: e-environment" },
    { "e-agr", "ICT applications: e-agriculture" },
    { "e-sci", "ICT applications: e-science" },
    { "C8", "Cultural diversity and identity, linguistic diversity and local content" },
    { "C9", "Media" },
    { "C10", "Ethical dimensions of the Information Society" },
    { "C11", "International and regional cooperation" },
    { "C7", "ICT applications: e-government, e-business, e-learning, e-health, "
            "e-employment, e-environment, e-agriculture, e-science" },
};

const char *
report_category_title (const char *category)
{
    if (!category)
        return "";
    for (size_t index = 0; index < sizeof s_action_lines / sizeof s_action_lines [0]; index++)
        if (strcmp (s_action_lines [index].code, category) == 0)
            return s_action_lines [index].title;
    return category;
}

//  --------------------------------------------------------------------------
//  Escaping submitters' text

//  Characters that mean something wherever they stand: escapes, code,
//  emphasis, links and images, autolinks and HTML, entities, and the
//  closing hashes of a heading
#define S_MD_ALWAYS "\\`*_[]<>&#"
//  Characters that mean something only at the start of a line: list
//  items, setext underlines, code fences, tables of some dialects
#define S_MD_LINE_START "-+=~|"

//  Appends the line [start, end) escaped: without white space at either
//  end (leading spaces would make code blocks), an ordered-list marker
//  ("1." or "1)") at its start escaped, no control characters
static void
s_md_line (zchunk_t *out, const char *start, const char *end)
{
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end [-1] == ' ' || end [-1] == '\t'))
        end--;
    const char *digits = start;
    while (digits < end && isdigit ((unsigned char) *digits))
        digits++;
    const char *marker = digits > start && digits < end && (*digits == '.' || *digits == ')')? digits: NULL;
    for (const char *c = start; c < end; c++) {
        if ((c == start && strchr (S_MD_LINE_START, *c)) || strchr (S_MD_ALWAYS, *c) || c == marker)
            zchunk_extend (out, "\\", 1);
        if (*c == '\t')
            zchunk_extend (out, " ", 1);
        else
        if ((unsigned char) *c >= 0x20)
            zchunk_extend (out, c, 1);
    }
}

//  Appends text from a submitter as inline Markdown on one line: every
//  line break becomes a space
static void
s_md_inline (zchunk_t *out, const char *text)
{
    if (!text)
        return;
    while (true) {
        size_t length = strcspn (text, "\r\n");
        s_md_line (out, text, text + length);
        text += length;
        text += strspn (text, "\r\n");
        if (!*text)
            break;
        zchunk_extend (out, " ", 1);
    }
}

//  Whether the line [start, end) holds nothing a reader would see
static bool
s_blank (const char *start, const char *end)
{
    for (const char *c = start; c < end; c++)
        if ((unsigned char) *c > 0x20)
            return false;
    return true;
}

//  Appends text from a submitter as paragraphs: a line break stays a
//  line break within a paragraph (cmark shows it as a space), an empty
//  line separates paragraphs, and the last one ends with an empty line
static void
s_md_paragraphs (zchunk_t *out, const char *text)
{
    bool open = false;          //  a paragraph has lines
    while (text && *text) {
        size_t length = strcspn (text, "\r\n");
        if (!s_blank (text, text + length)) {
            report_text (out, open? "\n": "");
            s_md_line (out, text, text + length);
            open = true;
        }
        else
        if (open) {
            report_text (out, "\n\n");
            open = false;
        }
        text += length;
        //  CRLF is one line break; a lone CR is one too (CommonMark)
        text += *text == '\r' && text [1] == '\n'? 2: *text? 1: 0;
    }
    if (open)
        report_text (out, "\n\n");
}

//  --------------------------------------------------------------------------
//  Heading ids, the same from the Markdown and from the page

//  The text of a parsed heading, as a reader sees it: its literals, with
//  a space for each line break
static char *
s_heading_text (cmark_node *heading)
{
    zchunk_t *text = zchunk_new (NULL, 0);
    cmark_iter *iter = cmark_iter_new (heading);
    cmark_event_type event;
    while ((event = cmark_iter_next (iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node (iter);
        cmark_node_type type = cmark_node_get_type (node);
        if (event != CMARK_EVENT_ENTER)
            continue;
        if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE)
            report_text (text, cmark_node_get_literal (node));
        else
        if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK)
            report_text (text, " ");
    }
    cmark_iter_free (iter);
    char *result = zchunk_strdup (text);
    zchunk_destroy (&text);
    return result;
}

//  The id of a heading with text, unique in used, which it joins: letters
//  and digits of ASCII in lower case, every other run a hyphen, so the id
//  needs no escaping in an attribute or a link. A repeated id gets -2,
//  -3 ...; one with no ASCII letter is "section". The caller frees it.
static char *
s_heading_id (zhashx_t *used, const char *text)
{
    char base [S_ID_MAX + 1];
    size_t length = 0;
    for (const char *c = text; *c && length < S_ID_MAX; c++)
        if (isalnum ((unsigned char) *c) && (unsigned char) *c < 0x80)
            base [length++] = (char) tolower ((unsigned char) *c);
        else
        if (length > 0 && base [length - 1] != '-')
            base [length++] = '-';
    while (length > 0 && base [length - 1] == '-')
        length--;
    base [length] = 0;
    char *id = wsis_strdup (length? base: "section");
    for (int number = 2; zhashx_lookup (used, id); number++) {
        free (id);
        id = (char *) zmalloc (sizeof base + 16);
        snprintf (id, sizeof base + 16, "%s-%d", length? base: "section", number);
    }
    //  The set's keys are copies; its items are only marks of presence
    zhashx_insert (used, id, (void *) used);
    return id;
}

//  --------------------------------------------------------------------------
//  The publication as Markdown

//  Appends a heading of level with markdown (already escaped) as its
//  text, and returns the id the page will give it, which joins used:
//  cmark parses the heading alone the way it parses it in the whole
//  document, so both sides see the same text. The caller frees the id.
static char *
s_heading (zchunk_t *out, zhashx_t *used, int level, const char *markdown)
{
    zchunk_t *line = zchunk_new (NULL, 0);
    report_textf (line, "%.*s %s\n\n", level, "######", markdown);
    cmark_node *document = cmark_parse_document ((const char *) zchunk_data (line),
                                                 zchunk_size (line), S_CMARK_OPTIONS);
    cmark_node *heading = cmark_node_first_child (document);
    assert (heading && cmark_node_get_type (heading) == CMARK_NODE_HEADING);
    char *text = s_heading_text (heading);
    char *id = s_heading_id (used, text);
    free (text);
    cmark_node_free (document);
    zchunk_extend (out, zchunk_data (line), zchunk_size (line));
    zchunk_destroy (&line);
    return id;
}

//  The same, for a heading whose text is built here and freed
static char *
s_heading_built (zchunk_t *out, zhashx_t *used, int level, zchunk_t **markdown_p)
{
    char *markdown = zchunk_strdup (*markdown_p);
    char *id = s_heading (out, used, level, markdown);
    free (markdown);
    zchunk_destroy (markdown_p);
    return id;
}

//  "C1 — The role of ..." as escaped Markdown. The caller destroys it.
static zchunk_t *
s_chapter_title (const report_chapter_t *chapter)
{
    zchunk_t *title = zchunk_new (NULL, 0);
    s_md_inline (title, chapter->category);
    report_text (title, " \xe2\x80\x94 ");
    s_md_inline (title, report_category_title (chapter->category));
    return title;
}

//  One line of a project's facts, left out when there is nothing to say
static void
s_fact (zchunk_t *out, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    report_textf (out, "- **%s:** ", name);
    s_md_inline (out, value);
    report_text (out, "\n");
}

static void
s_story (zchunk_t *out, zhashx_t *used, const report_story_t *story)
{
    zchunk_t *heading = zchunk_new (NULL, 0);
    report_text (heading, story->winner? "Winner: ": "Champion: ");
    s_md_inline (heading, story->title && *story->title? story->title: "(untitled)");
    char *id = s_heading_built (out, used, 3, &heading);
    free (id);
    s_fact (out, "Entity", story->entity);
    s_fact (out, "Country", story->country);
    s_fact (out, "Stakeholder type", story->stakeholder_type);
    s_fact (out, "SDGs", story->sdgs);
    report_textf (out, "- **Votes:** %lld\n", (long long) story->votes);
    s_fact (out, "Reference", story->submission_id);
    report_text (out, "\n");
    s_md_paragraphs (out, story->description);
    if (story->impact && *story->impact) {
        report_text (out, "**Impact**\n\n");
        s_md_paragraphs (out, story->impact);
    }
}

//  The chapter of one Action Line; returns its id. The caller frees it.
static char *
s_chapter (zchunk_t *out, zhashx_t *used, const report_chapter_t *chapter)
{
    zchunk_t *title = s_chapter_title (chapter);
    char *id = s_heading_built (out, used, 2, &title);
    size_t winners = 0;
    for (size_t index = 0; index < chapter->count; index++)
        winners += chapter->stories [index].winner;
    size_t champions = chapter->count - winners;
    if (chapter->count == 0)
        report_text (out, "*No project was selected in this Action Line.*\n\n");
    else {
        report_text (out, "*");
        if (winners == 1)
            report_text (out, "The winner");
        else
        if (winners > 1)
            report_textf (out, "The %zu winners", winners);
        if (winners && champions)
            report_text (out, " and ");
        if (champions)
            report_textf (out, "%s%zu champion%s", winners? "the ": "The ", champions, champions == 1? "": "s");
        report_text (out, " of this Action Line.*\n\n");
    }
    for (size_t index = 0; index < chapter->count; index++)
        s_story (out, used, &chapter->stories [index]);
    return id;
}

//  The year of a call ("prizes-2022"): its last run of four digits, or
//  NULL
static const char *
s_call_year (const char *call, char *year)
{
    const char *found = NULL;
    for (const char *c = call; c && *c; c++)
        if (isdigit ((unsigned char) c [0]) && isdigit ((unsigned char) c [1])
        &&  isdigit ((unsigned char) c [2]) && isdigit ((unsigned char) c [3])
        &&  !isdigit ((unsigned char) c [4]))
            found = c;
    if (!found)
        return NULL;
    memcpy (year, found, 4);
    year [4] = 0;
    return year;
}

static void
s_introduction (zchunk_t *out, const report_publication_t *publication, const char *year)
{
    size_t winners = 0, stories = 0;
    for (size_t chapter = 0; chapter < publication->chapter_count; chapter++)
        for (size_t index = 0; index < publication->chapters [chapter].count; index++) {
            winners += publication->chapters [chapter].stories [index].winner;
            stories++;
        }
    report_text (out,
        "The WSIS Prizes recognise excellence in the implementation of the outcomes of the "
        "World Summit on the Information Society (WSIS): projects and initiatives that use "
        "information and communication technologies (ICTs) for sustainable development.\n\n"
        "Every project in this publication was submitted to the WSIS Stocktaking and "
        "nominated in its category. The public vote identified the five projects with the "
        "most votes in each category, and among them the Expert Group selected the winning "
        "project; the others are the champions.\n\n");
    report_textf (out,
        "This publication presents the %zu winning project%s and %zu champion project%s of "
        "the WSIS Prizes%s%s, one chapter for each of the %zu categories of the WSIS Action "
        "Lines, which the WSIS-SDG Matrix links to the Sustainable Development Goals. Each "
        "chapter opens with its winner; for every project it gives the entity behind it, "
        "its country, its stakeholder type, the SDGs it serves, the votes it received, its "
        "description and its impact.\n\n",
        winners, winners == 1? "": "s", stories - winners, stories - winners == 1? "": "s",
        year? " ": "", year? year: "", publication->chapter_count);
}

char *
report_markdown_publication (const report_publication_t *publication)
{
    assert (publication);
    assert (publication->chapter_count == 0 || publication->chapters);
    char year_text [5];
    const char *year = s_call_year (publication->call, year_text);
    zhashx_t *used = zhashx_new ();
    //  The head (title, contents) is written last but its headings come
    //  first in the document, so their ids are claimed first.
    zchunk_t *head = zchunk_new (NULL, 0);
    zchunk_t *body = zchunk_new (NULL, 0);
    zchunk_t *title = zchunk_new (NULL, 0);
    if (publication->title)
        s_md_inline (title, publication->title);
    else
        report_textf (title, "WSIS Stocktaking: Success Stories%s%s", year? " ": "", year? year: "");
    free (s_heading_built (head, used, 1, &title));
    report_textf (head, "*The winners and champions of the WSIS Prizes%s%s.*\n\n",
                  year? " ": "", year? year: "");
    free (s_heading (head, used, 2, "Contents"));

    char *introduction = s_heading (body, used, 2, "Introduction");
    s_introduction (body, publication, year);
    report_textf (head, "- [Introduction](#%s)\n", introduction);
    free (introduction);
    for (size_t index = 0; index < publication->chapter_count; index++) {
        const report_chapter_t *chapter = &publication->chapters [index];
        char *id = s_chapter (body, used, chapter);
        zchunk_t *link = s_chapter_title (chapter);
        report_text (head, "- [");
        zchunk_extend (head, zchunk_data (link), zchunk_size (link));
        report_textf (head, "](#%s)\n", id);
        zchunk_destroy (&link);
        free (id);
    }
    report_text (head, "\n");
    zchunk_extend (head, zchunk_data (body), zchunk_size (body));
    char *markdown = zchunk_strdup (head);
    zchunk_destroy (&head);
    zchunk_destroy (&body);
    zhashx_destroy (&used);
    return markdown;
}

//  --------------------------------------------------------------------------
//  The page

//  Inline, so the page is one file; the fonts are the reader's own
static const char *s_style =
    "body{margin:0;background:#eef2f6;color:#1f2933;"
    "font:17px/1.6 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif}\n"
    "main{max-width:50rem;margin:0 auto;padding:2.5rem 2rem 4rem;background:#fff}\n"
    "h1{font-size:2.1rem;line-height:1.2;color:#0b3d78;margin:0 0 .75rem}\n"
    "h2{font-size:1.45rem;line-height:1.3;color:#0b3d78;margin:3rem 0 .75rem;"
    "padding-top:.75rem;border-top:3px solid #1f6fb2}\n"
    "h3{font-size:1.15rem;line-height:1.35;margin:2rem 0 .5rem}\n"
    //  The line under the title and under each chapter's heading
    "p>em:only-child{color:#52606d}\n"
    "a{color:#1f6fb2}\n"
    "ul{padding-left:1.4rem}\n"
    "li{margin:.1rem 0}\n"
    "p,li{overflow-wrap:anywhere}\n"
    "@media print{body{background:#fff}main{max-width:none;padding:0}"
    "h2{break-before:page}h3{break-after:avoid}}\n";

//  The ids of every heading of document, in document order: the order
//  in which cmark writes them. The caller destroys the list.
static zlistx_t *
s_heading_ids (cmark_node *document)
{
    zlistx_t *ids = zlistx_new ();
    zlistx_set_destructor (ids, (zlistx_destructor_fn *) zstr_free);
    zhashx_t *used = zhashx_new ();
    cmark_iter *iter = cmark_iter_new (document);
    cmark_event_type event;
    while ((event = cmark_iter_next (iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node (iter);
        if (event == CMARK_EVENT_ENTER && cmark_node_get_type (node) == CMARK_NODE_HEADING) {
            char *text = s_heading_text (node);
            zlistx_add_end (ids, s_heading_id (used, text));
            free (text);
        }
    }
    cmark_iter_free (iter);
    zhashx_destroy (&used);
    return ids;
}

//  Appends cmark's html with an id in each heading's tag. With raw HTML
//  suppressed and text escaped, "<h2>" in its output is a heading and
//  nothing else; -1 if their count is not that of ids, which would mean
//  cmark wrote something this file does not know.
static int
s_html_with_ids (zchunk_t *out, const char *html, zlistx_t *ids)
{
    const char *id = (const char *) zlistx_first (ids);
    const char *run = html;
    for (const char *tag = strstr (run, "<h"); tag; tag = strstr (tag + 1, "<h")) {
        if (tag [2] < '1' || tag [2] > '6' || tag [3] != '>')
            continue;
        if (!id)
            return -1;
        zchunk_extend (out, run, (size_t) (tag - run) + 3);
        report_textf (out, " id=\"%s\"", id);
        run = tag + 3;
        id = (const char *) zlistx_next (ids);
    }
    report_text (out, run);
    return id? -1: 0;
}

char *
report_markdown_html (const char *markdown, const char *title)
{
    assert (markdown);
    cmark_node *document = cmark_parse_document (markdown, strlen (markdown), S_CMARK_OPTIONS);
    if (!document)
        return NULL;
    char *html = cmark_render_html (document, S_CMARK_OPTIONS);
    zlistx_t *ids = s_heading_ids (document);
    cmark_node_free (document);
    char *page = NULL;
    zchunk_t *out = zchunk_new (NULL, 0);
    if (!html)
        goto cleanup;
    report_text (out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        //  No script, no outside resource, even if something slipped
        //  through: the browser itself refuses them
        "<meta http-equiv=\"Content-Security-Policy\" "
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
        "<title>");
    report_text_xml (out, title? title: "");
    report_textf (out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", s_style);
    if (s_html_with_ids (out, html, ids))
        goto cleanup;
    report_text (out, "</main>\n</body>\n</html>\n");
    page = zchunk_strdup (out);
cleanup:
    free (html);
    zlistx_destroy (&ids);
    zchunk_destroy (&out);
    return page;
}
