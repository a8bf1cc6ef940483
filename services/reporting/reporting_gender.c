/*  reporting_gender: report.gender {call?, format}, the WSIS Forum's 50/50
    gender-balance challenge in figures.

    The female share of those whose gender was given, for: the Forum's
    speakers overall, per track and per session (forum.speaker.registered,
    which the Forum's own systems publish through the bus journal), the
    speakers of OCP inputs, HLTF nominees, WSIS Prizes contacts,
    registered stakeholders (the electorate: a vote carries no voter, the
    ballot being secret) and Gender Trendsetter nominations; and the
    sessions without a woman. As JSON, CSV, or an SVG bar chart with the
    50% line.
*/
#include "reporting.h"
#include "wsis_alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_formats [] = { "json", "csv", "svg", NULL };

//  How many of each gender (wsis_genders order: female, male, non_binary,
//  undisclosed).
typedef struct {
    char *label;                //  owned
    char *id;                   //  a session's id, else NULL; owned
    char *track;                //  a session's track, else NULL; owned
    int64_t counts [4];
} tally_t;

static int64_t
s_given (const tally_t *tally)
{
    return tally->counts [0] + tally->counts [1] + tally->counts [2];
}

//  The female share of those whose gender was given, to 4 decimals so it
//  prints the same on every machine; 0 when nobody's was given.
static double
s_share (const tally_t *tally)
{
    int64_t given = s_given (tally);
    return given? round (10000.0 * (double) tally->counts [0] / (double) given) / 10000.0: 0;
}

static void
s_tally_add (tally_t *tally, const char *gender, int64_t count)
{
    int index = 3;
    for (int i = 0; i < 4; i++)
        if (streq (wsis_genders [i], gender))
            index = i;
    tally->counts [index] += count;
}

static tally_t *
s_tally_new (const char *label, const char *id, const char *track)
{
    tally_t *tally = (tally_t *) zmalloc (sizeof (tally_t));
    tally->label = wsis_strdup (label);
    tally->id = wsis_strdup (id);
    tally->track = wsis_strdup (track);
    return tally;
}

static void
s_tally_destroy (void **item)
{
    tally_t *tally = (tally_t *) *item;
    free (tally->label);
    free (tally->id);
    free (tally->track);
    free (tally);
    *item = NULL;
}

//  What the report is made of: groups, tracks and sessions, in order.
typedef struct {
    zlistx_t *groups;
    zlistx_t *tracks;
    zlistx_t *sessions;
} gender_t;

//  The tally labelled label in list, made at the end when new.
static tally_t *
s_find (zlistx_t *list, const char *label, const char *id, const char *track)
{
    for (tally_t *tally = (tally_t *) zlistx_first (list); tally;
         tally = (tally_t *) zlistx_next (list))
        if (streq (tally->id? tally->id: tally->label, id? id: label))
            return tally;
    tally_t *tally = s_tally_new (label, id, track);
    zlistx_add_end (list, tally);
    return tally;
}

static int
s_speaker (const char *const *columns, size_t count, void *arg)
{
    gender_t *gender = (gender_t *) arg;
    const char *session = columns [0], *title = columns [1], *track = columns [2];
    s_tally_add (s_find (gender->groups, "Forum speakers", NULL, NULL), columns [3], 1);
    if (*track) {
        char label [160];
        snprintf (label, sizeof label, "Track: %s", track);
        s_tally_add (s_find (gender->tracks, label, NULL, NULL), columns [3], 1);
    }
    s_tally_add (s_find (gender->sessions, *title? title: session, session, track), columns [3], 1);
    return 0;
}

static int
s_group_row (const char *const *columns, size_t count, void *arg)
{
    s_tally_add ((tally_t *) arg, columns [0], atoll (columns [1]));
    return 0;
}

//  Every group, read from the store.
static int
s_read (wsis_store_t *store, const char *call, gender_t *gender)
{
    s_find (gender->groups, "Forum speakers", NULL, NULL);
    if (report_store_query (store, REPORT_Q_SPEAKERS, NULL, 0, s_speaker, gender) < 0)
        return -1;
    const struct { const char *label; const char *what; } groups [] = {
        { "OCP speakers", NULL }, { "HLTF nominees", "hltf" }, { "WSIS Prizes contacts", "contacts" },
        { "Registered stakeholders", "stakeholders" }, { "Gender Trendsetter nominations", "trendsetters" },
    };
    for (size_t i = 0; i < sizeof groups / sizeof groups [0]; i++) {
        tally_t *tally = s_find (gender->groups, groups [i].label, NULL, NULL);
        const char *params [2] = { groups [i].what, call };
        int rc = groups [i].what?
            report_store_query (store, REPORT_Q_GENDER_OF, params, 2, s_group_row, tally):
            report_store_query (store, REPORT_Q_OCP_SPEAKERS, &call, 1, s_group_row, tally);
        if (rc < 0)
            return -1;
    }
    return 0;
}

//  {group, female, male, non_binary, undisclosed, given, share}, and a
//  session's id and track.
static void
s_pack_tally (msgpack_packer *pk, const tally_t *tally, const char *name)
{
    msgpack_pack_map (pk, 7 + (tally->id? 2: 0));
    wsis_pack_kv_str (pk, name, tally->label);
    if (tally->id) {
        wsis_pack_kv_str (pk, "session_id", tally->id);
        wsis_pack_kv_str (pk, "track", tally->track? tally->track: "");
    }
    for (int i = 0; i < 4; i++)
        wsis_pack_kv_int (pk, wsis_genders [i], tally->counts [i]);
    wsis_pack_kv_int (pk, "given", s_given (tally));
    wsis_pack_str (pk, "share");
    msgpack_pack_double (pk, s_share (tally));
}

static void
s_pack_list (msgpack_packer *pk, zlistx_t *list, const char *name, bool without_women)
{
    size_t count = 0;
    for (tally_t *tally = (tally_t *) zlistx_first (list); tally;
         tally = (tally_t *) zlistx_next (list))
        count += !without_women || tally->counts [0] == 0;
    msgpack_pack_array (pk, count);
    for (tally_t *tally = (tally_t *) zlistx_first (list); tally;
         tally = (tally_t *) zlistx_next (list))
        if (!without_women || tally->counts [0] == 0)
            s_pack_tally (pk, tally, name);
}

static void
s_pack_json (msgpack_packer *pk, gender_t *gender, const char *call)
{
    msgpack_pack_map (pk, 5);
    wsis_pack_str (pk, "call");
    if (call)
        wsis_pack_str (pk, call);
    else
        msgpack_pack_nil (pk);
    wsis_pack_str (pk, "groups");
    s_pack_list (pk, gender->groups, "group", false);
    wsis_pack_str (pk, "tracks");
    s_pack_list (pk, gender->tracks, "track_label", false);
    wsis_pack_str (pk, "sessions");
    s_pack_list (pk, gender->sessions, "session_title", false);
    wsis_pack_str (pk, "sessions_without_women");
    s_pack_list (pk, gender->sessions, "session_title", true);
}

static void
s_csv_rows (zchunk_t *out, zlistx_t *list, const char *prefix)
{
    for (tally_t *tally = (tally_t *) zlistx_first (list); tally;
         tally = (tally_t *) zlistx_next (list)) {
        char label [400];
        snprintf (label, sizeof label, "%s%s", prefix, tally->label);
        report_csv_cell (out, label, false);
        for (int i = 0; i < 4; i++)
            report_csv_int (out, tally->counts [i], false);
        report_csv_int (out, s_given (tally), false);
        report_csv_real (out, s_share (tally), 4, true);
    }
}

static zchunk_t *
s_csv (gender_t *gender)
{
    zchunk_t *out = zchunk_new (NULL, 4096);
    const char *header [] = { "group", "female", "male", "non_binary", "undisclosed", "given", "share" };
    for (int i = 0; i < 7; i++)
        report_csv_cell (out, header [i], i == 6);
    s_csv_rows (out, gender->groups, "");
    s_csv_rows (out, gender->tracks, "");
    s_csv_rows (out, gender->sessions, "Session: ");
    return out;
}

static zchunk_t *
s_svg (gender_t *gender, const char *call)
{
    size_t count = zlistx_size (gender->groups) + zlistx_size (gender->tracks);
    report_bar_t *bars = (report_bar_t *) wsis_calloc (count, sizeof (report_bar_t));
    size_t n = 0;
    zlistx_t *lists [2] = { gender->groups, gender->tracks };
    for (int l = 0; l < 2; l++)
        for (tally_t *tally = (tally_t *) zlistx_first (lists [l]); tally;
             tally = (tally_t *) zlistx_next (lists [l]))
            bars [n++] = (report_bar_t) { tally->label, tally->counts [0], s_given (tally) };
    char subtitle [160];
    snprintf (subtitle, sizeof subtitle, "Female share of those whose gender was given%s%s",
              call? ", ": "", call? call: "");
    report_barchart_t chart = { "The WSIS Forum 50/50 gender balance challenge", subtitle, bars, n };
    zchunk_t *svg = report_svg_gender (&chart);
    free (bars);
    return svg;
}

//  Reads the figures for one call (or every call) into gender; 0 or -1 on a
//  store failure.
static int
s_collect (wsis_service_t *service, const char *call, gender_t *gender)
{
    gender->groups = zlistx_new ();
    gender->tracks = zlistx_new ();
    gender->sessions = zlistx_new ();
    zlistx_set_destructor (gender->groups, s_tally_destroy);
    zlistx_set_destructor (gender->tracks, s_tally_destroy);
    zlistx_set_destructor (gender->sessions, s_tally_destroy);
    return s_read (wsis_service_store (service), call, gender);
}

static void
s_release (gender_t *gender)
{
    zlistx_destroy (&gender->groups);
    zlistx_destroy (&gender->tracks);
    zlistx_destroy (&gender->sessions);
}

int
report_op_gender (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char buffer [65], format [8];
    const char *call;
    if (report_call_field (service, &body, WSIS_OPTIONAL, buffer, sizeof buffer, &call) < 0
    ||  report_format_field (&body, s_formats, format, sizeof format))
        return -1;
    gender_t gender;
    int rc = s_collect (service, call, &gender);
    if (rc == 0) {
        zchunk_t *text = NULL;
        if (streq (format, "json"))
            s_pack_json (&reply->pk, &gender, call);
        else
        if (streq (format, "csv")) {
            text = s_csv (&gender);
            report_reply_text (reply, "text/csv; charset=utf-8", &text);
        }
        else {
            text = s_svg (&gender, call);
            report_reply_text (reply, "image/svg+xml", &text);
        }
    }
    s_release (&gender);
    return rc? report_fail_store (reply): 0;
}

int
report_gender_export (wsis_service_t *service, const char *call, wsis_reply_t *reply)
{
    gender_t gender;
    int rc = s_collect (service, call, &gender);
    if (rc == 0) {
        zchunk_t *text = s_csv (&gender);
        size_t rows = zlistx_size (gender.groups) + zlistx_size (gender.tracks)
                    + zlistx_size (gender.sessions);
        report_reply_csv_page (reply, &text, (int64_t) rows, -1);
    }
    s_release (&gender);
    return rc? report_fail_store (reply): 0;
}
