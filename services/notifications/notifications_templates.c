/*  notifications_templates: the words of every notification, from
    configs/templates/<kind>.txt.

    The secretariat edits these files, not the code, so everything that
    can be wrong with one is found when the service starts, named by file,
    line and placeholder: a kind without its file, a file without its
    Subject line, a brace left open, or a placeholder the kind does not
    have (a typo there would otherwise go out to every nominee as an
    empty gap). Rendering then cannot fail: a placeholder without a value
    renders empty, and a line that holds nothing but placeholders that
    all rendered empty is left out (with the blank line after it when it
    was a paragraph of its own), so an optional note ({late_note},
    {reason}) leaves no gap behind.
*/
#include "notifications.h"
#include "wsis_alloc.h"
#include "wsis_msg.h"
#include "wsis_valid.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

//  A template is a page of text; anything larger is a wrong file
#define S_FILE_MAX (64 * 1024)
#define S_SUBJECT "Subject:"
//  Longer than any placeholder's name
#define S_NAME_MAX 32

//  Every kind can greet its recipient and name its call; a reminder sent
//  late says so where its template puts {late_note}.
#define S_COMMON "name", "email", "call", "call_title", "late_note"

static const char *const s_phase_opened [] = { S_COMMON, "phase", "start", "end", NULL };
static const char *const s_phase_closed [] = { S_COMMON, "phase", "start", "end", NULL };
static const char *const s_deadline_reminder [] = {
    S_COMMON, "phase", "deadline", "before", NULL
};
static const char *const s_meeting_reminder [] = { S_COMMON, "start", "end", "before", NULL };
static const char *const s_subscriber_reminder [] = {
    S_COMMON, "phase", "deadline", "before", "unsubscribe_url", NULL
};
static const char *const s_subscribe_confirm [] = {
    S_COMMON, "token", "calls", "unsubscribe_url", NULL
};
static const char *const s_sign_in_code [] = { S_COMMON, "code", "minutes", NULL };
static const char *const s_submission_received [] = {
    S_COMMON, "submission_id", "title", "kind", "next_steps", NULL
};
static const char *const s_submission_withdrawn [] = {
    S_COMMON, "submission_id", "title", "kind", NULL
};
static const char *const s_nomination_result [] = {
    S_COMMON, "submission_id", "title", "category", "result", "reason", NULL
};
static const char *const s_champion [] = {
    S_COMMON, "submission_id", "title", "category", "votes", "rank", NULL
};
static const char *const s_winner [] = { S_COMMON, "submission_id", "title", "category", NULL };
static const char *const s_winner_staff [] = {
    S_COMMON, "submission_id", "title", "category", "contact_name", "contact_email", NULL
};
static const char *const s_photo_winner [] = {
    S_COMMON, "submission_id", "title", "rank", NULL
};
static const char *const s_hltf_ack [] = { S_COMMON, "nomination_id", "nominee_name", NULL };
static const char *const s_ambassador_ack [] = {
    S_COMMON, "nomination_id", "nominee_name", NULL
};
static const char *const s_delivery_failed [] = {
    S_COMMON, "key", "recipient", "channel", "attempts", "error", NULL
};

const char *const notify_template_kinds [] = {
    "phase_opened", "phase_closed", "deadline_reminder", "meeting_reminder",
    "subscriber_reminder", "subscribe_confirm", "submission_received",
    "submission_withdrawn", "nomination_result", "champion", "winner", "winner_staff",
    "photo_winner", "hltf_ack", "ambassador_ack", "delivery_failed", "sign_in_code", NULL
};

//  The placeholders of each kind, in the order of notify_template_kinds
static const char *const *const s_placeholders [] = {
    s_phase_opened, s_phase_closed, s_deadline_reminder, s_meeting_reminder,
    s_subscriber_reminder, s_subscribe_confirm, s_submission_received,
    s_submission_withdrawn, s_nomination_result, s_champion, s_winner, s_winner_staff,
    s_photo_winner, s_hltf_ack, s_ambassador_ack, s_delivery_failed, s_sign_in_code
};

#define S_KIND_COUNT (sizeof s_placeholders / sizeof s_placeholders [0])
_Static_assert (sizeof notify_template_kinds / sizeof notify_template_kinds [0]
                == S_KIND_COUNT + 1, "a kind without its placeholders");

//  One template: both parts keep their {placeholders}, checked at load
typedef struct {
    char *subject;              //  one line, no line end
    char *body;                 //  lines ending in \n
} template_t;

struct _notify_templates_t {
    template_t templates [S_KIND_COUNT];     //  by kind index
};

static int
s_kind_index (const char *kind)
{
    for (size_t index = 0; kind && index < S_KIND_COUNT; index++)
        if (strcmp (notify_template_kinds [index], kind) == 0)
            return (int) index;
    return -1;
}

const char *const *
notify_template_placeholders (const char *kind)
{
    int index = s_kind_index (kind);
    return index < 0? NULL: s_placeholders [index];
}

//  --------------------------------------------------------------------------
//  Loading

static bool
s_allowed (const char *const *placeholders, const char *name, size_t length)
{
    for (size_t i = 0; placeholders [i]; i++)
        if (strlen (placeholders [i]) == length && memcmp (placeholders [i], name, length) == 0)
            return true;
    return false;
}

//  "name, email, ..." for the message that names what a kind allows;
//  the caller frees it
static char *
s_allowed_list (const char *const *placeholders)
{
    size_t size = 1;
    for (size_t i = 0; placeholders [i]; i++)
        size += strlen (placeholders [i]) + 2;
    char *list = (char *) zmalloc (size);
    for (size_t i = 0; placeholders [i]; i++) {
        if (i)
            strcat (list, ", ");
        strcat (list, placeholders [i]);
    }
    return list;
}

//  Checks the braces of text, whose first line is line number first_line
//  of path: {{ and }} are braces, { starts a placeholder closed by } on
//  the same line, and the name between must be one of the kind's. 0, or
//  -1 with *error one line naming the file, the line and the placeholder.
static int
s_check (const char *text, int first_line, const char *path, const char *kind,
         char **error)
{
    const char *const *placeholders = notify_template_placeholders (kind);
    int line = first_line;
    for (const char *c = text; *c; c++) {
        if (*c == '\n')
            line++;
        else
        if ((c [0] == '{' && c [1] == '{') || (c [0] == '}' && c [1] == '}'))
            c++;
        else
        if (*c == '}') {
            *error = zsys_sprintf ("%s:%d: a lone \"}\" (write \"}}\" for a brace)", path, line);
            return -1;
        }
        else
        if (*c == '{') {
            const char *name = c + 1;
            size_t length = strcspn (name, "{}\n");
            if (name [length] != '}') {
                *error = zsys_sprintf ("%s:%d: unterminated placeholder {%.*s (write \"{{\" "
                                       "for a brace)", path, line, (int) length, name);
                return -1;
            }
            if (!s_allowed (placeholders, name, length)) {
                char *allowed = s_allowed_list (placeholders);
                *error = zsys_sprintf ("%s:%d: unknown placeholder {%.*s}; %s has: %s",
                                       path, line, (int) length, name, kind, allowed);
                free (allowed);
                return -1;
            }
            c = name + length;
        }
    }
    return 0;
}

//  The text of the file at path, NUL-terminated, with CRLF line ends made
//  LF and a byte order mark dropped; NULL with *error when it cannot be
//  read, is too large or holds a NUL. The caller frees it.
static char *
s_read (const char *path, char **error)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        *error = zsys_sprintf ("%s: %s", path, strerror (errno));
        return NULL;
    }
    char *text = (char *) zmalloc (S_FILE_MAX + 2);
    size_t size = fread (text, 1, S_FILE_MAX + 1, file);
    bool failed = ferror (file) != 0;
    fclose (file);
    if (failed)
        *error = zsys_sprintf ("%s: cannot be read", path);
    else
    if (size > S_FILE_MAX)
        *error = zsys_sprintf ("%s: larger than %d bytes", path, S_FILE_MAX);
    else
    if (memchr (text, 0, size))
        *error = zsys_sprintf ("%s: holds a NUL byte", path);
    if (*error) {
        free (text);
        return NULL;
    }
    size_t from = size >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0? 3: 0;
    size_t to = 0;
    for (; from < size; from++)
        if (!(text [from] == '\r' && from + 1 < size && text [from + 1] == '\n'))
            text [to++] = text [from];
    text [to] = 0;
    return text;
}

//  Splits text in place after its first line and returns the rest, or
//  NULL when there is no line end
static char *
s_next_line (char *text)
{
    char *end = strchr (text, '\n');
    if (!end)
        return NULL;
    *end = 0;
    return end + 1;
}

//  Reads and checks the template of kind at path. 0, or -1 with *error.
static int
s_template_load (template_t *template, const char *path, const char *kind,
                 char **error)
{
    char *text = s_read (path, error);
    if (!text)
        return -1;
    int rc = -1;
    int line = 1;
    for (const char *start = text; start; line++) {
        const char *end = strchr (start, '\n');
        size_t length = end? (size_t) (end - start): strlen (start);
        if (!wsis_valid_utf8 (start, length)) {
            *error = zsys_sprintf ("%s:%d: not UTF-8", path, line);
            goto cleanup;
        }
        start = end? end + 1: NULL;
    }
    char *second = s_next_line (text);
    if (strncmp (text, S_SUBJECT, strlen (S_SUBJECT))) {
        *error = zsys_sprintf ("%s:1: the first line must be \"Subject: ...\"", path);
        goto cleanup;
    }
    char *subject = text + strlen (S_SUBJECT);
    subject += strspn (subject, " \t");
    size_t length = strlen (subject);
    while (length > 0 && (subject [length - 1] == ' ' || subject [length - 1] == '\t'))
        subject [--length] = 0;
    if (length == 0) {
        *error = zsys_sprintf ("%s:1: the Subject line is empty", path);
        goto cleanup;
    }
    char *body = second? s_next_line (second): NULL;
    if (!second || strspn (second, " \t") != strlen (second)) {
        *error = zsys_sprintf ("%s:2: a blank line must follow the Subject line", path);
        goto cleanup;
    }
    if (!body || strspn (body, " \t\n") == strlen (body)) {
        *error = zsys_sprintf ("%s:3: the body is empty", path);
        goto cleanup;
    }
    if (s_check (subject, 1, path, kind, error) || s_check (body, 3, path, kind, error))
        goto cleanup;

    template->subject = wsis_strdup (subject);
    //  The body's lines end in \n, the last one too
    size_t size = strlen (body);
    template->body = (char *) zmalloc (size + 2);
    memcpy (template->body, body, size);
    if (size > 0 && body [size - 1] != '\n')
        template->body [size] = '\n';
    rc = 0;
cleanup:
    free (text);
    return rc;
}

notify_templates_t *
notify_templates_load (const char *folder, char **error)
{
    assert (error);
    *error = NULL;
    notify_templates_t *self = (notify_templates_t *) zmalloc (sizeof (notify_templates_t));
    for (size_t index = 0; index < S_KIND_COUNT; index++) {
        char *path = zsys_sprintf ("%s/%s.txt", folder, notify_template_kinds [index]);
        int rc = s_template_load (&self->templates [index], path,
                                  notify_template_kinds [index], error);
        zstr_free (&path);
        if (rc) {
            notify_templates_destroy (&self);
            return NULL;
        }
    }
    return self;
}

void
notify_templates_destroy (notify_templates_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        notify_templates_t *self = *self_p;
        for (size_t index = 0; index < S_KIND_COUNT; index++) {
            free (self->templates [index].subject);
            free (self->templates [index].body);
        }
        free (self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  Rendering

//  Appends a value: a str as it is (but for line ends in the one line of
//  a subject), an int in decimal, anything else nothing. A str that is
//  not UTF-8 is U+FFFD, so what is rendered always is.
static void
s_put_value (zchunk_t *out, const msgpack_object *value, bool one_line)
{
    char number [32];
    if (!value)
        return;
    if (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        snprintf (number, sizeof number, "%" PRIu64, value->via.u64);
        zchunk_extend (out, number, strlen (number));
    }
    else
    if (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        snprintf (number, sizeof number, "%" PRId64, value->via.i64);
        zchunk_extend (out, number, strlen (number));
    }
    else
    if (value->type == MSGPACK_OBJECT_STR) {
        const char *text = value->via.str.ptr;
        size_t size = value->via.str.size;
        if (!wsis_valid_utf8 (text, size))
            zchunk_extend (out, "\xEF\xBF\xBD", 3);
        else
        if (!one_line)
            zchunk_extend (out, text, size);
        else
            for (size_t i = 0; i < size; i++)
                zchunk_extend (out, (unsigned char) text [i] < 0x20? " ": text + i, 1);
    }
}

//  Whether what out holds ends a paragraph: nothing yet, or a blank line
static bool
s_paragraph_ends (zchunk_t *out)
{
    size_t size = zchunk_size (out);
    const byte *data = zchunk_data (out);
    return size == 0 || (size >= 2 && data [size - 1] == '\n' && data [size - 2] == '\n');
}

//  Appends text with its placeholders replaced. A line made of nothing
//  but placeholders (and white space) that rendered as white space is
//  taken back, its line end with it, and the blank line after it too
//  when it was a paragraph of its own.
static void
s_render (zchunk_t *out, const char *text, const msgpack_object *vars, bool one_line)
{
    const char *c = text;
    bool skip_blank = false;
    while (*c) {
        if (skip_blank && *c == '\n') {
            skip_blank = false;
            c++;
            continue;
        }
        skip_blank = false;
        size_t line_start = zchunk_size (out);
        bool placeholders_only = true;
        bool placeholders = false;
        while (*c && *c != '\n') {
            if ((c [0] == '{' && c [1] == '{') || (c [0] == '}' && c [1] == '}')) {
                zchunk_extend (out, c, 1);
                placeholders_only = false;
                c += 2;
            }
            else
            if (*c == '{') {
                //  Checked at load: the name ends at the next }, and is
                //  one of the kind's, which are short
                size_t length = strcspn (c + 1, "}");
                char name [S_NAME_MAX];
                assert (length < sizeof name);
                memcpy (name, c + 1, length);
                name [length] = 0;
                s_put_value (out, wsis_msg_get (vars, name), one_line);
                placeholders = true;
                c += length + 2;
            }
            else {
                if (*c != ' ' && *c != '\t')
                    placeholders_only = false;
                zchunk_extend (out, c++, 1);
            }
        }
        const byte *rendered = zchunk_data (out);
        bool blank = true;
        for (size_t i = line_start; i < zchunk_size (out) && blank; i++)
            blank = rendered [i] == ' ' || rendered [i] == '\t';
        if (placeholders && placeholders_only && blank) {
            //  zchunk_set with no data only sets the size: a truncation
            zchunk_set (out, NULL, line_start);
            skip_blank = s_paragraph_ends (out);
        }
        else
        if (*c == '\n')
            zchunk_extend (out, "\n", 1);
        if (*c == '\n')
            c++;
    }
}

//  The chunk's bytes as a string the caller frees
static char *
s_string (zchunk_t *chunk)
{
    char *text = (char *) zmalloc (zchunk_size (chunk) + 1);
    memcpy (text, zchunk_data (chunk), zchunk_size (chunk));
    return text;
}

int
notify_templates_render (notify_templates_t *self, const char *kind,
                         const msgpack_object *vars, char **subject, char **body)
{
    assert (self);
    assert (subject && body);
    *subject = NULL;
    *body = NULL;
    int index = s_kind_index (kind);
    if (index < 0)
        return -1;
    const template_t *template = &self->templates [index];
    zchunk_t *out = zchunk_new (NULL, 1024);
    s_render (out, template->subject, vars, true);
    *subject = s_string (out);
    zchunk_set (out, NULL, 0);
    s_render (out, template->body, vars, false);
    *body = s_string (out);
    zchunk_destroy (&out);
    return 0;
}
