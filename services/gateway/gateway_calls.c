/*  gateway_calls: the calls of the calendar and where each stands, from
    the gateway's own copy of configs/calendar.cfg and its clock, for the
    pages' deadlines and countdowns (docs/protocol.md, "wsis-gateway").

        GET /api/v1/calls           every call, with its phases
        GET /api/v1/calls/{call}    one call

    A phase: {name, start, end (RFC 3339 UTC, end null for a phase
    without one), start_local, end_local (the wall time in the call's
    zone, "2022-01-21 23:00"), state: not_open | open | passed}. A call
    adds {id, kind, title, zone, open: [names of its open phases]} and
    the reply {now} the service clock, which a countdown starts from.
*/
#include "gateway.h"

static const char *const s_states [] = { "not_open", "open", "passed" };

static json_t *
s_time (int64_t ms)
{
    char text [WSIS_TIME_BUFSIZE];
    wsis_time_format (ms, text);
    return json_string (text);
}

static json_t *
s_local (const char *zone, int64_t ms)
{
    char text [64];
    return wsis_time_format_local (zone, ms, text, sizeof text) == 0? json_string (text): json_null ();
}

static json_t *
s_call (const wsis_call_t *call, int64_t now)
{
    json_t *phases = json_array ();
    json_t *open = json_array ();
    for (size_t i = 0; i < call->phase_count; i++) {
        const wsis_phase_t *phase = &call->phases [i];
        bool endless = phase->end == WSIS_PHASE_NO_END;
        wsis_phase_state_t state = now < phase->start? WSIS_PHASE_NOT_OPEN:
                                   endless || now < phase->end? WSIS_PHASE_OPEN: WSIS_PHASE_PASSED;
        json_array_append_new (phases, json_pack ("{s:s, s:o, s:o, s:o, s:o, s:s}",
            "name", phase->name,
            "start", s_time (phase->start),
            "end", endless? json_null (): s_time (phase->end),
            "start_local", s_local (call->zone, phase->start),
            "end_local", endless? json_null (): s_local (call->zone, phase->end),
            "state", s_states [state]));
        if (state == WSIS_PHASE_OPEN)
            json_array_append_new (open, json_string (phase->name));
    }
    return json_pack ("{s:s, s:s, s:s, s:s, s:o, s:o}", "id", call->id, "kind", call->kind,
                      "title", call->title, "zone", call->zone, "phases", phases, "open", open);
}

bool
gateway_calls_route (gateway_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    char path [GATEWAY_PATH_MAX];
    gateway_routes_path (request, path);
    json_t *params = json_object ();
    bool ours = gateway_routes_match ("/api/v1/calls", path, params)
             || gateway_routes_match ("/api/v1/calls/{call}", path, params);
    const char *id = json_string_value (json_object_get (params, "call"));
    bool get = streq (request->method, "GET") || streq (request->method, "HEAD");
    //  Not ours: /calls/{call}/votes and the like are gateway_routes'.
    if (ours && !get)
        gateway_http_fail (self->http, call, 405, "bad_request", NULL, "/api/v1/calls takes GET");
    else
    if (ours) {
        wsis_calendar_t *calendar = wsis_service_calendar (self->service);
        int64_t now = wsis_service_now (self->service);
        const wsis_call_t *found = id? wsis_calendar_call (calendar, id): NULL;
        json_t *reply = NULL;
        if (found)
            reply = s_call (found, now);
        else
        if (!id) {
            json_t *calls = json_array ();
            for (size_t i = 0; i < wsis_calendar_size (calendar); i++)
                json_array_append_new (calls, s_call (wsis_calendar_at (calendar, i), now));
            reply = json_pack ("{s:o}", "calls", calls);
        }
        if (reply) {
            json_object_set_new (reply, "now", s_time (now));
            gateway_http_answer (self->http, call, 200, reply);
        }
        else
            gateway_http_fail (self->http, call, 404, "not_found", "call",
                               "'%s' is not a call of the calendar", id);
    }
    json_decref (params);
    return ours;
}
