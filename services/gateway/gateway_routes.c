/*  gateway_routes: resource routes over the operations (docs/protocol.md,
    "wsis-gateway (HTTP)"), for the web pages and for systems that prefer
    URLs to operation names.

    Each route names one operation; its body is the request's JSON body,
    then the URL's query arguments (GET), then the path's parameters, and
    for the routes a person uses for themselves, the stakeholder of the
    session in the field that says who (voter_id, stakeholder_id). A
    report asked for as SVG, CSV, Markdown or HTML comes back as that
    type, not wrapped in JSON.
*/
#include "gateway.h"

#include <ctype.h>

#define ROUTE_SESSION   1       //  only with a session
#define ROUTE_RAW       2       //  {content_type, data} is served as that type
#define ROUTE_GATEWAY   4       //  the session acts as the gateway for its stakeholder
                                //  (what only the gateway may read, for that stakeholder only)
#define SEGMENTS_MAX    8
#define PARAM_MAX       128

typedef struct {
    const char *method;
    const char *pattern;        //  {name}: a path segment into the body's field name
    const char *service;
    const char *op;
    unsigned flags;
    const char *self_field;     //  set to the session's stakeholder, or NULL
} route_t;

static const route_t s_routes [] = {
    { "POST",   "/api/v1/stakeholders", "submissions", "stakeholder.register", 0, NULL },
    { "GET",    "/api/v1/stakeholders/me", "submissions", "stakeholder.get", ROUTE_SESSION | ROUTE_GATEWAY, "stakeholder_id" },
    { "POST",   "/api/v1/submissions", "submissions", "submission.create", ROUTE_SESSION, "stakeholder_id" },
    { "GET",    "/api/v1/submissions/{submission_id}", "submissions", "submission.get", 0, NULL },
    { "PATCH",  "/api/v1/submissions/{submission_id}", "submissions", "submission.update", ROUTE_SESSION, NULL },
    { "DELETE", "/api/v1/submissions/{submission_id}", "submissions", "submission.withdraw", ROUTE_SESSION, NULL },
    { "POST",   "/api/v1/nominations/hltf", "nominations", "hltf.nominate", 0, NULL },
    { "POST",   "/api/v1/nominations/trendsetters", "nominations", "ambassador.nominate", 0, NULL },
    { "POST",   "/api/v1/calls/{call}/votes", "voting", "vote.cast", ROUTE_SESSION, "voter_id" },
    { "GET",    "/api/v1/calls/{call}/submissions", "submissions", "submission.list", 0, NULL },
    { "GET",    "/api/v1/calls/{call}/nominees", "nominations", "nominations.list", 0, NULL },
    { "GET",    "/api/v1/calls/{call}/tally", "voting", "vote.tally", 0, NULL },
    { "GET",    "/api/v1/calls/{call}/summary", "reporting", "report.summary", 0, NULL },
    { "GET",    "/api/v1/calls/{call}/results", "reporting", "report.results", 0, NULL },
    { "GET",    "/api/v1/receipts/{receipt}", "voting", "vote.verify", 0, NULL },
    { "GET",    "/api/v1/reports/sdg_matrix", "reporting", "report.sdg_matrix", ROUTE_RAW, NULL },
    { "GET",    "/api/v1/reports/gender", "reporting", "report.gender", ROUTE_RAW, NULL },
    { "GET",    "/api/v1/reports/publication", "reporting", "report.publication", ROUTE_RAW, NULL },
    { "GET",    "/api/v1/women_in_tech", "reporting", "report.women_in_tech", 0, NULL },
    { "POST",   "/api/v1/subscriptions", "notifications", "notify.subscribe", 0, NULL },
    { "POST",   "/api/v1/subscriptions/confirm", "notifications", "notify.confirm", 0, NULL },
    { "POST",   "/api/v1/subscriptions/unsubscribe", "notifications", "notify.unsubscribe", 0, NULL },
};

#define ROUTE_COUNT (sizeof s_routes / sizeof s_routes [0])

//  A path parameter is an id (sub-12, prizes-2027, a receipt): letters,
//  digits, - and _. Never a dot, which every operation's name has, so
//  /api/v1/submissions/stakeholder.register stays the generic route's.
static bool
s_param_ok (const char *text, size_t length)
{
    if (length == 0 || length > PARAM_MAX)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!(isalnum ((unsigned char) text [i]) || text [i] == '-' || text [i] == '_'))
            return false;
    return true;
}

//  The parameters go into params only once the whole path matched: the
//  routes tried before the right one cost no JSON.
bool
gateway_routes_match (const char *pattern, const char *path, json_t *params)
{
    struct { const char *name, *value; size_t name_len, value_len; } found [SEGMENTS_MAX];
    size_t count = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++, path++;
        size_t plen = strcspn (pattern, "/"), len = strcspn (path, "/");
        if (*pattern == '{') {
            if (!s_param_ok (path, len) || count == SEGMENTS_MAX)
                return false;
            found [count].name = pattern + 1;
            found [count].name_len = plen - 2;
            found [count].value = path;
            found [count++].value_len = len;
        }
        else
        if (plen != len || strncmp (pattern, path, len))
            return false;
        pattern += plen, path += len;
    }
    if (*pattern || *path)
        return false;
    for (size_t i = 0; i < count && params; i++)
        json_object_setn_new (params, found [i].name, found [i].name_len,
                              json_stringn (found [i].value, found [i].value_len));
    return true;
}

//  A query value that is all digits is a number (after, limit), any
//  other a string.
static json_t *
s_query_value (json_t *value)
{
    const char *text = json_string_value (value);
    if (text && *text && strlen (text) < 16 && strspn (text, "0123456789") == strlen (text))
        return json_integer (strtoll (text, NULL, 10));
    return json_incref (value);
}

void
gateway_routes_path (const gateway_request_t *request, char *path)
{
    gateway_copy (path, GATEWAY_PATH_MAX, request->url, strcspn (request->url, "?"));
}

bool
gateway_routes_route (gateway_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    char path [GATEWAY_PATH_MAX];
    gateway_routes_path (request, path);
    const route_t *route = NULL;
    bool path_known = false;
    for (size_t i = 0; i < ROUTE_COUNT && !route; i++) {
        if (gateway_routes_match (s_routes [i].pattern, path, NULL)) {
            path_known = true;
            if (streq (s_routes [i].method, request->method)
            ||  (streq (s_routes [i].method, "GET") && streq (request->method, "HEAD")))
                route = &s_routes [i];
        }
    }
    if (!route) {
        if (path_known)
            gateway_http_fail (self->http, call, 405, "bad_request", NULL,
                               "%s does not take %s", path, request->method);
        return path_known;
    }
    json_t *body = gateway_api_body (self, call, request);
    if (!body)
        return true;
    const char *key;
    json_t *value;
    json_object_foreach (request->query, key, value)
        json_object_set_new (body, key, s_query_value (value));
    //  The path's parameters last: they win over the body's and the query's
    gateway_routes_match (route->pattern, path, body);
    gateway_forward_t forward = {
        .service = route->service, .op = route->op, .body = body,
        .needs_session = route->flags & ROUTE_SESSION, .self_field = route->self_field,
        .session_role = (route->flags & ROUTE_GATEWAY)? "gateway": NULL,
        .raw = route->flags & ROUTE_RAW
    };
    gateway_api_forward (self, call, request, &forward);
    json_decref (body);
    return true;
}
