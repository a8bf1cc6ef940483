/*  wsis-gateway: the HTTP/JSON API in front of the services (gateway.h). */
#include "gateway.h"
#include "wsis_log.h"
#include "wsis_main.h"

//  A batch of replies read: the connections they answered, on either
//  listener, are served in this turn of the loop, not the next.
static void
s_replies_read (void *arg)
{
    gateway_t *self = (gateway_t *) arg;
    gateway_http_flush (self->http);
    gateway_staff_flush (self->staff);
}

static int
s_start (wsis_service_t *service)
{
    gateway_t *self = (gateway_t *) wsis_service_state (service);
    wsis_config_t *config = wsis_service_config (service);
    self->service = service;
    const char *openapi = wsis_config_str (config, "gateway/openapi");
    json_error_t json_error;
    self->openapi = json_load_file (openapi, JSON_REJECT_DUPLICATES, &json_error);
    if (!self->openapi) {
        wsis_log_error ("%s: line %d: %s", openapi, json_error.line, json_error.text);
        return -1;
    }
    char *error = NULL;
    self->pages = gateway_pages_new (wsis_config_str (config, "gateway/pages"), &error);
    if (!self->pages) {
        wsis_log_error ("%s", error);
        zstr_free (&error);
        json_decref (self->openapi);
        return -1;
    }
    self->cors = gateway_cors_new (wsis_config_str (config, "gateway/cors_origins"), &error);
    if (!self->cors) {
        wsis_log_error ("%s", error);
        zstr_free (&error);
        gateway_pages_destroy (&self->pages);
        json_decref (self->openapi);
        return -1;
    }
    self->limits = gateway_limits_new (GATEWAY_BUCKETS_MAX);
    self->sessions = gateway_sessions_new (GATEWAY_SESSIONS_MAX);
    self->sign_in_per_minute = (unsigned) wsis_config_int (config, "gateway/sign_in_per_minute");
    self->writes_per_minute = (unsigned) wsis_config_int (config, "gateway/writes_per_minute");
    self->max_request = (size_t) wsis_config_int (config, "wsis/max_request");
    self->upstream = gateway_upstream_new (config, wsis_service_curve (service),
                                           wsis_service_loop (service),
                                           wsis_config_int (config, "gateway/upstream_timeout_ms"));
    self->mail = gateway_mail_new (self, wsis_service_loop (service));
    self->http = gateway_http_new (self, config, wsis_service_loop (service), "HTTP",
                                   wsis_config_bind_host (config),
                                   (int) wsis_config_int (config, "gateway/http_port"),
                                   gateway_api_route, &error);
    if (self->http) {
        gateway_http_set_cors (self->http, self->cors);
        gateway_upstream_set_drained (self->upstream, s_replies_read, self);
    }
    if (self->http && wsis_config_int (config, "gateway/staff_port")
    &&  !gateway_staff_new (self, config, wsis_service_loop (service), &error))
        gateway_http_destroy (&self->http);
    if (!self->http) {
        wsis_log_error ("%s", error);
        zstr_free (&error);
        gateway_mail_close (self->mail);
        gateway_upstream_destroy (&self->upstream);
        gateway_mail_destroy (&self->mail);
        gateway_limits_destroy (&self->limits);
        gateway_cors_destroy (&self->cors);
        gateway_sessions_destroy (&self->sessions);
        gateway_pages_destroy (&self->pages);
        json_decref (self->openapi);
        return -1;
    }
    return 0;
}

//  Every request still waiting for a service is answered (503) before the
//  HTTP server stops.
static void
s_stop (wsis_service_t *service)
{
    gateway_t *self = (gateway_t *) wsis_service_state (service);
    gateway_mail_close (self->mail);
    gateway_upstream_destroy (&self->upstream);
    gateway_mail_destroy (&self->mail);
    gateway_staff_destroy (&self->staff);
    gateway_http_destroy (&self->http);
    gateway_limits_destroy (&self->limits);
    gateway_cors_destroy (&self->cors);
    gateway_sessions_destroy (&self->sessions);
    gateway_pages_destroy (&self->pages);
    json_decref (self->openapi);
    msgpack_sbuffer_destroy (&self->packing);
    msgpack_sbuffer_init (&self->packing);
}

//  Once a second, after the service read the keys again, and after the
//  clock moved: a service whose key rotated is connected to again, and
//  expired sessions are forgotten.
static void
s_tick (wsis_service_t *service)
{
    gateway_t *self = (gateway_t *) wsis_service_state (service);
    gateway_upstream_rekey (self->upstream);
    gateway_auth_tick (service);
}

static void
s_stats (wsis_service_t *service, msgpack_packer *pk)
{
    gateway_t *self = (gateway_t *) wsis_service_state (service);
    gateway_http_stats (self->http, pk);
}

//  It learns who may sign in from wsis-submissions' events.
static const char *const s_follows [] = { "submissions", NULL };

//  The topics of wsis-submissions' events: the bus sends it nothing else
//  (not the vote.cast of every vote, from a source it does not follow).
static const char *const s_topics [] = { "stakeholder.", "submission.", NULL };

extern const char gateway_schema_sql [];

//  Its own operations are the common ones (sys.ping, sys.stats, ...): what
//  it offers is on its HTTP port.
static const wsis_op_t s_ops [] = { { NULL } };

static const wsis_service_def_t s_service = {
    .name = "gateway",
    .version = WSIS_VERSION,
    .schema = gateway_schema_sql,   //  linked in from schema.sql (see the Makefile)
    .ops = s_ops,
    .follows = s_follows,
    .topics = s_topics,
    .apply = gateway_people_apply,
    .tick = s_tick,
    .start = s_start,
    .stop = s_stop,
    .stats = s_stats,
};

int
main (int argc, char *argv [])
{
    gateway_t gateway = { 0 };
    return wsis_main (&s_service, &gateway, argc, argv);
}
