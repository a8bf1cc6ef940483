/*  gateway_http: libmicrohttpd driven from the service's zloop.

    MHD runs with its own epoll set (MHD_USE_EPOLL) and no thread of its
    own: the epoll descriptor is a poller of the loop, and MHD_run serves
    whatever is ready. A request whose body has arrived goes to the route
    function; one that must wait for a service is suspended
    (MHD_suspend_connection) and resumed by gateway_http_answer, so a
    waiting request costs its connection's memory and nothing else.

    Limits: gateway/max_body bytes of body (413 before reading more when
    Content-Length says so), gateway/max_connections at once (MHD stops
    accepting: more wait in the listen backlog until one closes),
    gateway/idle_timeout_s for an idle connection, CONNECTION_MEMORY for
    the request line and headers.
    Every response carries the headers of a JSON API that no browser
    should render or frame.
*/
#include "gateway.h"
#include "wsis_alloc.h"
#include "wsis_json_write.h"
#include "wsis_valid.h"
#include "wsis_log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>

#define TIMEOUT_TICK_MS 500
//  Each connection's memory for its request line and headers (431 / 414
//  past it). libmicrohttpd zeroes all of it for every request, so it is
//  half the library's default: a browser's or a client's headers take
//  one or two KiB.
#define CONNECTION_MEMORY (16 * 1024)

struct _gateway_call_t {
    gateway_http_t *http;
    struct MHD_Connection *connection;
    char *body;
    size_t size;
    size_t alloc;
    bool too_large;
    bool routed;
    bool suspended;
    bool answered;
    unsigned status;
    char *response;             //  what to send: JSON text, or content_type's bytes
    size_t response_size;
    char *content_type;         //  NULL: JSON
    const char *policy;         //  its Content-Security-Policy
    unsigned retry_after;       //  seconds, or 0: no Retry-After
    const char *origin;         //  an allowed Origin (gateway_cors), or NULL
    bool preflight;             //  a CORS preflight, answered 204
    char client [INET6_ADDRSTRLEN];
};

struct _gateway_http_t {
    gateway_t *gateway;
    gateway_route_fn *route;
    zloop_t *loop;
    struct MHD_Daemon *daemon;
    zmq_pollitem_t poller;
    int ticker;
    int resumer;                //  the timer that runs MHD at the loop's next turn, or 0
    size_t max_body;
    bool trust_forwarded;
    gateway_cors_t *cors;       //  the other origins allowed, or NULL
    uint64_t requests;
    uint64_t client_errors;
    uint64_t server_errors;
};

static int
s_on_resumed (zloop_t *loop, int timer_id, void *arg);

//  MHD runs again at the loop's next turn (once, however often asked).
static void
s_run_next_turn (gateway_http_t *self)
{
    if (!self->resumer)
        self->resumer = zloop_timer (self->loop, 0, 1, s_on_resumed, self);
}

static void
s_run (gateway_http_t *self)
{
    //  A resumed connection takes MHD more than one turn (it says so with
    //  a timeout of 0): without them a keep-alive connection's next
    //  request would wait for the tick. So does a large body, a piece of
    //  the connection's memory each turn: what is left after 8 turns goes
    //  on at the loop's next turn (other sockets are served in between),
    //  not at the tick, which made a body of 1 MiB take 6 s.
    MHD_UNSIGNED_LONG_LONG timeout = 0;
    int turns = 0;
    bool more;
    do
        MHD_run (self->daemon);
    while ((more = MHD_get_timeout (self->daemon, &timeout) == MHD_YES && timeout == 0)
           && ++turns < 8);
    if (more)
        s_run_next_turn (self);
}

static int
s_on_ready (zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    s_run ((gateway_http_t *) arg);
    return 0;
}

static int
s_on_resumed (zloop_t *loop, int timer_id, void *arg)
{
    gateway_http_t *self = (gateway_http_t *) arg;
    self->resumer = 0;
    s_run (self);
    return 0;
}

void
gateway_http_flush (gateway_http_t *self)
{
    if (self && self->resumer) {
        zloop_timer_end (self->loop, self->resumer);
        self->resumer = 0;
        s_run (self);
    }
}

static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    s_run ((gateway_http_t *) arg);      //  idle connections time out here
    return 0;
}

//  The headers of every response: JSON that is never sniffed, framed,
//  cached or sent with a referrer.
static enum MHD_Result
s_send (gateway_call_t *call)
{
    //  The body goes to MHD as it is, freed with the response (not copied)
    struct MHD_Response *response;
    if (call->status != 204 && call->response) {
        response = MHD_create_response_from_buffer (call->response_size, call->response,
                                                    MHD_RESPMEM_MUST_FREE);
        if (response)
            call->response = NULL;
    }
    else
        response = MHD_create_response_from_buffer (call->status == 204? 0: 2,
                                                    (void *) (call->status == 204? "": "{}"),
                                                    MHD_RESPMEM_PERSISTENT);
    if (!response)
        return MHD_NO;
    MHD_add_response_header (response, "Content-Type", call->content_type? call->content_type:
                             "application/json; charset=utf-8");
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header (response, "Content-Security-Policy", call->policy? call->policy:
                             "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header (response, "Cache-Control", "no-store");
    if (call->origin)
        gateway_cors_headers (response, call->origin, call->preflight);
    if (call->retry_after) {
        char seconds [16];
        snprintf (seconds, sizeof seconds, "%u", call->retry_after);
        MHD_add_response_header (response, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    enum MHD_Result result = MHD_queue_response (call->connection, call->status, response);
    MHD_destroy_response (response);
    return result;
}

//  Counts the answer and resumes the connection when it was waiting.
static void
s_answered (gateway_http_t *self, gateway_call_t *call, unsigned status)
{
    call->answered = true;
    call->status = status;
    self->requests++;
    if (status >= 500)
        self->server_errors++;
    else
    if (status >= 400)
        self->client_errors++;
    //  From a service's reply: MHD serves it in the loop's next turn, with
    //  every other connection resumed in this one (one s_run for the
    //  replies read together, not one each).
    if (call->suspended) {
        call->suspended = false;
        MHD_resume_connection (call->connection);
        s_run_next_turn (self);
    }
}

void
gateway_http_answer (gateway_http_t *self, gateway_call_t *call, unsigned status, json_t *body)
{
    self = call->http;          //  the listener it came from
    if (call->answered) {
        json_decref (body);
        return;
    }
    call->response = body? json_dumps (body, JSON_COMPACT): NULL;
    call->response_size = call->response? strlen (call->response): 0;
    json_decref (body);
    s_answered (self, call, status);
}

void
gateway_http_answer_msgpack (gateway_http_t *self, gateway_call_t *call, unsigned status,
                             const char *wrap, const msgpack_object *value)
{
    self = call->http;
    if (call->answered)
        return;
    msgpack_sbuffer text;
    msgpack_sbuffer_init (&text);
    int rc = wrap? msgpack_sbuffer_write (&text, "{\"", 2) || msgpack_sbuffer_write (&text, wrap, strlen (wrap))
                || msgpack_sbuffer_write (&text, "\":", 2): 0;
    rc = rc || (value? wsis_json_write (&text, value): msgpack_sbuffer_write (&text, "{}", 2))
            || (wrap && msgpack_sbuffer_write (&text, "}", 1));
    //  Out of memory: {} with the status, as gateway_http_answer does
    call->response_size = rc? 0: text.size;
    call->response = rc? NULL: msgpack_sbuffer_release (&text);
    msgpack_sbuffer_destroy (&text);
    s_answered (self, call, status);
}

void
gateway_http_answer_raw (gateway_http_t *self, gateway_call_t *call, unsigned status,
                         const char *content_type, const void *data, size_t size)
{
    self = call->http;
    if (call->answered)
        return;
    call->response = (char *) malloc (size? size: 1);
    if (call->response)
        memcpy (call->response, data, size);
    call->response_size = call->response? size: 0;
    call->content_type = wsis_strdup (content_type);
    //  A report's SVG styles itself inline; nothing else runs anywhere.
    call->policy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'";
    s_answered (self, call, status);
}

void
gateway_http_answer_page (gateway_http_t *self, gateway_call_t *call,
                          const char *content_type, const void *data, size_t size)
{
    gateway_http_answer_raw (self, call, 200, content_type, data, size);
    //  The pages' own scripts, styles and API, and the reports' pictures;
    //  no inline script, nobody else's code, no framing.
    call->policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

void
gateway_http_retry_after (gateway_call_t *call, unsigned seconds)
{
    call->retry_after = seconds;
}

//  The client's address: the connection's peer, or, behind a proxy we
//  trust (gateway/trust_forwarded), the last address of X-Forwarded-For.
static void
s_client (gateway_http_t *self, gateway_call_t *call)
{
    const char *forwarded = self->trust_forwarded?
        MHD_lookup_connection_value (call->connection, MHD_HEADER_KIND, "X-Forwarded-For"): NULL;
    if (forwarded) {
        const char *last = strrchr (forwarded, ',');
        last = last? last + 1: forwarded;
        while (*last == ' ')
            last++;
        gateway_copy (call->client, sizeof call->client, last, strcspn (last, " "));
        if (*call->client)
            return;
    }
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (call->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *address = info? info->client_addr: NULL;
    strcpy (call->client, "?");
    if (address && address->sa_family == AF_INET)
        inet_ntop (AF_INET, &((const struct sockaddr_in *) address)->sin_addr,
                   call->client, sizeof call->client);
    else
    if (address && address->sa_family == AF_INET6)
        inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) address)->sin6_addr,
                   call->client, sizeof call->client);
}

void
gateway_http_fail (gateway_http_t *self, gateway_call_t *call, unsigned status,
                   const char *code, const char *field, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char *message = zsys_vprintf (format, args);
    va_end (args);
    //  A message may quote the request (its path): a JSON string must be
    //  UTF-8, so any other byte shows as '?'
    if (message && !wsis_valid_utf8 (message, strlen (message)))
        for (char *byte = message; *byte; byte++)
            if ((unsigned char) *byte >= 0x80)
                *byte = '?';
    json_t *error = json_pack ("{s:s, s:s}", "code", code, "message", message? message: code);
    if (field)
        json_object_set_new (error, "field", json_string (field));
    zstr_free (&message);
    gateway_http_answer (self, call, status, json_pack ("{s:o}", "error", error));
}

//  Appends a piece of the body, or marks the call too large (the rest is
//  read and dropped).
static void
s_take_body (gateway_call_t *call, const char *data, size_t size)
{
    if (call->too_large || call->size + size > call->http->max_body) {
        call->too_large = true;
        return;
    }
    if (call->size + size + 1 > call->alloc) {
        size_t alloc = call->alloc? call->alloc: 256;      //  small: from malloc's per-thread cache
        while (alloc < call->size + size + 1)
            alloc *= 2;
        char *grown = (char *) realloc (call->body, alloc);
        if (!grown) {
            call->too_large = true;
            return;
        }
        call->body = grown;
        call->alloc = alloc;
    }
    memcpy (call->body + call->size, data, size);
    call->size += size;
    call->body [call->size] = 0;
}

//  One query argument into the request's query object (a name without a
//  value is ""; the first of a repeated name counts).
static enum MHD_Result
s_query_value (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    json_t *query = (json_t *) cls;
    if (key && !json_object_get (query, key) && json_object_size (query) < 32)
        json_object_set_new (query, key, json_string (value? value: ""));
    return MHD_YES;
}

//  OPTIONS: a CORS preflight of an allowed origin for the API is 204
//  with the methods and headers it may send; anything else 403.
static void
s_preflight (gateway_http_t *self, gateway_call_t *call, const char *url)
{
    bool asked = MHD_lookup_connection_value (call->connection, MHD_HEADER_KIND,
                                              "Access-Control-Request-Method") != NULL;
    if (call->origin && asked && strncmp (url, "/api/", 5) == 0) {
        call->preflight = true;
        gateway_http_answer_raw (self, call, 204, "text/plain", "", 0);
    }
    else
        gateway_http_fail (self, call, 403, "forbidden", NULL, call->origin?
                           "OPTIONS is a CORS preflight of the API only":
                           "this origin may not use the API from its pages (gateway/cors_origins)");
}

static enum MHD_Result
s_on_request (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
              const char *version, const char *upload_data, size_t *upload_data_size, void **state)
{
    gateway_http_t *self = (gateway_http_t *) cls;
    gateway_call_t *call = (gateway_call_t *) *state;
    if (!call) {
        call = (gateway_call_t *) zmalloc (sizeof (gateway_call_t));
        call->http = self;
        call->connection = connection;
        *state = call;
        s_client (self, call);
        call->origin = gateway_cors_allowed (self->cors,
            MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Origin"));
        //  RFC 9112 3.2: an HTTP/1.1 request without Host is a 400, which
        //  libmicrohttpd (not strict) leaves to us: in the protocol's form.
        if (streq (version, MHD_HTTP_VERSION_1_1)
        &&  !MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)) {
            gateway_http_fail (self, call, 400, "bad_request", "Host",
                               "an HTTP/1.1 request needs a Host header");
            return s_send (call);
        }
        const char *length = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                          MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull (length, NULL, 10) > self->max_body) {
            gateway_http_fail (self, call, 413, "too_large", NULL,
                               "the body is larger than %zu bytes", self->max_body);
            return s_send (call);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        s_take_body (call, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!call->answered && !call->routed) {
        call->routed = true;
        if (call->too_large)
            gateway_http_fail (self, call, 413, "too_large", NULL,
                               "the body is larger than %zu bytes", self->max_body);
        else
        if (streq (method, "OPTIONS"))
            s_preflight (self, call, url);
        else {
            const char *key = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                           "Idempotency-Key");
            const char *authorization = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                                     MHD_HTTP_HEADER_AUTHORIZATION);
            //  request.query stays NULL (no object) when the URL has none
            gateway_request_t request = { method, url, call->body? call->body: "", call->size, key,
                                          authorization, call->client, NULL };
            if (MHD_get_connection_values (connection, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0) {
                request.query = json_object ();
                MHD_get_connection_values (connection, MHD_GET_ARGUMENT_KIND, s_query_value,
                                           request.query);
            }
            self->route (self->gateway, call, &request);
            json_decref (request.query);
        }
    }
    if (call->answered)
        return s_send (call);
    call->suspended = true;
    MHD_suspend_connection (connection);
    return MHD_YES;
}

static void
s_on_completed (void *cls, struct MHD_Connection *connection, void **state,
                enum MHD_RequestTerminationCode code)
{
    gateway_call_t *call = (gateway_call_t *) *state;
    if (call) {
        free (call->body);
        free (call->response);
        free (call->content_type);
        free (call);
        *state = NULL;
    }
}

static void
s_log (void *arg, const char *format, va_list args)
{
    char *line = zsys_vprintf (format, args);
    if (line) {
        size_t length = strlen (line);
        while (length && line [length - 1] == '\n')
            line [--length] = 0;
        wsis_log_warning ("http: %s", line);
    }
    zstr_free (&line);
}

gateway_http_t *
gateway_http_new (gateway_t *gateway, wsis_config_t *config, zloop_t *loop,
                  const char *name, const char *host, int port,
                  gateway_route_fn *route, char **error)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    if (streq (host, "*") || streq (host, "0.0.0.0"))
        address.sin_addr.s_addr = htonl (INADDR_ANY);
    else
    if (inet_pton (AF_INET, host, &address.sin_addr) != 1) {
        *error = zsys_sprintf ("gateway: cannot listen on '%s': an IPv4 address or * is needed", host);
        return NULL;
    }
    gateway_http_t *self = (gateway_http_t *) zmalloc (sizeof (gateway_http_t));
    self->gateway = gateway;
    self->route = route;
    self->loop = loop;
    self->max_body = (size_t) wsis_config_int (config, "gateway/max_body");
    self->trust_forwarded = wsis_config_bool (config, "gateway/trust_forwarded");
    self->daemon = MHD_start_daemon (
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
        (uint16_t) port, NULL, NULL, s_on_request, self,
        MHD_OPTION_EXTERNAL_LOGGER, s_log, self,        //  first, or MHD logs the others' its way
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned) wsis_config_int (config, "gateway/max_connections"),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) CONNECTION_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) wsis_config_int (config, "gateway/idle_timeout_s"),
        MHD_OPTION_NOTIFY_COMPLETED, s_on_completed, self,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned) 1,
        MHD_OPTION_END);
    const union MHD_DaemonInfo *info = self->daemon?
        MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_EPOLL_FD): NULL;
    if (!info) {
        *error = zsys_sprintf ("gateway: cannot listen for %s on %s:%d", name, host, port);
        if (self->daemon)
            MHD_stop_daemon (self->daemon);
        free (self);
        return NULL;
    }
    self->poller = (zmq_pollitem_t) { NULL, info->epoll_fd, ZMQ_POLLIN, 0 };
    zloop_poller (loop, &self->poller, s_on_ready, self);
    self->ticker = zloop_timer (loop, TIMEOUT_TICK_MS, 0, s_on_tick, self);
    wsis_log_info ("gateway: %s on %s:%d", name, host, port);
    return self;
}

void
gateway_http_set_cors (gateway_http_t *self, gateway_cors_t *cors)
{
    self->cors = cors;
}

void
gateway_http_destroy (gateway_http_t **self_p)
{
    if (self_p && *self_p) {
        gateway_http_t *self = *self_p;
        zloop_poller_end (self->loop, &self->poller);
        zloop_timer_end (self->loop, self->ticker);
        if (self->resumer)
            zloop_timer_end (self->loop, self->resumer);
        MHD_stop_daemon (self->daemon);
        free (self);
        *self_p = NULL;
    }
}

void
gateway_http_stats (gateway_http_t *self, msgpack_packer *pk)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    wsis_pack_str (pk, "http");
    msgpack_pack_map (pk, 4);
    wsis_pack_kv_uint (pk, "requests", self->requests);
    wsis_pack_kv_uint (pk, "client_errors", self->client_errors);
    wsis_pack_kv_uint (pk, "server_errors", self->server_errors);
    wsis_pack_kv_uint (pk, "connections", info? info->num_connections: 0);
}
