/*  test_reporting_markdown: "WSIS Stocktaking: Success Stories" as
    Markdown and as one HTML page (services/reporting/reporting_markdown.c).

    A publication of the 18 Action Lines with a winner and four champions
    each is made from synthetic projects, some of whose text is hostile:
    a title that looks like a heading, a javascript: link, a script
    element, Markdown's block markers at the start of lines. The Markdown
    must have the 18 chapters in the order of the WSIS-SDG matrix and the
    90 projects, nothing more; the page is judged by Python's html.parser
    (no script, no link out of the page, every link of the table of
    contents landing on a heading, the hostile text there as text, and
    no list, quote, code or emphasis made of it), then
    opened in headless Chromium, which must draw it. A missing Chromium
    fails the test: the page is what the press reads.
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
#define CHROMIUM "chromium"
#define CHAPTERS 18
#define STORIES 5

//  The judge. argv: the Markdown file, the HTML file, the number of
//  chapters N, the N chapter headings in order, then expectations:
//    h3:S     a heading of level 3 of the page reads S
//    text:S   the page's text holds S
//    stories:N  N projects in each chapter (in the Markdown and the page)
static const char *s_page_judge =
    "import sys\n"
    "from html.parser import HTMLParser\n"
    "md_path, html_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
    "chapters, expectations = sys.argv[4:4 + n], sys.argv[4 + n:]\n"
    "md = open(md_path, encoding='utf-8').read()\n"
    "lines = md.split('\\n')\n"
    "assert lines[0].startswith('# ') and sum(l.startswith('# ') for l in lines) == 1, 'one title'\n"
    "h2 = [l[3:] for l in lines if l.startswith('## ')]\n"
    "assert h2 == ['Contents', 'Introduction'] + chapters, h2\n"
    "per_chapter, winners = [], 0\n"
    "for line in lines:\n"
    "    if line.startswith('## ') and line[3:] in chapters: per_chapter.append(0)\n"
    "    if line.startswith('### '):\n"
    "        assert line.startswith(('### Winner: ', '### Champion: ')), line\n"
    "        per_chapter[-1] += 1\n"
    "        winners += line.startswith('### Winner: ')\n"
    "assert not [l for l in lines if l.startswith('####')], 'no deeper heading'\n"
    "VOID = {'meta', 'br', 'hr', 'img', 'input', 'link', 'area', 'base', 'col', 'wbr', 'source'}\n"
    "HEADINGS = {'h1', 'h2', 'h3', 'h4', 'h5', 'h6'}\n"
    "class Page(HTMLParser):\n"
    "    def __init__(self):\n"
    "        super().__init__(convert_charrefs=True)\n"
    "        self.open, self.tags, self.ids, self.hrefs, self.text = [], [], [], [], []\n"
    "        self.headings, self.heading, self.attrs = [], None, {}\n"
    "    def handle_starttag(self, tag, attrs):\n"
    "        a = dict(attrs)\n"
    "        self.tags.append(tag)\n"
    "        self.attrs.setdefault(tag, a)\n"
    "        for k, v in attrs:\n"
    "            assert not k.startswith('on'), ('event handler', tag, k)\n"
    "            assert k not in ('src', 'srcset', 'action'), ('a resource', tag, k, v)\n"
    "        if 'id' in a: self.ids.append(a['id'])\n"
    "        if tag == 'a': self.hrefs.append(a.get('href'))\n"
    "        if tag in HEADINGS: self.heading = [tag, a.get('id'), '']\n"
    "        if tag not in VOID: self.open.append(tag)\n"
    "    def handle_endtag(self, tag):\n"
    "        assert self.open and self.open.pop() == tag, ('unbalanced', tag)\n"
    "        if tag in HEADINGS: self.headings.append(tuple(self.heading)); self.heading = None\n"
    "    def handle_data(self, data):\n"
    "        self.text.append(data)\n"
    "        if self.heading: self.heading[2] += data\n"
    "page = Page()\n"
    "page.feed(open(html_path, encoding='utf-8').read())\n"
    "page.close()\n"
    "assert not page.open, ('left open', page.open)\n"
    "assert page.tags[:1] == ['html'] and page.attrs['html'].get('lang') == 'en', 'lang'\n"
    "assert page.attrs['meta'].get('charset', '').lower() == 'utf-8', 'charset first'\n"
    "assert page.tags.count('style') == 1 and page.tags.count('title') == 1\n"
    "for tag in ('script', 'img', 'link', 'iframe', 'object', 'embed', 'form', 'base'):\n"
    "    assert tag not in page.tags, ('forbidden element', tag)\n"
    "for tag in ('pre', 'code', 'blockquote', 'ol', 'hr', 'h4', 'h5', 'h6'):\n"
    "    assert tag not in page.tags, ('markup made by a submitter', tag)\n"
    "assert page.tags.count('em') == n + 1, ('emphasis made by a submitter', page.tags.count('em'))\n"
    "assert len(page.ids) == len(set(page.ids)), 'repeated ids'\n"
    "for href in page.hrefs:\n"
    "    assert href and href.startswith('#') and href[1:] in page.ids, ('a link to nowhere', href)\n"
    "assert len(page.hrefs) == n + 1, ('table of contents', len(page.hrefs))\n"
    "assert all(h[1] for h in page.headings), 'a heading without id'\n"
    "assert [h[2] for h in page.headings if h[0] == 'h2'] == ['Contents', 'Introduction'] + chapters\n"
    "h3 = [h[2] for h in page.headings if h[0] == 'h3']\n"
    "text = ''.join(page.text)\n"
    "for expectation in expectations:\n"
    "    kind, _, want = expectation.partition(':')\n"
    "    if kind == 'h3': assert want in h3, ('not a heading', want)\n"
    "    elif kind == 'text': assert want in text, ('not in the text', want)\n"
    "    elif kind == 'stories':\n"
    "        assert per_chapter == [int(want)] * n, per_chapter\n"
    "        assert winners == n and len(h3) == n * int(want), (winners, len(h3))\n"
    "    else: raise SystemExit('unknown expectation ' + expectation)\n";

//  --------------------------------------------------------------------------
//  Synthetic publication

static const char *s_categories [CHAPTERS] = {
    "C1", "C2", "C3", "C4", "C5", "C6", "e-gov", "e-bus", "e-lea", "e-hea",
    "e-emp", "e-env", "e-agr", "e-sci", "C8", "C9", "C10", "C11"
};

//  What submitters wrote that must stay text
#define HEADING_TITLE "# not a heading"
#define JAVASCRIPT_LINK "[x](javascript:alert(1))"
#define SCRIPT_TITLE "<script>alert('x')</script>"
#define MARKERS_DESCRIPTION \
    "First paragraph with *stars*, _underscores_, `ticks` and a <b>tag</b> & &amp; entity.\n" \
    "- not a list item\n" \
    "1. not an ordered item\n" \
    "> not a quote\n" \
    "    not code\n" \
    "===\n" \
    "\r\n" \
    "```\n" \
    "Second paragraph, \\ a backslash, a trailing hash #\n" \
    "<img src=x onerror=alert(1)>\n" \
    "\n" \
    "    indented, not code\n" \
    "## not a heading either"

typedef struct {
    report_story_t stories [CHAPTERS][STORIES];
    report_chapter_t chapters [CHAPTERS];
    char titles [CHAPTERS][STORIES][64];
    report_publication_t publication;
} synthetic_t;

static synthetic_t *
s_synthetic_new (void)
{
    synthetic_t *self = (synthetic_t *) calloc (1, sizeof (synthetic_t));
    assert_non_null (self);
    for (size_t chapter = 0; chapter < CHAPTERS; chapter++) {
        for (size_t rank = 0; rank < STORIES; rank++) {
            report_story_t *story = &self->stories [chapter][rank];
            snprintf (self->titles [chapter][rank], sizeof self->titles [chapter][rank],
                      "Project %zu of %s", rank + 1, s_categories [chapter]);
            story->submission_id = "sub-0001";
            story->title = self->titles [chapter][rank];
            story->entity = "Ministry of Digital Affairs";
            story->country = "CH";
            story->stakeholder_type = "government";
            story->description = "What the project does, in a few plain sentences.";
            story->impact = "Who it reached, and how.";
            story->sdgs = "4, 9";
            story->votes = (int64_t) (1000 - 100 * rank);
            story->rank = (int64_t) rank + 1;
            story->winner = rank == 0;
        }
        self->chapters [chapter].category = s_categories [chapter];
        self->chapters [chapter].stories = self->stories [chapter];
        self->chapters [chapter].count = STORIES;
    }
    //  The hostile ones, and titles that give the same heading twice
    self->stories [0][0].title = HEADING_TITLE;
    self->stories [1][2].description = JAVASCRIPT_LINK;
    self->stories [2][1].title = SCRIPT_TITLE;
    self->stories [3][0].entity = "Women & <Tech> *Foundation* _ltd_";
    self->stories [3][0].description = MARKERS_DESCRIPTION;
    self->stories [3][0].impact = "<!-- hidden? --> [ref]: http://example.org\n\n\n2) two";
    self->stories [4][3].title = "東京 Ōsaka \"quoted\"\nsecond line";
    self->stories [5][0].title = "Same title";
    self->stories [6][0].title = "Same title";
    self->stories [7][4].title = "";
    self->stories [9][0].title = "Closing hashes ##";
    self->stories [8][1].sdgs = NULL;
    self->stories [8][1].impact = NULL;
    self->publication.call = "prizes-2022";
    self->publication.title = "WSIS Stocktaking: Success Stories 2022";
    self->publication.chapters = self->chapters;
    self->publication.chapter_count = CHAPTERS;
    return self;
}

//  A folder of the test's own, with chromium's profile inside it
typedef struct {
    char dir [64];
    char markdown [128];
    char html [128];
    char png [128];
    char profile [128];
    char log [128];
} files_t;

static int
s_setup (void **state)
{
    files_t *self = (files_t *) calloc (1, sizeof (files_t));
    assert_non_null (self);
    assert_int_equal (test_tempdir_make (self->dir, sizeof self->dir, "test_reporting_markdown"), 0);
    snprintf (self->markdown, sizeof self->markdown, "%s/success-stories.md", self->dir);
    snprintf (self->html, sizeof self->html, "%s/success-stories.html", self->dir);
    snprintf (self->png, sizeof self->png, "%s/page.png", self->dir);
    snprintf (self->profile, sizeof self->profile, "%s/chromium", self->dir);
    snprintf (self->log, sizeof self->log, "%s/chromium.log", self->dir);
    *state = self;
    return 0;
}

//  Chromium leaves a tree of folders in its profile
static int
s_teardown (void **state)
{
    files_t *self = (files_t *) *state;
    const char *remove [] = { "rm", "-rf", self->dir, NULL };
    int rc = test_spawn (remove);
    free (self);
    return rc;
}

//  The judge's verdict on the publication written as Markdown and HTML;
//  what it says goes to log, or to the test's output when log is NULL
static int
s_judge (files_t *self, const char *markdown, const char *html,
         const char *const *expectations, const char *log)
{
    test_file_write (self->markdown, markdown, strlen (markdown));
    test_file_write (self->html, html, strlen (html));
    const char *argv [64] = { PYTHON, "-c", s_page_judge, self->markdown, self->html, "18" };
    size_t argc = 6;
    char headings [CHAPTERS][200];
    for (size_t chapter = 0; chapter < CHAPTERS; chapter++) {
        snprintf (headings [chapter], sizeof headings [chapter], "%s \xe2\x80\x94 %s",
                  s_categories [chapter], report_category_title (s_categories [chapter]));
        argv [argc++] = headings [chapter];
    }
    while (*expectations)
        argv [argc++] = *expectations++;
    assert_true (argc < sizeof argv / sizeof argv [0]);
    argv [argc] = NULL;
    return test_spawn_logged (argv, log);
}

static const char *s_expectations [] = {
    "stories:5",
    "h3:Winner: " HEADING_TITLE,
    "h3:Champion: " SCRIPT_TITLE,
    "h3:Champion: 東京 Ōsaka \"quoted\" second line",
    "h3:Winner: Same title",
    "h3:Champion: (untitled)",
    "text:" JAVASCRIPT_LINK,
    "text:Women & <Tech> *Foundation* _ltd_",
    "text:*stars*, _underscores_, `ticks` and a <b>tag</b> & &amp; entity.",
    "text:- not a list item",
    "text:1. not an ordered item",
    "text:> not a quote",
    "text:not code",
    "text:===",
    "text:```",
    "text:Second paragraph, \\ a backslash, a trailing hash #",
    "text:<img src=x onerror=alert(1)>",
    "text:indented, not code",
    "text:## not a heading either",
    "h3:Winner: Closing hashes ##",
    "text:<!-- hidden? --> [ref]: http://example.org",
    "text:2) two",
    "text:18 winning projects and 72 champion projects",
    NULL
};

//  --------------------------------------------------------------------------
//  Tests

//  The official names, in the matrix's order; an unknown code is itself
static void
test_category_titles (void **state)
{
    static const char *names [][2] = {
        { "C1", "The role of public governance authorities and all stakeholders in the "
                "promotion of ICTs for development" },
        { "C2", "Information and communication infrastructure" },
        { "C3", "Access to information and knowledge" },
        { "C4", "Capacity building" },
        { "C5", "Building confidence and security in the use of ICTs" },
        { "C6", "Enabling environment" },
        { "C7", "ICT applications: e-government, e-business, e-learning, e-health, "
                "e-employment, e-environment, e-agriculture, e-science" },
        { "e-gov", "ICT applications: e-government" },
        { "e-sci", "ICT applications: e-science" },
        { "C8", "Cultural diversity and identity, linguistic diversity and local content" },
        { "C9", "Media" },
        { "C10", "Ethical dimensions of the Information Society" },
        { "C11", "International and regional cooperation" },
        { "C12", "C12" },
        { "", "" },
    };
    for (size_t index = 0; index < sizeof names / sizeof names [0]; index++)
        assert_string_equal (report_category_title (names [index][0]), names [index][1]);
    //  Every category of the matrix has its own name
    for (size_t index = 0; index < CHAPTERS; index++)
        assert_string_not_equal (report_category_title (s_categories [index]), s_categories [index]);
}

//  The whole publication, judged as Markdown and as a page, then drawn
//  by Chromium
static void
test_publication (void **state)
{
    files_t *self = (files_t *) *state;
    synthetic_t *synthetic = s_synthetic_new ();
    char *markdown = report_markdown_publication (&synthetic->publication);
    assert_non_null (markdown);
    char *html = report_markdown_html (markdown, synthetic->publication.title);
    assert_non_null (html);
    //  cmark's safety is the second wall; this is the first
    assert_non_null (strstr (markdown, "\\<script\\>"));
    assert_null (strstr (html, "<script"));
    assert_null (strstr (html, "href=\"javascript"));
    assert_null (strstr (html, "raw HTML omitted"));
    assert_int_equal (s_judge (self, markdown, html, s_expectations, NULL), 0);

    const char *version [] = { CHROMIUM, "--version", NULL };
    if (test_spawn_logged (version, self->log) == 127)
        fail_msg ("%s is missing: the page cannot be checked in a browser "
                  "(make deps installs the chromium package)", CHROMIUM);
    char profile [160], screenshot [160], url [160];
    snprintf (profile, sizeof profile, "--user-data-dir=%s", self->profile);
    snprintf (screenshot, sizeof screenshot, "--screenshot=%s", self->png);
    snprintf (url, sizeof url, "file://%s", self->html);
    const char *chromium [] = {
        "timeout", "120", CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", profile, screenshot,
        "--window-size=1200,1600", url, NULL
    };
    if (test_spawn_logged (chromium, self->log))
        fail_msg ("%s failed on %s; its output is in %s", CHROMIUM, self->html, self->log);
    uint32_t width = 0, height = 0;
    assert_int_equal (test_png_size (self->png, &width, &height), 0);
    assert_int_equal (width, 1200);
    assert_int_equal (height, 1600);

    free (html);
    free (markdown);
    free (synthetic);
}

//  The judge must be able to say no: a page whose table of contents
//  lands nowhere, and a page with a script (its tracebacks are expected,
//  and not shown)
static void
test_judge_refuses (void **state)
{
    files_t *self = (files_t *) *state;
    synthetic_t *synthetic = s_synthetic_new ();
    char *markdown = report_markdown_publication (&synthetic->publication);
    char *html = report_markdown_html (markdown, "t");
    char *found = strstr (html, "<h2 id=\"c2-");
    assert_non_null (found);
    memcpy (found + 8, "x2", 2);
    assert_int_not_equal (s_judge (self, markdown, html, s_expectations, "/dev/null"), 0);
    free (html);

    html = report_markdown_html (markdown, "t");
    char *scripted = zsys_sprintf ("%s<script>alert(1)</script>", html);
    assert_int_not_equal (s_judge (self, markdown, scripted, s_expectations, "/dev/null"), 0);
    zstr_free (&scripted);
    free (html);
    free (markdown);
    free (synthetic);
}

//  Headings anywhere get ids, repeated ones numbered; what looks like a
//  heading in code or raw HTML is not one; raw HTML and javascript: links
//  written in the Markdown itself do not reach the page
static void
test_html_ids (void **state)
{
    const char *markdown =
        "# Same\n\n## Same\n\n    <h2>in code</h2>\n\n> ### Quoted *heading* `code`\n\n"
        "- ## In a list\n\n<h2>raw</h2>\n\n<script>alert(1)</script>\n\n"
        "[x](javascript:alert(1)) [ok](#same-2)\n\nSetext\n======\n\n## 東京\n\n## 東京\n";
    static const char *present [] = {
        "<title>Ids &amp; &lt;titles&gt;</title>",
        "<h1 id=\"same\">Same</h1>", "<h2 id=\"same-2\">Same</h2>",
        "<h3 id=\"quoted-heading-code\">", "<h2 id=\"in-a-list\">", "<h1 id=\"setext\">",
        "<h2 id=\"section\">", "<h2 id=\"section-2\">", "&lt;h2&gt;in code&lt;/h2&gt;",
    };
    static const char *absent [] = { "<h2>", "<script", "javascript:" };
    char *html = report_markdown_html (markdown, "Ids & <titles>");
    assert_non_null (html);
    for (size_t index = 0; index < sizeof present / sizeof present [0]; index++)
        if (!strstr (html, present [index]))
            fail_msg ("%s is not in the page", present [index]);
    for (size_t index = 0; index < sizeof absent / sizeof absent [0]; index++)
        if (strstr (html, absent [index]))
            fail_msg ("%s is in the page", absent [index]);
    free (html);
}

//  A publication without chapters, and a chapter without projects, are
//  still publications
static void
test_small_publications (void **state)
{
    report_publication_t empty = { "prizes-2023", NULL, NULL, 0 };
    char *markdown = report_markdown_publication (&empty);
    assert_non_null (markdown);
    assert_non_null (strstr (markdown, "# WSIS Stocktaking: Success Stories 2023\n"));
    assert_non_null (strstr (markdown, "0 winning projects and 0 champion projects"));
    free (markdown);

    report_story_t story = { .title = "Only one", .winner = true, .votes = 3 };
    report_chapter_t chapters [] = { { "C9", NULL, 0 }, { "C10", &story, 1 } };
    report_publication_t small = { "call", "Small", chapters, 2 };
    markdown = report_markdown_publication (&small);
    assert_non_null (strstr (markdown, "## C9 \xe2\x80\x94 Media\n\n*No project was selected"));
    assert_non_null (strstr (markdown, "*The winner of this Action Line.*"));
    assert_non_null (strstr (markdown, "### Winner: Only one\n"));
    assert_non_null (strstr (markdown, "- **Votes:** 3\n"));
    assert_null (strstr (markdown, "Entity"));
    assert_non_null (strstr (markdown, "- [C10 \xe2\x80\x94 Ethical dimensions of the Information Society]"
                                       "(#c10-ethical-dimensions-of-the-information-society)\n"));
    free (markdown);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_category_titles),
        cmocka_unit_test_setup_teardown (test_publication, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_judge_refuses, s_setup, s_teardown),
        cmocka_unit_test (test_html_ids),
        cmocka_unit_test (test_small_publications),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
