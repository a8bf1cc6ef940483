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
    const char *prefix = "/api/v1/calls";
    size_t length = strlen (prefix);
    if (strncmp (request->url, prefix, length))
        return false;
    const char *rest = request->url + length;
    char id [128] = "";
    if (*rest == '/') {
        rest++;
        size_t id_length = strcspn (rest, "/?");
        if (rest [id_length] == '/' || id_length == 0 || id_length >= sizeof id)
            return false;           //  /calls/{call}/votes and the like: gateway_routes
        memcpy (id, rest, id_length);
        id [id_length] = 0;
        rest += id_length;
    }
    if (*rest && *rest != '?')
        return false;
    if (!streq (request->method, "GET") && !streq (request->method, "HEAD")) {
        gateway_http_fail (self->http, call, 405, "bad_request", NULL, "%s takes GET", prefix);
        return true;
    }
    wsis_calendar_t *calendar = wsis_service_calendar (self->service);
    int64_t now = wsis_service_now (self->service);
    json_t *reply;
    if (*id) {
        const wsis_call_t *found = wsis_calendar_call (calendar, id);
        if (!found) {
            gateway_http_fail (self->http, call, 404, "not_found", "call",
                               "'%s' is not a call of the calendar", id);
            return true;
        }
        reply = s_call (found, now);
    }
    else {
        json_t *calls = json_array ();
        for (size_t i = 0; i < wsis_calendar_size (calendar); i++)
            json_array_append_new (calls, s_call (wsis_calendar_at (calendar, i), now));
        reply = json_pack ("{s:o}", "calls", calls);
    }
    json_object_set_new (reply, "now", s_time (now));
    gateway_http_answer (self->http, call, 200, reply);
    return true;
}
