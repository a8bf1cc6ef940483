/*  gateway_staff: the staff listener (docs/protocol.md, "wsis-gateway
    (HTTP)"), for the secretariat's own tools on the internal network.

    Off unless gateway/staff_port is set; then a second HTTP listener on
    gateway/staff_host (127.0.0.1 unless configured otherwise) serves
    GET /healthz and the generic route POST /api/v1/{service}/{op}, and
    forwards each operation with actor {id: <the token's name>, role:
    staff}. Reaching the address is not enough: every request carries
    Authorization: Bearer <a staff token> of gateway/staff_tokens, so the
    services' records say which staff tool acted. The public listener
    never offers staff operations (403 from the services), and a
    stakeholder's session is no staff token here.

    The tokens file is read at start (refused whole with one line when a
    line is wrong) and again when it changes, so a token is revoked by
    removing its line, without a restart; a file that became unreadable
    or wrong refuses every request (503) until it is fixed, rather than
    keep the tokens someone meant to remove.
*/
#include "gateway.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/stat.h>

struct _gateway_staff_t {
    gateway_t *gateway;
    gateway_http_t *http;
    char *file;
    gateway_staff_tokens_t *tokens;     //  NULL while the file is unusable
    struct stat read;                   //  the file as it was when read
    bool broken;                        //  unusable, and logged so
};

//  Whether the file is another one, or was written, since it was read.
static bool
s_changed (const struct stat *before, const struct stat *now)
{
    return before->st_ino != now->st_ino || before->st_dev != now->st_dev
        || before->st_size != now->st_size
        || before->st_mtim.tv_sec != now->st_mtim.tv_sec || before->st_mtim.tv_nsec != now->st_mtim.tv_nsec
        || before->st_ctim.tv_sec != now->st_ctim.tv_sec || before->st_ctim.tv_nsec != now->st_ctim.tv_nsec;
}

//  Reads the file when it changed since it was read (or was unusable):
//  1 read now, 0 unchanged, -1 unusable with *error (then no token is
//  good until it is fixed).
static int
s_load (gateway_staff_t *self, char **error)
{
    struct stat now;
    if (stat (self->file, &now)) {
        gateway_staff_tokens_destroy (&self->tokens);
        *error = zsys_sprintf ("gateway/staff_tokens: %s: cannot read it (%s)", self->file, strerror (errno));
        return -1;
    }
    if (self->tokens && !s_changed (&self->read, &now))
        return 0;
    gateway_staff_tokens_destroy (&self->tokens);
    self->read = now;
    self->tokens = gateway_staff_tokens_read (self->file, error);
    return self->tokens? 1: -1;
}

//  The name of the request's staff token, or NULL after answering the
//  call (401, 429 after too many wrong tokens, 503 without a usable file).
static const char *
s_staff (gateway_staff_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    gateway_t *gateway = self->gateway;
    char *error = NULL;
    int rc = s_load (self, &error);
    if (rc < 0) {
        //  Said once, when it went wrong, not on every request after.
        if (!self->broken)
            wsis_log_error ("%s; the staff listener refuses every request until it is fixed", error);
        self->broken = true;
        zstr_free (&error);
        gateway_http_fail (self->http, call, 503, "unavailable", NULL,
                           "the staff tokens file is unusable; the gateway's log says why");
        return NULL;
    }
    if (rc == 1)
        wsis_log_info ("gateway: staff tokens read again from %s: %zu", self->file,
                       gateway_staff_tokens_size (self->tokens));
    self->broken = false;
    const char *name = gateway_staff_tokens_find (self->tokens, gateway_auth_bearer (request->authorization));
    if (name)
        return name;
    //  Wrong tokens take from the client's sign-in bucket; right ones never.
    if (!request->authorization
    ||  !gateway_limited (gateway, call, request, "staff", gateway->sign_in_per_minute, NULL))
        gateway_http_fail (self->http, call, 401, "forbidden", NULL, request->authorization?
                           "that is not a staff token of this gateway":
                           "the staff listener needs Authorization: Bearer <a staff token>");
    return NULL;
}

//  The staff listener's routes (a gateway_route_fn).
static void
s_route (gateway_t *gateway, gateway_call_t *call, const gateway_request_t *request)
{
    gateway_staff_t *self = gateway->staff;
    if (streq (request->url, "/healthz")) {
        if (streq (request->method, "GET") || streq (request->method, "HEAD"))
            gateway_http_answer (self->http, call, 200, json_pack ("{s:s}", "status", "ok"));
        else
            gateway_http_fail (self->http, call, 405, "bad_request", NULL, "/healthz takes GET");
        return;
    }
    const char *name = s_staff (self, call, request);
    if (name && !gateway_api_operation (gateway, call, request, name))
        gateway_http_fail (self->http, call, 404, "not_found", NULL,
                           "there is nothing at %s: the staff listener serves POST "
                           "/api/v1/{service}/{op} and GET /healthz", request->url);
}

gateway_staff_t *
gateway_staff_new (gateway_t *gateway, wsis_config_t *config, zloop_t *loop, char **error)
{
    int port = (int) wsis_config_int (config, "gateway/staff_port");
    const char *host = wsis_config_str (config, "gateway/staff_host");
    const char *file = wsis_config_str (config, "gateway/staff_tokens");
    if (port == wsis_config_int (config, "gateway/http_port")) {
        *error = zsys_sprintf ("gateway/staff_port = %d is gateway/http_port too: "
                               "the staff listener needs a port of its own", port);
        return NULL;
    }
    struct in_addr address;
    if (!streq (host, "*") && inet_pton (AF_INET, host, &address) != 1) {
        *error = zsys_sprintf ("gateway/staff_host = %s: an IPv4 address of an internal interface "
                               "is needed (*: every interface)", host);
        return NULL;
    }
    if (!*file) {
        *error = zsys_sprintf ("gateway/staff_port = %d needs gateway/staff_tokens, the file of "
                               "staff tokens (scripts/make-keys.sh writes one)", port);
        return NULL;
    }
    gateway_staff_t *self = (gateway_staff_t *) zmalloc (sizeof (gateway_staff_t));
    self->gateway = gateway;
    self->file = wsis_strdup (file);
    if (s_load (self, error) < 0) {
        gateway_staff_destroy (&self);
        return NULL;
    }
    //  gateway->staff first: the listener may route a request as soon as
    //  it listens.
    gateway->staff = self;
    self->http = gateway_http_new (gateway, config, loop, "staff HTTP", host, port, s_route, error);
    if (!self->http) {
        gateway->staff = NULL;
        gateway_staff_destroy (&self);
        return NULL;
    }
    if (streq (host, "*") || streq (host, "0.0.0.0"))
        wsis_log_warning ("gateway: the staff listener is on every interface (gateway/staff_host = %s): "
                          "whoever reaches port %d may try staff tokens; bind it to an internal address",
                          host, port);
    wsis_log_info ("gateway: %zu staff tokens from %s", gateway_staff_tokens_size (self->tokens), file);
    return self;
}

void
gateway_staff_flush (gateway_staff_t *self)
{
    if (self)
        gateway_http_flush (self->http);
}

void
gateway_staff_destroy (gateway_staff_t **self_p)
{
    if (self_p && *self_p) {
        gateway_staff_t *self = *self_p;
        gateway_http_destroy (&self->http);
        gateway_staff_tokens_destroy (&self->tokens);
        free (self->file);
        free (self);
        *self_p = NULL;
    }
}
