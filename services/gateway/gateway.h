/*  wsis-gateway: HTTP/JSON in front of the services (docs/protocol.md,
    "wsis-gateway"), for browsers and systems that do not speak ZeroMQ.

    One thread, like every service: libmicrohttpd runs from the service's
    zloop (its epoll descriptor is one more poller), and a request that
    needs a service is forwarded on a DEALER (gateway_upstream) while its
    connection is suspended; the reply resumes it. So thousands of HTTP
    requests can wait for their services at once without a thread each.

      gateway_http      the HTTP server: connections, bodies, limits,
                        headers every response carries (one per listener)
      gateway_api       the routes: /healthz, /readyz, POST /api/v1/{service}/{op}
      gateway_routes    resource routes over the operations (/api/v1/calls/{call}/votes, ...)
      gateway_calls     the calendar's calls and where each stands (/api/v1/calls)
      gateway_pages     the public web pages (/, /pages/...), from memory
      gateway_auth      sign-in codes and sessions (/api/v1/auth/...)
      gateway_sessions  the live sessions seen, in memory in front of their table
      gateway_people    the addresses codes may go to (from stakeholder.registered)
      gateway_limits    token buckets per client: sign-in, votes, submissions
      gateway_staff     the staff listener (internal, off by default): staff
                        operations for the tokens of gateway_staff_tokens
      gateway_upstream  requests to the services and their replies
      gateway_status    protocol error codes as HTTP statuses
      gateway_cors      the API for pages of the origins gateway/cors_origins lists
      gateway_mail      sign-in codes' mails, asked again until notifications takes them
*/
#ifndef GATEWAY_H
#define GATEWAY_H

#include "wsis_service.h"

#include <jansson.h>

#define GATEWAY_ID_MAX      64      //  a stakeholder_id
#define GATEWAY_EMAIL_MAX   254

typedef struct _gateway_http_t gateway_http_t;
typedef struct _gateway_upstream_t gateway_upstream_t;
typedef struct _gateway_call_t gateway_call_t;
typedef struct _gateway_limits_t gateway_limits_t;
typedef struct _gateway_pages_t gateway_pages_t;
typedef struct _gateway_cors_t gateway_cors_t;
typedef struct _gateway_mail_t gateway_mail_t;
typedef struct _gateway_staff_t gateway_staff_t;
typedef struct _gateway_staff_tokens_t gateway_staff_tokens_t;
typedef struct _gateway_sessions_t gateway_sessions_t;

typedef struct {
    wsis_service_t *service;
    gateway_http_t *http;
    gateway_upstream_t *upstream;
    gateway_limits_t *limits;
    gateway_sessions_t *sessions;   //  live sessions seen (gateway_sessions)
    unsigned sign_in_per_minute;    //  gateway/sign_in_per_minute
    unsigned writes_per_minute;     //  gateway/writes_per_minute
    json_t *openapi;                //  the document GET /api/v1/openapi.json serves
    gateway_pages_t *pages;         //  the public web pages
    gateway_staff_t *staff;         //  the staff listener, or NULL (off)
    gateway_cors_t *cors;           //  other origins whose pages may use the API
    gateway_mail_t *mail;           //  sign-in codes' mails not taken yet
    int64_t forgotten;              //  when expired codes and sessions were last deleted
    msgpack_sbuffer packing;        //  the request being packed (gateway_api_send)
    size_t max_request;             //  wsis/max_request: the most a service takes
} gateway_t;

//  -------------------------------------------------------------------------
//  gateway_status: the HTTP status for a protocol error code (400 for a
//  code it does not know).
unsigned gateway_status (const char *code);

//  -------------------------------------------------------------------------
//  gateway_upstream: requests to the services, one DEALER each.

//  Called once per request sent: with the reply (a map), or with NULL when
//  none came within the timeout or the gateway is stopping.
typedef void (gateway_upstream_fn) (void *arg, const msgpack_object *reply);

//  DEALERs to every service of wsis_config_services but the gateway,
//  connected now (CURVE clients with keys), read from loop. A request
//  unanswered after timeout_ms gets fn (arg, NULL).
gateway_upstream_t *gateway_upstream_new (wsis_config_t *config, wsis_curve_t *curve,
                                          zloop_t *loop, int64_t timeout_ms);
//  Every request still waiting gets fn (arg, NULL) first.
void gateway_upstream_destroy (gateway_upstream_t **self_p);

//  Sends one request frame (msgpack, its id `id`) to service. 0; -1 when
//  service is not one of them or a request of that id is waiting for it
//  already (or the id is longer than 64 bytes); -2 when the service is
//  not connected (down) or too many
//  requests wait for it. fn is called only after 0.
int gateway_upstream_send (gateway_upstream_t *self, const char *service, const char *id,
                           const void *frame, size_t size, gateway_upstream_fn *fn, void *arg);

//  Requests waiting for a reply now.
size_t gateway_upstream_waiting (gateway_upstream_t *self);

//  fn (arg) after each batch of replies read together (their callbacks
//  called): gateway_http_flush serves what they answered in the same turn.
typedef void (gateway_upstream_drained_fn) (void *arg);
void gateway_upstream_set_drained (gateway_upstream_t *self, gateway_upstream_drained_fn *fn,
                                   void *arg);

//  Connects again to each service whose key was rotated, with its new
//  key (wsis_curve_reconnect); from the service's tick, after it read the
//  keys again (wsis_curve_refresh).
void gateway_upstream_rekey (gateway_upstream_t *self);

//  -------------------------------------------------------------------------
//  gateway_http: the HTTP server.

//  One HTTP request whose whole body has arrived.
typedef struct {
    const char *method;
    const char *url;
    const char *body;               //  NUL-terminated; size bytes
    size_t size;
    const char *idempotency_key;    //  the Idempotency-Key header, or NULL
    const char *authorization;      //  the Authorization header, or NULL
    const char *client;             //  the client's address (see gateway/trust_forwarded)
    json_t *query;                  //  the URL's query arguments, {name: string}
} gateway_request_t;

//  Routes one request: answers it now (gateway_http_answer) or later,
//  after a service replied, with the call handle.
typedef void (gateway_route_fn) (gateway_t *gateway, gateway_call_t *call,
                                 const gateway_request_t *request);

//  Listens on port of host (an IPv4 address, or * for every interface),
//  served from loop, each request routed by route; name says which
//  listener in the log ("HTTP"). NULL with *error one line (caller frees).
gateway_http_t *gateway_http_new (gateway_t *gateway, wsis_config_t *config, zloop_t *loop,
                                  const char *name, const char *host, int port,
                                  gateway_route_fn *route, char **error);
//  Answers every call still waiting with 503 first.
void gateway_http_destroy (gateway_http_t **self_p);

//  Lets the pages of cors' origins use this listener (not taken; NULL: none).
void gateway_http_set_cors (gateway_http_t *self, gateway_cors_t *cors);

//  Answers a call: status and a JSON body (taken: the call owns it now).
//  A call is answered once, on the listener it came from (whichever self
//  is); the connection is resumed when it was waiting.
void gateway_http_answer (gateway_http_t *self, gateway_call_t *call, unsigned status, json_t *body);
//  The same with a service's msgpack value written as JSON text
//  (wsis_json_write; NULL: {}), inside {"<wrap>": ...} when wrap is not NULL.
void gateway_http_answer_msgpack (gateway_http_t *self, gateway_call_t *call, unsigned status,
                                  const char *wrap, const msgpack_object *value);
//  The same with bytes of another type (a report's SVG, CSV, HTML).
void gateway_http_answer_raw (gateway_http_t *self, gateway_call_t *call, unsigned status,
                              const char *content_type, const void *data, size_t size);
//  A public page: its bytes, with the pages' Content-Security-Policy.
void gateway_http_answer_page (gateway_http_t *self, gateway_call_t *call,
                               const char *content_type, const void *data, size_t size);
//  The same with an error body {error: {code, message, field?}}.
void gateway_http_fail (gateway_http_t *self, gateway_call_t *call, unsigned status,
                        const char *code, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 6, 7)));

//  Serves now the connections answered since the loop's last turn (else
//  served at its next turn): after a batch of replies.
void gateway_http_flush (gateway_http_t *self);

//  The next answer of the call carries Retry-After: seconds.
void gateway_http_retry_after (gateway_call_t *call, unsigned seconds);

//  For sys.stats: requests served, answered with 4xx/5xx, connections open.
void gateway_http_stats (gateway_http_t *self, msgpack_packer *pk);

//  -------------------------------------------------------------------------
//  gateway_api: the routes (a gateway_route_fn).
void gateway_api_route (gateway_t *gateway, gateway_call_t *call, const gateway_request_t *request);

//  The request's body as a JSON object ({} when empty; caller decrefs),
//  or NULL after answering the call with 400.
json_t *gateway_api_body (gateway_t *self, gateway_call_t *call, const gateway_request_t *request);

//  Sends op with body (packed from JSON, not taken) to service, as actor
//  (actor_id may be NULL; role NULL: no actor), under the request id id
//  (NULL: a new one). What gateway_upstream_send returns, -3 when the
//  body cannot be packed, or -4 when the request packed is larger than
//  the services take (wsis/max_request): not sent, since the service
//  would answer too_large without its id (it reads no further), and the
//  caller would wait for the upstream timeout.
int gateway_api_send (gateway_t *self, const char *service, const char *op,
                      const char *actor_id, const char *role, json_t *body, const char *id,
                      gateway_upstream_fn *fn, void *arg);

//  What to forward, and how.
typedef struct {
    const char *service;
    const char *op;
    json_t *body;               //  not taken; NULL: the request's JSON body
    bool needs_session;         //  401 without one
    const char *self_field;     //  with a session, set to its stakeholder when absent
    const char *session_role;   //  the role a session acts in (NULL: stakeholder)
    bool raw;                   //  a reply {content_type, data} is served as that type
    const char *staff;          //  the staff listener's caller: sent as {id: staff, role:
                                //  staff}, and Authorization is not a session; else NULL
} gateway_forward_t;

//  Sends the operation as the caller (the session's stakeholder, or the
//  public) and answers the call with the service's reply.
void gateway_api_forward (gateway_t *self, gateway_call_t *call, const gateway_request_t *request,
                          const gateway_forward_t *what);

//  Serves POST /api/v1/{service}/{op} as gateway_api_forward does (404 for
//  a service that does not exist, 405 for another method), as the staff
//  member staff when not NULL; false when the URL is not of that form.
bool gateway_api_operation (gateway_t *self, gateway_call_t *call, const gateway_request_t *request,
                            const char *staff);

//  -------------------------------------------------------------------------
//  gateway_routes: resource routes (/api/v1/stakeholders, /calls/..., ...).

//  Serves the request when its path is one of the resource routes (405
//  when only the method is wrong); false otherwise.
bool gateway_routes_route (gateway_t *self, gateway_call_t *call, const gateway_request_t *request);

//  True when path (without its query) fits pattern ("/api/v1/calls/{call}"),
//  each {name} one id (letters, digits, - and _) then put into params (when
//  not NULL) as name; a path that does not fit puts nothing there.
bool gateway_routes_match (const char *pattern, const char *path, json_t *params);

//  length bytes of text into to (size bytes), cut to fit, NUL-terminated:
//  what snprintf (to, size, "%.*s", ...) does, without its cost per request.
static inline void
gateway_copy (char *to, size_t size, const char *text, size_t length)
{
    if (length >= size)
        length = size - 1;
    memcpy (to, text, length);
    to [length] = 0;
}

//  The request's URL without its query, into path (GATEWAY_PATH_MAX bytes).
#define GATEWAY_PATH_MAX 512
void gateway_routes_path (const gateway_request_t *request, char *path);

//  -------------------------------------------------------------------------
//  gateway_calls: the calendar's calls and phases, from the gateway's clock.

//  Serves GET /api/v1/calls and /api/v1/calls/{call}; false for any other
//  path.
bool gateway_calls_route (gateway_t *self, gateway_call_t *call, const gateway_request_t *request);

//  -------------------------------------------------------------------------
//  gateway_pages: the public web pages.

//  Reads every page of folder; NULL with *error one line (caller frees).
gateway_pages_t *gateway_pages_new (const char *folder, char **error);
void gateway_pages_destroy (gateway_pages_t **self_p);

//  Serves / and /pages/{file}; false for any other path.
bool gateway_pages_route (gateway_t *self, gateway_call_t *call, const gateway_request_t *request);

//  -------------------------------------------------------------------------
//  gateway_auth: sign-in codes and sessions.

//  Serves /api/v1/auth/code and /api/v1/auth/session; false for any other
//  path.
bool gateway_auth_route (gateway_t *self, gateway_call_t *call, const gateway_request_t *request);

//  The service's tick: deletes expired codes and sessions once a minute.
void gateway_auth_tick (wsis_service_t *service);

//  The token of an Authorization header "Bearer <token>", or NULL.
const char *gateway_auth_bearer (const char *authorization);

//  The stakeholder a request's Authorization header signs in as: 1 with
//  id filled in, 0 when it names no live session, -1 when the store failed.
int gateway_auth_session (gateway_t *self, const char *authorization, char *id, size_t size);

//  -------------------------------------------------------------------------
//  gateway_mail: the sign-in codes' mails, through wsis-notifications.

gateway_mail_t *gateway_mail_new (gateway_t *gateway, zloop_t *loop);
//  No more tries from now on (before the upstream, which answers what
//  waits, is destroyed).
void gateway_mail_close (gateway_mail_t *self);
//  Every mail not taken yet is given up (logged) and its code wiped.
void gateway_mail_destroy (gateway_mail_t **self_p);

//  Mails code to email (the address of a registered stakeholder), asking
//  again with the same request id while wsis-notifications does not take it.
void gateway_mail_code (gateway_mail_t *self, const char *email, const char *code, int64_t minutes);

//  -------------------------------------------------------------------------
//  gateway_cors: cross-origin access for the listed origins only.

struct MHD_Response;

//  The origins of a list ("https://a.example.org https://b.example.org:8443",
//  spaces or commas between; "" or NULL: none); NULL with *error one
//  line (caller frees) when one is not an origin.
gateway_cors_t *gateway_cors_new (const char *origins, char **error);
void gateway_cors_destroy (gateway_cors_t **self_p);

//  The listed origin equal to origin (kept by self), or NULL.
const char *gateway_cors_allowed (gateway_cors_t *self, const char *origin);

//  Adds the headers that let a page of origin read the response (and for
//  a preflight, send the API's methods and headers).
void gateway_cors_headers (struct MHD_Response *response, const char *origin, bool preflight);

//  -------------------------------------------------------------------------
//  gateway_sessions: live sessions in memory, keyed by their token's
//  SHA-256, in front of the session table (which stays the truth).

#define GATEWAY_SESSIONS_MAX 65536

gateway_sessions_t *gateway_sessions_new (size_t max);
void gateway_sessions_destroy (gateway_sessions_t **self_p);

//  1 with id filled in when the session is kept here and has not expired
//  at now; 0 when the store must be asked.
int gateway_sessions_find (gateway_sessions_t *self, const unsigned char *hash, int64_t now,
                           char *id, size_t size);

//  Keeps a session the store holds (until expires), when there is room.
void gateway_sessions_put (gateway_sessions_t *self, const unsigned char *hash, const char *id,
                           int64_t expires, int64_t now);

//  A session signed out: forgotten before its row is deleted.
void gateway_sessions_forget (gateway_sessions_t *self, const unsigned char *hash);

//  Drops the sessions expired at now.
void gateway_sessions_expire (gateway_sessions_t *self, int64_t now);

//  Sessions kept now.
size_t gateway_sessions_size (gateway_sessions_t *self);

//  -------------------------------------------------------------------------
//  gateway_limits: token buckets.

#define GATEWAY_BUCKETS_MAX 100000

gateway_limits_t *gateway_limits_new (size_t max);
void gateway_limits_destroy (gateway_limits_t **self_p);

//  Takes a token from the bucket of (kind, who), which gains per_minute
//  a minute up to burst: 0 when there was one, else the seconds until
//  one is back. per_minute 0: no limit.
unsigned gateway_limits_take (gateway_limits_t *self, const char *kind, const char *who,
                              unsigned per_minute, unsigned burst);

//  Buckets held now (for sys.stats).
size_t gateway_limits_size (gateway_limits_t *self);

//  Answers 429 with Retry-After and returns true when the client, or
//  the session `who` when not NULL, has no token left in its bucket of
//  kind, which gains per_minute a minute (0: no limit).
bool gateway_limited (gateway_t *self, gateway_call_t *call, const gateway_request_t *request,
                      const char *kind, unsigned per_minute, const char *who);

//  -------------------------------------------------------------------------
//  gateway_staff: the staff listener.

//  Listens on gateway/staff_port of gateway/staff_host, for the tokens of
//  gateway/staff_tokens, and sets gateway->staff. NULL with *error one
//  line (caller frees). Called only when gateway/staff_port is set.
gateway_staff_t *gateway_staff_new (gateway_t *gateway, wsis_config_t *config, zloop_t *loop,
                                    char **error);
//  After gateway_upstream_destroy, which answers its waiting calls.
void gateway_staff_destroy (gateway_staff_t **self_p);
//  Serves the staff connections that replies just answered
//  (gateway_http_flush); nothing when self is NULL.
void gateway_staff_flush (gateway_staff_t *self);

//  -------------------------------------------------------------------------
//  gateway_staff_tokens: the file of staff tokens, "<name> <sha256 hex>"
//  a line.

//  Reads file whole; NULL with *error one line naming the file and the
//  line (caller frees).
gateway_staff_tokens_t *gateway_staff_tokens_read (const char *file, char **error);
void gateway_staff_tokens_destroy (gateway_staff_tokens_t **self_p);

//  The name of token (as presented), or NULL when it is none of them.
const char *gateway_staff_tokens_find (gateway_staff_tokens_t *self, const char *token);

//  Tokens held.
size_t gateway_staff_tokens_size (gateway_staff_tokens_t *self);

//  -------------------------------------------------------------------------
//  gateway_people: registered stakeholders' addresses.

//  Applies one event of submissions (the gateway's def->apply).
int gateway_people_apply (wsis_service_t *service, const wsis_event_t *event);

//  1 with the stakeholder_id of that address (lower case), 0 none, -1 failed.
int gateway_people_find (wsis_service_t *service, const char *email_norm, char *id, size_t size);

//  An address as the gateway keys it: ASCII lower case.
void gateway_people_normalize (const char *email, size_t length, char *buffer, size_t size);

#endif
