/*  gateway_pages: the public web pages, static files read once at start
    from gateway/pages (services/gateway/pages/) and served from memory,
    so no request ever names a path on disk.

        GET /               index.html
        GET /pages/{file}   a file of the folder (.html, .css, .js, .svg, .png, .ico)

    Every page is served with a Content-Security-Policy that allows only
    the gateway's own scripts, styles and API: no inline script, no
    third party, no framing.
*/
#include "gateway.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <dirent.h>
#include <ctype.h>

#define PAGES_MAX       64
#define PAGE_SIZE_MAX   (1024 * 1024)

typedef struct {
    char name [64];
    const char *content_type;
    char *data;
    size_t size;
} page_t;

struct _gateway_pages_t {
    page_t pages [PAGES_MAX];
    size_t count;
};

static const struct {
    const char *extension;
    const char *content_type;
} s_types [] = {
    { ".html", "text/html; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
};

//  The type of a file name that may be served ([a-z0-9_-] then a known
//  extension), or NULL.
static const char *
s_type (const char *name)
{
    const char *dot = strrchr (name, '.');
    if (!dot || dot == name || strlen (name) >= sizeof ((page_t *) 0)->name)
        return NULL;
    for (const char *c = name; c < dot; c++)
        if (!(islower ((unsigned char) *c) || isdigit ((unsigned char) *c) || *c == '-' || *c == '_'))
            return NULL;
    for (size_t i = 0; i < sizeof s_types / sizeof s_types [0]; i++)
        if (streq (dot, s_types [i].extension))
            return s_types [i].content_type;
    return NULL;
}

gateway_pages_t *
gateway_pages_new (const char *folder, char **error)
{
    DIR *dir = opendir (folder);
    if (!dir) {
        *error = zsys_sprintf ("%s: the pages' folder cannot be read", folder);
        return NULL;
    }
    gateway_pages_t *self = (gateway_pages_t *) zmalloc (sizeof (gateway_pages_t));
    struct dirent *entry;
    while ((entry = readdir (dir)) && !*error) {
        const char *type = s_type (entry->d_name);
        if (!type)
            continue;               //  not a page (., .., a README, an editor's backup)
        if (self->count == PAGES_MAX) {
            *error = zsys_sprintf ("%s: more than %d pages", folder, PAGES_MAX);
            break;
        }
        char *path = zsys_sprintf ("%s/%s", folder, entry->d_name);
        zfile_t *file = zfile_new (NULL, path);
        zchunk_t *chunk = NULL;
        if (file && zfile_cursize (file) <= PAGE_SIZE_MAX && zfile_input (file) == 0)
            chunk = zfile_read (file, (size_t) zfile_cursize (file), 0);
        if (chunk) {
            page_t *page = &self->pages [self->count++];
            snprintf (page->name, sizeof page->name, "%.63s", entry->d_name);  //  s_type checked its length
            page->content_type = type;
            page->size = zchunk_size (chunk);
            page->data = (char *) wsis_calloc (1, page->size);
            memcpy (page->data, zchunk_data (chunk), page->size);
        }
        else
            *error = zsys_sprintf ("%s: cannot be read (or larger than 1 MiB)", path);
        zchunk_destroy (&chunk);
        zfile_destroy (&file);
        zstr_free (&path);
    }
    closedir (dir);
    if (*error)
        gateway_pages_destroy (&self);
    return self;
}

void
gateway_pages_destroy (gateway_pages_t **self_p)
{
    if (self_p && *self_p) {
        gateway_pages_t *self = *self_p;
        for (size_t i = 0; i < self->count; i++)
            free (self->pages [i].data);
        free (self);
        *self_p = NULL;
    }
}

bool
gateway_pages_route (gateway_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    char path [GATEWAY_PATH_MAX];
    gateway_routes_path (request, path);
    const char *name = streq (path, "/")? "index.html":
                       strncmp (path, "/pages/", 7) == 0? path + 7: NULL;
    if (!name)
        return false;
    if (!streq (request->method, "GET") && !streq (request->method, "HEAD")) {
        gateway_http_fail (self->http, call, 405, "bad_request", NULL, "pages take GET");
        return true;
    }
    for (size_t i = 0; self->pages && i < self->pages->count; i++) {
        const page_t *page = &self->pages->pages [i];
        if (streq (page->name, name)) {
            gateway_http_answer_page (self->http, call, page->content_type, page->data, page->size);
            return true;
        }
    }
    gateway_http_fail (self->http, call, 404, "not_found", NULL, "there is no page %s", path);
    return true;
}
