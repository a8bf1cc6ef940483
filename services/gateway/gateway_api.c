/*  gateway_api: the routes of the HTTP API (docs/protocol.md,
    "wsis-gateway").

        GET  /healthz                   the gateway is up: 200
        GET  /readyz                    every service answers sys.ping: 200, else 503
        GET  /api/v1/openapi.json       the OpenAPI 3 document of all of these
        POST /api/v1/{service}/{op}     the operation, JSON body in, JSON body out

    A request is forwarded to the service as the protocol's request, with
    the JSON body packed as its body and actor {role: public} (a session's
    stakeholder; on the staff listener, gateway_staff, the staff token's
    name as role staff); the reply's
    body comes back as JSON with 200, an error reply as
    {error: {code, message, field}} with the status of its code
    (gateway_status). The request id is the Idempotency-Key header when
    one is given, so a client that got no answer sends the same request
    again with the same key and gets the first one's reply.
*/
#include "gateway.h"
#include "wsis_json.h"
#include "wsis_msg.h"

#include <ctype.h>
#include <sodium.h>

#define API_PREFIX  "/api/v1/"
#define NAME_MAX_   64

typedef struct {
    gateway_t *gateway;
    gateway_call_t *call;
    char service [NAME_MAX_ + 1];
    bool raw;                   //  serve {content_type, data} as that type
} forward_t;

typedef struct {
    gateway_t *gateway;
    gateway_call_t *call;
    size_t expected;
    size_t answered;
    json_t *services;
} readiness_t;

typedef struct {
    readiness_t *readiness;
    const char *service;
} probe_t;

//  A request without an Idempotency-Key gets an id of its own,
//  "gw-<process>-<count>": a random number drawn once per process (so that
//  no id comes back after a restart, when the count starts again) and the
//  count.
static char s_id_prefix [32];           //  "gw-<16 hex digits>-"
static size_t s_id_prefix_length;
static uint64_t s_requests;

//  The next id of this process into id (NAME_MAX_ + 1 bytes).
static void
s_fresh_id (char *id)
{
    if (!s_id_prefix_length) {
        uint64_t process = 0;
        while (!process)
            randombytes_buf (&process, sizeof process);
        s_id_prefix_length = (size_t) snprintf (s_id_prefix, sizeof s_id_prefix, "gw-%016llx-",
                                                (unsigned long long) process);
    }
    memcpy (id, s_id_prefix, s_id_prefix_length);
    snprintf (id + s_id_prefix_length, NAME_MAX_ + 1 - s_id_prefix_length, "%llu",
              (unsigned long long) ++s_requests);
}

//  A name of a service or an operation: 1-64 of [a-z0-9._-].
static bool
s_name_ok (const char *text, size_t length)
{
    if (length == 0 || length > NAME_MAX_)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!(islower ((unsigned char) text [i]) || isdigit ((unsigned char) text [i])
           || text [i] == '.' || text [i] == '_' || text [i] == '-'))
            return false;
    return true;
}

static bool
s_key_ok (const char *key)
{
    size_t length = strlen (key);
    if (length == 0 || length > NAME_MAX_)
        return false;
    for (size_t i = 0; i < length; i++)
        if (key [i] < 0x21 || key [i] > 0x7e)
            return false;
    return true;
}

//  -------------------------------------------------------------------------
//  POST /api/v1/{service}/{op}

static void
s_on_reply (void *arg, const msgpack_object *reply)
{
    forward_t *forward = (forward_t *) arg;
    gateway_http_t *http = forward->gateway->http;
    if (!reply)
        gateway_http_fail (http, forward->call, 504, "unavailable", NULL,
                           "wsis-%s did not answer in time; the request may have been done: "
                           "send it again with the same Idempotency-Key", forward->service);
    else {
        if (wsis_msg_true (wsis_msg_get (reply, "ok"))) {
            const msgpack_object *body = wsis_msg_get (reply, "body");
            const msgpack_object *type = wsis_msg_get (body, "content_type");
            const msgpack_object *data = wsis_msg_get (body, "data");
            char content_type [128];
            if (forward->raw && wsis_msg_copy_str (type, content_type, 1, sizeof content_type - 1) == 0
            &&  data && (data->type == MSGPACK_OBJECT_STR || data->type == MSGPACK_OBJECT_BIN))
                gateway_http_answer_raw (http, forward->call, 200, content_type,
                                         data->type == MSGPACK_OBJECT_STR? data->via.str.ptr: data->via.bin.ptr,
                                         data->type == MSGPACK_OBJECT_STR? data->via.str.size: data->via.bin.size);
            else
                gateway_http_answer_msgpack (http, forward->call, 200, NULL, body);
        }
        else {
            const msgpack_object *error = wsis_msg_get (reply, "error");
            const msgpack_object *code = wsis_msg_get (error, "code");
            char text [64];
            if (wsis_msg_copy_str (code, text, 0, sizeof text - 1))
                strcpy (text, "internal");
            gateway_http_answer_msgpack (http, forward->call, gateway_status (text), "error", error);
        }
    }
    free (forward);
}

json_t *
gateway_api_body (gateway_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    if (request->size == 0)
        return json_object ();
    json_error_t error;
    json_t *body = json_loadb (request->body, request->size, JSON_REJECT_DUPLICATES, &error);
    if (!body || !json_is_object (body)) {
        gateway_http_fail (self->http, call, 400, "bad_request", NULL,
                           "the body must be a JSON object%s%s", body? "": ": ", body? "": error.text);
        json_decref (body);
        return NULL;
    }
    return body;
}

int
gateway_api_send (gateway_t *self, const char *service, const char *op,
                  const char *actor_id, const char *role, json_t *body, const char *id,
                  gateway_upstream_fn *fn, void *arg)
{
    char fresh [NAME_MAX_ + 1];
    if (!id) {
        s_fresh_id (fresh);
        id = fresh;
    }
    //  One buffer kept for every request: the frame is copied when sent
    msgpack_sbuffer *buffer = &self->packing;
    buffer->size = 0;
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    wsis_request_pack_head (&pk, id, op, actor_id, role);
    const char *packing = NULL;
    int rc = wsis_json_pack (&pk, body, &packing)? -3:
             buffer->size > self->max_request? -4:
             gateway_upstream_send (self->upstream, service, id, buffer->data, buffer->size, fn, arg);
    //  One that grew for a large body is not kept that large
    if (buffer->alloc > 64 * 1024) {
        msgpack_sbuffer_destroy (buffer);
        msgpack_sbuffer_init (buffer);
    }
    return rc;
}

//  The operations that write what people send (gateway/writes_per_minute).
static const char *const s_writes [] = {
    "stakeholder.register", "submission.create", "submission.update", "submission.withdraw",
    "hltf.nominate", "ambassador.nominate", "vote.cast", "notify.subscribe", NULL
};

static bool
s_is_write (const char *op)
{
    for (const char *const *write = s_writes; *write; write++)
        if (streq (*write, op))
            return true;
    return false;
}

//  Forwards the request as the caller: the staff member of the staff
//  listener, the stakeholder of its session (Authorization: Bearer), or
//  the public.
void
gateway_api_forward (gateway_t *self, gateway_call_t *call, const gateway_request_t *request,
                     const gateway_forward_t *what)
{
    char stakeholder [GATEWAY_ID_MAX + 1];
    int signed_in = 0;
    //  On the staff listener Authorization is the staff token, checked already.
    if (request->authorization && !what->staff) {
        signed_in = gateway_auth_session (self, request->authorization, stakeholder, sizeof stakeholder);
        if (signed_in <= 0) {
            gateway_http_fail (self->http, call, signed_in < 0? 503: 401,
                               signed_in < 0? "unavailable": "forbidden", NULL, signed_in < 0?
                               "the store failed; try again":
                               "the session has expired or was signed out; sign in again");
            return;
        }
    }
    else
    if (what->needs_session) {
        gateway_http_fail (self->http, call, 401, "forbidden", NULL,
                           "sign in first (POST /api/v1/auth/code, then /api/v1/auth/session)");
        return;
    }
    const char *actor_id = what->staff? what->staff: signed_in? stakeholder: NULL;
    if (s_is_write (what->op)
    &&  gateway_limited (self, call, request, "writes", self->writes_per_minute, actor_id))
        return;
    if (request->idempotency_key && !s_key_ok (request->idempotency_key)) {
        gateway_http_fail (self->http, call, 400, "bad_request", "Idempotency-Key",
                           "Idempotency-Key must be 1-64 printable ASCII characters");
        return;
    }
    json_t *body = what->body? json_incref (what->body): gateway_api_body (self, call, request);
    if (!body)
        return;
    if (what->self_field && signed_in && !json_object_get (body, what->self_field))
        json_object_set_new (body, what->self_field, json_string (stakeholder));
    forward_t *forward = (forward_t *) zmalloc (sizeof (forward_t));
    forward->gateway = self;
    forward->call = call;
    forward->raw = what->raw;
    gateway_copy (forward->service, sizeof forward->service, what->service, strlen (what->service));
    int rc = gateway_api_send (self, what->service, what->op, actor_id,
                               what->staff? "staff": !signed_in? "public":
                               what->session_role? what->session_role: "stakeholder", body,
                               request->idempotency_key, s_on_reply, forward);
    json_decref (body);
    if (rc) {
        free (forward);
        if (rc == -3)
            gateway_http_fail (self->http, call, 400, "bad_request", NULL,
                               "the body holds a value the protocol cannot carry");
        else
        if (rc == -4)
            gateway_http_fail (self->http, call, 413, "too_large", NULL,
                               "the request is larger than the services take (%zu bytes)",
                               self->max_request);
        else
        if (rc == -1)
            gateway_http_fail (self->http, call, 409, "conflict", "Idempotency-Key",
                               "a request with this Idempotency-Key is in progress");
        else
            gateway_http_fail (self->http, call, 503, "unavailable", NULL,
                               "wsis-%s cannot be reached now; try again", what->service);
    }
}

//  -------------------------------------------------------------------------
//  GET /readyz

//  One answer counted (service NULL: the asking is over); the last one
//  answers the call.
static void
s_count (readiness_t *readiness, const char *service, bool ok)
{
    if (service)
        json_object_set_new (readiness->services, service, json_boolean (ok));
    if (++readiness->answered < readiness->expected)
        return;
    bool ready = true;
    const char *name;
    json_t *value;
    json_object_foreach (readiness->services, name, value)
        ready = ready && json_is_true (value);
    gateway_http_answer (readiness->gateway->http, readiness->call, ready? 200: 503,
                         json_pack ("{s:b, s:o}", "ready", ready, "services", readiness->services));
    free (readiness);
}

static void
s_on_probe (void *arg, const msgpack_object *reply)
{
    probe_t *probe = (probe_t *) arg;
    readiness_t *readiness = probe->readiness;
    const char *service = probe->service;
    free (probe);
    s_count (readiness, service, wsis_msg_true (wsis_msg_get (reply, "ok")));
}

static void
s_readyz (gateway_t *self, gateway_call_t *call)
{
    readiness_t *readiness = (readiness_t *) zmalloc (sizeof (readiness_t));
    readiness->gateway = self;
    readiness->call = call;
    readiness->services = json_object ();
    //  One for each service, and one for the end of the asking, so no
    //  answer comes before every ask has been sent.
    readiness->expected = 1;
    for (const char *const *name = wsis_config_services; *name; name++)
        if (!streq (*name, "gateway"))
            readiness->expected++;
    for (const char *const *name = wsis_config_services; *name; name++) {
        if (streq (*name, "gateway"))
            continue;
        probe_t *probe = (probe_t *) zmalloc (sizeof (probe_t));
        probe->readiness = readiness;
        probe->service = *name;
        json_t *empty = json_object ();
        int rc = gateway_api_send (self, *name, "sys.ping", NULL, NULL, empty, NULL, s_on_probe, probe);
        json_decref (empty);
        if (rc) {
            free (probe);
            s_count (readiness, *name, false);
        }
    }
    s_count (readiness, NULL, true);
}

//  -------------------------------------------------------------------------

void
gateway_api_route (gateway_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    const char *url = request->url;
    bool get = streq (request->method, "GET") || streq (request->method, "HEAD");
    if (gateway_auth_route (self, call, request) || gateway_calls_route (self, call, request)
    ||  gateway_routes_route (self, call, request) || gateway_pages_route (self, call, request))
        return;
    if (streq (url, "/api/v1/openapi.json")) {
        if (get)
            gateway_http_answer (self->http, call, 200, json_incref (self->openapi));
        else
            gateway_http_fail (self->http, call, 405, "bad_request", NULL, "%s takes GET", url);
        return;
    }
    if (streq (url, "/healthz") || streq (url, "/readyz")) {
        if (!get)
            gateway_http_fail (self->http, call, 405, "bad_request", NULL, "%s takes GET", url);
        else
        if (streq (url, "/healthz"))
            gateway_http_answer (self->http, call, 200, json_pack ("{s:s}", "status", "ok"));
        else
            s_readyz (self, call);
        return;
    }
    if (!gateway_api_operation (self, call, request, NULL))
        gateway_http_fail (self->http, call, 404, "not_found", NULL, "there is nothing at %s", url);
}

bool
gateway_api_operation (gateway_t *self, gateway_call_t *call, const gateway_request_t *request,
                       const char *staff)
{
    const char *url = request->url;
    if (strncmp (url, API_PREFIX, strlen (API_PREFIX)))
        return false;
    const char *service = url + strlen (API_PREFIX);
    const char *slash = strchr (service, '/');
    const char *op = slash? slash + 1: NULL;
    if (!slash || !s_name_ok (service, (size_t) (slash - service)) || !s_name_ok (op, strlen (op)))
        return false;
    char name [NAME_MAX_ + 1];
    snprintf (name, sizeof name, "%.*s", (int) (slash - service), service);
    if (!wsis_config_service_known (name) || streq (name, "gateway"))
        gateway_http_fail (self->http, call, 404, "not_found", NULL, "there is no service '%s'", name);
    else
    if (!streq (request->method, "POST"))
        gateway_http_fail (self->http, call, 405, "bad_request", NULL,
                           "%s takes POST with a JSON body", url);
    else {
        gateway_forward_t what = { .service = name, .op = op, .staff = staff };
        gateway_api_forward (self, call, request, &what);
    }
    return true;
}
