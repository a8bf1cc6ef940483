/*  test_wsis_calendar: the 2022 calendar as shipped, phase states at the
    millisecond around a deadline, and one rejected file per fault.

    Run from tests/unit, so the shipped file is ../../configs/calendar.cfg.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wsis_calendar.h"
#include "wsis_time.h"
#include "test_support.h"

#define CALENDAR_FILE "../../configs/calendar.cfg"

static void
s_assert_phase (const wsis_call_t *call, const char *name,
                const char *start_utc, const char *end_utc)
{
    const wsis_phase_t *phase = wsis_calendar_call_phase (call, name);
    assert_non_null (phase);
    assert_string_equal (phase->name, name);
    assert_int_equal (phase->start, test_utc (start_utc));
    if (end_utc)
        assert_int_equal (phase->end, test_utc (end_utc));
    else
        assert_true (phase->end == WSIS_PHASE_NO_END);
}

static wsis_phase_state_t
s_state (wsis_calendar_t *calendar, const char *call_id, const char *phase, int64_t now)
{
    wsis_phase_state_t state = (wsis_phase_state_t) -1;
    assert_int_equal (wsis_calendar_phase_state (calendar, call_id, phase, now, &state), 0);
    return state;
}

static int
s_setup (void **state)
{
    char *error = NULL;
    wsis_calendar_t *calendar = wsis_calendar_load (CALENDAR_FILE, &error);
    if (!calendar) {
        fprintf (stderr, "%s\n", error);
        free (error);
        return -1;
    }
    assert_null (error);
    *state = calendar;
    return 0;
}

static int
s_teardown (void **state)
{
    wsis_calendar_t *calendar = (wsis_calendar_t *) *state;
    wsis_calendar_destroy (&calendar);
    assert_null (calendar);
    return 0;
}


//  --------------------------------------------------------------------------
//  The shipped 2022 calendar

static void
test_shipped_calls (void **state)
{
    wsis_calendar_t *calendar = (wsis_calendar_t *) *state;
    //  The 2022 edition, the Repository, the 2027 edition
    const char *ids [] = { "prizes-2022", "ocp-2022", "photo-2022", "hltf-2022",
                           "stocktaking-2022", "trendsetters-2021", "women-in-tech",
                           "prizes-2027", "ocp-2027", "photo-2027", "hltf-2027",
                           "stocktaking-2027", "trendsetters-2026" };
    const char *kinds [] = { "prize", "ocp", "photo", "hltf", "stocktaking", "ambassador",
                             "repository",
                             "prize", "ocp", "photo", "hltf", "stocktaking", "ambassador" };
    size_t phases [] = { 5, 4, 2, 1, 1, 1, 1, 5, 4, 2, 1, 1, 1 };
    size_t count = sizeof (ids) / sizeof (ids [0]);

    assert_int_equal (wsis_calendar_size (calendar), count);
    for (size_t i = 0; i < count; i++) {
        const wsis_call_t *call = wsis_calendar_at (calendar, i);
        assert_non_null (call);
        assert_string_equal (call->id, ids [i]);
        assert_string_equal (call->kind, kinds [i]);
        assert_string_equal (call->zone, "Europe/Geneva");
        assert_non_null (call->title);
        assert_int_equal (call->phase_count, phases [i]);
        assert_ptr_equal (wsis_calendar_call (calendar, ids [i]), call);
        assert_int_equal (call->winners, strncmp (ids [i], "photo-", 6) == 0? 3: 0);
    }
    assert_null (wsis_calendar_at (calendar, count));
    assert_null (wsis_calendar_call (calendar, "prizes-2021"));
    assert_null (wsis_calendar_call (calendar, NULL));
    assert_null (wsis_calendar_call_phase (wsis_calendar_call (calendar, "prizes-2022"), "meeting"));
    assert_null (wsis_calendar_call_phase (NULL, "submission"));
}

static void
test_shipped_prizes (void **state)
{
    const wsis_call_t *call = wsis_calendar_call ((wsis_calendar_t *) *state, "prizes-2022");
    assert_non_null (call);
    assert_string_equal (call->title, "WSIS Prizes 2022");
    //  Winter deadlines are CET (UTC+1), those after 27 March CEST (UTC+2)
    s_assert_phase (call, "submission", "2021-08-31T22:00:00Z", "2022-01-21T22:00:00Z");
    s_assert_phase (call, "nomination", "2022-01-31T23:00:00Z", "2022-02-25T22:00:00Z");
    s_assert_phase (call, "voting", "2022-02-28T23:00:00Z", "2022-03-31T21:00:00Z");
    s_assert_phase (call, "selection", "2022-03-31T22:00:00Z", "2022-04-15T21:00:00Z");
    s_assert_phase (call, "announcement", "2022-05-29T22:00:00Z", "2022-06-03T21:00:00Z");
    //  File order is kept
    assert_string_equal (call->phases [0].name, "submission");
    assert_string_equal (call->phases [4].name, "announcement");
}

static void
test_shipped_others (void **state)
{
    wsis_calendar_t *calendar = (wsis_calendar_t *) *state;
    const wsis_call_t *ocp = wsis_calendar_call (calendar, "ocp-2022");
    s_assert_phase (ocp, "submission", "2021-08-18T22:00:00Z", "2022-03-07T22:59:00Z");
    //  Three meetings, in file order; the first is found by name
    s_assert_phase (ocp, "meeting", "2021-12-08T12:50:00Z", "2021-12-08T13:50:00Z");
    assert_string_equal (ocp->phases [2].name, "meeting");
    assert_int_equal (ocp->phases [2].start, test_utc ("2022-01-31T13:00:00Z"));
    assert_int_equal (ocp->phases [2].end, test_utc ("2022-01-31T14:00:00Z"));
    assert_string_equal (ocp->phases [3].name, "meeting");
    assert_int_equal (ocp->phases [3].start, test_utc ("2022-05-02T12:00:00Z"));
    assert_int_equal (ocp->phases [3].end, test_utc ("2022-05-02T13:00:00Z"));

    const wsis_call_t *photo = wsis_calendar_call (calendar, "photo-2022");
    assert_int_equal (photo->winners, 3);
    s_assert_phase (photo, "submission", "2021-08-31T22:00:00Z", "2022-03-07T22:59:00Z");
    s_assert_phase (photo, "selection", "2022-03-07T23:00:00Z", "2022-05-29T22:00:00Z");

    s_assert_phase (wsis_calendar_call (calendar, "hltf-2022"), "nomination",
                    "2021-08-18T22:00:00Z", "2022-03-07T22:59:00Z");
    s_assert_phase (wsis_calendar_call (calendar, "stocktaking-2022"), "submission",
                    "2021-08-31T22:00:00Z", NULL);
    s_assert_phase (wsis_calendar_call (calendar, "trendsetters-2021"), "nomination",
                    "2021-11-25T23:00:00Z", NULL);
    const wsis_call_t *repository = wsis_calendar_call (calendar, "women-in-tech");
    assert_string_equal (repository->title, "WSIS Repository of Women in Tech");
    s_assert_phase (repository, "submission", "2021-11-25T23:00:00Z", NULL);
}

//  2027: the 2022 phases at the same local times five years on, so the
//  UTC offsets are those of the new dates (CEST until 25 October 2026)
static void
test_shipped_2027 (void **state)
{
    wsis_calendar_t *calendar = (wsis_calendar_t *) *state;
    const wsis_call_t *prizes = wsis_calendar_call (calendar, "prizes-2027");
    assert_string_equal (prizes->title, "WSIS Prizes 2027");
    s_assert_phase (prizes, "submission", "2026-08-31T22:00:00Z", "2027-01-21T22:00:00Z");
    s_assert_phase (prizes, "nomination", "2027-01-31T23:00:00Z", "2027-02-25T22:00:00Z");
    s_assert_phase (prizes, "voting", "2027-02-28T23:00:00Z", "2027-03-31T21:00:00Z");
    s_assert_phase (prizes, "selection", "2027-03-31T22:00:00Z", "2027-04-15T21:00:00Z");
    s_assert_phase (prizes, "announcement", "2027-05-29T22:00:00Z", "2027-06-03T21:00:00Z");

    const wsis_call_t *ocp = wsis_calendar_call (calendar, "ocp-2027");
    s_assert_phase (ocp, "submission", "2026-08-18T22:00:00Z", "2027-03-07T22:59:00Z");
    s_assert_phase (ocp, "meeting", "2026-12-08T12:50:00Z", "2026-12-08T13:50:00Z");
    assert_int_equal (ocp->phases [2].start, test_utc ("2027-01-31T13:00:00Z"));
    assert_int_equal (ocp->phases [3].start, test_utc ("2027-05-02T12:00:00Z"));
    s_assert_phase (wsis_calendar_call (calendar, "photo-2027"), "selection",
                    "2027-03-07T23:00:00Z", "2027-05-29T22:00:00Z");
    s_assert_phase (wsis_calendar_call (calendar, "hltf-2027"), "nomination",
                    "2026-08-18T22:00:00Z", "2027-03-07T22:59:00Z");
    s_assert_phase (wsis_calendar_call (calendar, "stocktaking-2027"), "submission",
                    "2026-08-31T22:00:00Z", NULL);
    s_assert_phase (wsis_calendar_call (calendar, "trendsetters-2026"), "nomination",
                    "2026-11-25T23:00:00Z", NULL);

    //  Today (29 November 2026) the 2027 calls take entries, 2022's do not
    int64_t today = test_utc ("2026-11-29T12:00:00Z");
    assert_int_equal (s_state (calendar, "prizes-2027", "submission", today), WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "photo-2027", "submission", today), WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "ocp-2027", "submission", today), WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "hltf-2027", "nomination", today), WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "trendsetters-2026", "nomination", today),
                      WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "prizes-2027", "voting", today), WSIS_PHASE_NOT_OPEN);
    assert_int_equal (s_state (calendar, "prizes-2022", "submission", today), WSIS_PHASE_PASSED);
}

static void
test_phase_state (void **state)
{
    wsis_calendar_t *calendar = (wsis_calendar_t *) *state;
    //  Start inclusive, end exclusive, to the millisecond
    assert_int_equal (s_state (calendar, "prizes-2022", "submission",
                               test_utc ("2021-08-31T21:59:59.999Z")), WSIS_PHASE_NOT_OPEN);
    assert_int_equal (s_state (calendar, "prizes-2022", "submission",
                               test_utc ("2021-08-31T22:00:00Z")), WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "prizes-2022", "submission",
                               test_utc ("2022-01-21T21:59:59.999Z")), WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "prizes-2022", "submission",
                               test_utc ("2022-01-21T22:00:00Z")), WSIS_PHASE_PASSED);
    assert_int_equal (s_state (calendar, "prizes-2022", "submission",
                               test_utc ("2030-01-01T00:00:00Z")), WSIS_PHASE_PASSED);
    //  A manual clock starts at the epoch: everything is still to come
    assert_int_equal (s_state (calendar, "prizes-2022", "voting", 0), WSIS_PHASE_NOT_OPEN);
    assert_int_equal (s_state (calendar, "prizes-2022", "voting",
                               test_utc ("2022-03-31T20:59:59.999Z")), WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "prizes-2022", "voting",
                               test_utc ("2022-03-31T21:00:00Z")), WSIS_PHASE_PASSED);
    assert_int_equal (s_state (calendar, "ocp-2022", "submission",
                               test_utc ("2022-03-07T22:58:59.999Z")), WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "ocp-2022", "submission",
                               test_utc ("2022-03-07T22:59:00Z")), WSIS_PHASE_PASSED);
    //  Phases without an end never pass, not even at the end of time
    assert_int_equal (s_state (calendar, "stocktaking-2022", "submission",
                               test_utc ("9999-12-31T23:59:59Z")), WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "stocktaking-2022", "submission", INT64_MAX),
                      WSIS_PHASE_OPEN);
    assert_int_equal (s_state (calendar, "trendsetters-2021", "nomination",
                               test_utc ("2021-11-25T22:59:59.999Z")), WSIS_PHASE_NOT_OPEN);

    wsis_phase_state_t phase_state = WSIS_PHASE_OPEN;
    assert_int_equal (wsis_calendar_phase_state (calendar, "prizes-2023", "voting", 0,
                                                 &phase_state), -1);
    assert_int_equal (wsis_calendar_phase_state (calendar, "prizes-2022", "meeting", 0,
                                                 &phase_state), -1);
    assert_int_equal (wsis_calendar_phase_state (calendar, NULL, "voting", 0,
                                                 &phase_state), -1);
    assert_int_equal (wsis_calendar_phase_state (calendar, "prizes-2022", NULL, 0,
                                                 &phase_state), -1);
    assert_int_equal (phase_state, WSIS_PHASE_OPEN);     //  untouched
}


//  --------------------------------------------------------------------------
//  Small calendars from text

//  One call, with the lines given spliced in where the phases go.
#define CALL_HEAD \
    "call\n" \
    "    id = test-call\n" \
    "    kind = prize\n" \
    "    zone = Europe/Geneva\n"

//  The five phases of a prize call, voting last in the file
#define PHASE_OK \
    "    phase\n" \
    "        name = submission\n" \
    "        start = \"2021-09-01 00:00\"\n" \
    "        end = \"2022-01-21 23:00\"\n" \
    "    phase\n" \
    "        name = nomination\n" \
    "        start = \"2022-02-01 00:00\"\n" \
    "        end = \"2022-02-25 23:00\"\n" \
    "    phase\n" \
    "        name = selection\n" \
    "        start = \"2022-04-01 00:00\"\n" \
    "        end = \"2022-04-15 23:00\"\n" \
    "    phase\n" \
    "        name = announcement\n" \
    "        start = \"2022-05-30 00:00\"\n" \
    "        end = \"2022-06-03 23:00\"\n" \
    VOTING

#define VOTING \
    "    phase\n" \
    "        name = voting\n" \
    "        start = \"2022-03-01 00:00\"\n" \
    "        end = \"2022-03-31 23:00\"\n"

//  An OCP call: kind, zone, its submission phase; meetings follow
#define OCP_HEAD \
    "call\n" \
    "    id = test-ocp\n" \
    "    kind = ocp\n" \
    "    zone = Europe/Geneva\n" \
    "    phase\n" \
    "        name = submission\n" \
    "        start = \"2022-01-01 00:00\"\n" \
    "        end = \"2022-03-07 23:59\"\n"

#define MEETING(day, from, to) \
    "    phase\n" \
    "        name = meeting\n" \
    "        start = \"2022-03-" day " " from "\"\n" \
    "        end = \"2022-03-" day " " to "\"\n"

static void
test_parse_minimal (void **state)
{
    char *error = (char *) "not cleared";
    wsis_calendar_t *calendar = wsis_calendar_parse (
        "#   comments and blank lines are fine\n"
        "\n"
        "call\n"
        "    id = test-call\n"
        "    kind = ocp\n"
        "    zone = Europe/Geneva\n"
        "    winners = 5     # trailing comment\n"
        "    phase\n"
        "        name = meeting\n"
        "        start = 2022-03-02T10:00:30\n"        //  unquoted, T and seconds
        "        end = \"2022-03-02 11:00\"\n"
        "    phase\n"
        "        name = meeting\n"
        "        start = \"2022-03-09 10:00\"\n"
        "        end = \"2022-03-09 11:00\"\n"
        "    phase\n"
        "        name = submission\n"
        "        start = \"2022-01-01 00:00\"\n", &error);
    assert_non_null (calendar);
    assert_null (error);
    assert_int_equal (wsis_calendar_size (calendar), 1);
    const wsis_call_t *call = wsis_calendar_at (calendar, 0);
    assert_string_equal (call->title, "");      //  title is optional
    assert_int_equal (call->winners, 5);
    assert_int_equal (call->phase_count, 3);
    s_assert_phase (call, "meeting", "2022-03-02T09:00:30Z", "2022-03-02T10:00:00Z");
    s_assert_phase (call, "submission", "2021-12-31T23:00:00Z", NULL);
    wsis_calendar_destroy (&calendar);
    assert_null (calendar);
    wsis_calendar_destroy (&calendar);          //  NULL is fine

    //  A NULL error pointer is allowed, on success and on failure
    calendar = wsis_calendar_parse (CALL_HEAD PHASE_OK, NULL);
    assert_non_null (calendar);
    wsis_calendar_destroy (&calendar);
    assert_null (wsis_calendar_parse ("call\n    id = x\n", NULL));
}

typedef struct {
    const char *why;
    const char *text;
    const char *expect [3];     //  each must appear in the error
} s_bad_case_t;

static const s_bad_case_t s_bad_cases [] = {
    { "unknown kind",
      "call\n    id = test-call\n    kind = raffle\n    zone = Europe/Geneva\n" PHASE_OK,
      { "call test-call", "kind \"raffle\"" } },
    { "unknown call key",
      CALL_HEAD "    deadline = \"2022-01-01 00:00\"\n" PHASE_OK,
      { "call test-call", "unknown key deadline" } },
    { "unknown phase key",
      CALL_HEAD PHASE_OK "        ends = \"2022-04-01 00:00\"\n",
      { "call test-call", "phase #5", "unknown key ends" } },
    { "missing id",
      "call\n    kind = prize\n    zone = Europe/Geneva\n" PHASE_OK,
      { "call #1", "id missing" } },
    { "empty id",
      "call\n    id =\n    kind = prize\n    zone = Europe/Geneva\n" PHASE_OK,
      { "call #1", "id missing" } },
    { "id with a space",
      "call\n    id = \"test call\"\n    kind = prize\n    zone = Europe/Geneva\n" PHASE_OK,
      { "call #1", "id \"test call\"" } },
    { "missing kind",
      "call\n    id = test-call\n    zone = Europe/Geneva\n" PHASE_OK,
      { "call test-call", "kind missing" } },
    { "missing zone",
      "call\n    id = test-call\n    kind = prize\n" PHASE_OK,
      { "call test-call", "zone missing" } },
    { "unknown zone",
      "call\n    id = test-call\n    kind = prize\n    zone = Europe/Atlantis\n" PHASE_OK,
      { "call test-call", "zone \"Europe/Atlantis\"" } },
    { "zone outside the database",
      "call\n    id = test-call\n    kind = prize\n    zone = ../../etc/passwd\n" PHASE_OK,
      { "call test-call", "zone \"../../etc/passwd\" is not in the tz" } },
    { "phase name with a space",
      CALL_HEAD "    phase\n        name = \"final vote\"\n        start = \"2022-03-01 00:00\"\n",
      { "call test-call", "phase #1", "name \"final vote\"" } },
    { "missing phase start",
      CALL_HEAD "    phase\n        name = voting\n        end = \"2022-03-31 23:00\"\n",
      { "call test-call", "phase voting", "start missing" } },
    { "missing phase name",
      CALL_HEAD PHASE_OK "    phase\n        start = \"2022-03-01 00:00\"\n",
      { "call test-call", "phase #6", "name missing" } },
    { "end equal to start",
      CALL_HEAD "    phase\n        name = voting\n        start = \"2022-03-01 00:00\"\n"
      "        end = \"2022-03-01 00:00\"\n",
      { "call test-call", "phase voting", "not after start" } },
    { "end before start",
      CALL_HEAD "    phase\n        name = voting\n        start = \"2022-03-31 23:00\"\n"
      "        end = \"2022-03-01 00:00\"\n",
      { "call test-call", "phase voting", "end \"2022-03-01 00:00\"" } },
    { "bad start",
      CALL_HEAD "    phase\n        name = voting\n        start = \"2022-02-30 00:00\"\n",
      { "call test-call", "phase voting", "start \"2022-02-30 00:00\"" } },
    { "bad end",
      CALL_HEAD "    phase\n        name = voting\n        start = \"2022-03-01 00:00\"\n"
      "        end = \"2022-03-31 23:00 CET\"\n",
      { "call test-call", "phase voting", "end \"2022-03-31 23:00 CET\"" } },
    { "instant instead of local time",
      CALL_HEAD "    phase\n        name = voting\n        start = \"2022-03-01T00:00:00Z\"\n",
      { "call test-call", "phase voting", "start" } },
    { "duplicate call id",
      CALL_HEAD PHASE_OK CALL_HEAD PHASE_OK,
      { "call test-call", "earlier call" } },
    { "duplicate key",
      CALL_HEAD "    kind = ocp\n" PHASE_OK,
      { "call test-call", "kind is given twice" } },
    { "duplicate phase key",
      CALL_HEAD PHASE_OK "        start = \"2022-03-02 00:00\"\n",
      { "call test-call", "phase #5", "start is given twice" } },
    { "duplicate phase",
      CALL_HEAD PHASE_OK PHASE_OK,
      { "call test-call", "phase submission is given twice" } },
    { "no phase",
      CALL_HEAD,
      { "call test-call", "no phase" } },
    { "winners not a number",
      CALL_HEAD "    winners = three\n" PHASE_OK,
      { "call test-call", "winners \"three\"" } },
    { "winners zero",
      CALL_HEAD "    winners = 0\n" PHASE_OK,
      { "call test-call", "winners \"0\"" } },
    { "winners negative",
      CALL_HEAD "    winners = -3\n" PHASE_OK,
      { "call test-call", "winners \"-3\"" } },
    { "winners with junk",
      CALL_HEAD "    winners = 3x\n" PHASE_OK,
      { "call test-call", "winners \"3x\"" } },
    { "value given a section",
      CALL_HEAD "    title = \"x\"\n        name = y\n" PHASE_OK,
      { "call test-call", "title takes a value" } },
    { "phase given a value",
      CALL_HEAD "    phase = voting\n",
      { "call test-call", "phase is a section" } },
    { "unknown top-level section",
      "calls\n" "    id = test-call\n",
      { "(calendar text)", "unknown entry calls" } },
    { "top-level key",
      "edition = 2022\n" CALL_HEAD PHASE_OK,
      { "unknown entry edition" } },
    { "no call at all",
      "#   nothing here\n",
      { "(calendar text)", "no call" } },
    { "empty text",
      "",
      { "no call" } },
    { "ZPL: bad indentation",
      "call\n   id = test-call\n",
      { "(calendar text)", "not valid ZPL" } },
    { "ZPL: unclosed quote",
      CALL_HEAD "    title = \"WSIS Prizes\n" PHASE_OK,
      { "not valid ZPL" } },
    { "error in a later call names it",
      CALL_HEAD PHASE_OK
      "call\n    id = second-call\n    kind = photo\n    zone = Europe/Geneva\n"
      "    phase\n        name = selection\n        start = \"2022-3-08 00:00\"\n",
      { "call second-call", "phase selection", "start \"2022-3-08 00:00\"" } },

    //  The call checked whole: names, the kind's phases, their order
    { "unknown phase name, close to one",
      CALL_HEAD "    phase\n        name = vote\n        start = \"2022-03-01 00:00\"\n",
      { "call test-call", "phase vote: name is not one of", "did you mean 'voting'?" } },
    { "unknown phase name, plural",
      CALL_HEAD "    phase\n        name = nominations\n        start = \"2022-03-01 00:00\"\n",
      { "call test-call", "phase nominations", "did you mean 'nomination'?" } },
    { "unknown phase name, nothing close",
      CALL_HEAD "    phase\n        name = ceremony\n        start = \"2022-03-01 00:00\"\n",
      { "call test-call", "phase ceremony: name is not one of submission, nomination, voting,"
        " selection, announcement, meeting" } },
    { "unknown kind, close to one",
      "call\n    id = test-call\n    kind = prizes\n    zone = Europe/Geneva\n" PHASE_OK,
      { "call test-call", "kind \"prizes\"", "did you mean 'prize'?" } },
    { "prize call without voting",
      CALL_HEAD "    phase\n        name = submission\n        start = \"2021-09-01 00:00\"\n"
      "        end = \"2022-01-21 23:00\"\n",
      { "call test-call", "phase nomination missing: a prize call needs it" } },
    { "meeting in a prize call",
      CALL_HEAD PHASE_OK MEETING ("02", "10:00", "11:00"),
      { "call test-call", "phase meeting: a prize call has no meeting phase" } },
    { "voting in a photo call",
      "call\n    id = test-photo\n    kind = photo\n    zone = Europe/Geneva\n"
      "    phase\n        name = submission\n        start = \"2022-01-01 00:00\"\n"
      "        end = \"2022-02-01 00:00\"\n" VOTING,
      { "call test-photo", "phase voting: a photo call has no voting phase" } },
    { "photo call without selection",
      "call\n    id = test-photo\n    kind = photo\n    zone = Europe/Geneva\n"
      "    phase\n        name = submission\n        start = \"2022-01-01 00:00\"\n"
      "        end = \"2022-02-01 00:00\"\n",
      { "call test-photo", "phase selection missing: a photo call needs it" } },
    { "hltf call taking submissions",
      "call\n    id = test-hltf\n    kind = hltf\n    zone = Europe/Geneva\n"
      "    phase\n        name = submission\n        start = \"2022-01-01 00:00\"\n",
      { "call test-hltf", "phase submission: a hltf call has no submission phase" } },
    { "ambassador call without nominations",
      "call\n    id = test-amb\n    kind = ambassador\n    zone = Europe/Geneva\n"
      "    phase\n        name = meeting\n        start = \"2022-01-01 00:00\"\n"
      "        end = \"2022-01-01 01:00\"\n",
      { "call test-amb", "phase meeting: a ambassador call has no meeting phase" } },
    { "ocp call of meetings only",
      "call\n    id = test-ocp\n    kind = ocp\n    zone = Europe/Geneva\n"
      MEETING ("02", "10:00", "11:00"),
      { "call test-ocp", "phase submission missing: a ocp call needs it" } },
    { "voting before nomination",
      CALL_HEAD
      "    phase\n        name = submission\n        start = \"2021-09-01 00:00\"\n"
      "        end = \"2022-01-21 23:00\"\n"
      "    phase\n        name = nomination\n        start = \"2022-03-01 00:00\"\n"
      "        end = \"2022-03-25 23:00\"\n"
      "    phase\n        name = voting\n        start = \"2022-02-01 00:00\"\n"
      "        end = \"2022-02-27 23:00\"\n"
      "    phase\n        name = selection\n        start = \"2022-04-01 00:00\"\n"
      "        end = \"2022-04-15 23:00\"\n"
      "    phase\n        name = announcement\n        start = \"2022-05-30 00:00\"\n",
      { "call test-call", "phase voting: starts \"2022-02-01 00:00\", before phase nomination"
        " (\"2022-03-01 00:00\"): phases out of order" } },
    { "voting opens before nominations close",
      CALL_HEAD
      "    phase\n        name = submission\n        start = \"2021-09-01 00:00\"\n"
      "        end = \"2022-01-21 23:00\"\n"
      "    phase\n        name = nomination\n        start = \"2022-02-01 00:00\"\n"
      "        end = \"2022-03-02 00:00\"\n"
      VOTING
      "    phase\n        name = selection\n        start = \"2022-04-01 00:00\"\n"
      "        end = \"2022-04-15 23:00\"\n"
      "    phase\n        name = announcement\n        start = \"2022-05-30 00:00\"\n",
      { "call test-call", "phase voting: starts \"2022-03-01 00:00\", before phase nomination"
        " ends (\"2022-03-02 00:00\"): phases overlap" } },
    { "a phase after one that never ends",
      "call\n    id = test-photo\n    kind = photo\n    zone = Europe/Geneva\n"
      "    phase\n        name = submission\n        start = \"2022-01-01 00:00\"\n"
      "    phase\n        name = selection\n        start = \"2022-03-08 00:00\"\n",
      { "call test-photo", "phase selection: starts \"2022-03-08 00:00\" while phase"
        " submission never ends" } },
    { "meetings overlapping",
      OCP_HEAD MEETING ("02", "10:00", "11:00") MEETING ("02", "10:30", "11:30"),
      { "call test-ocp", "phase meeting: starts \"2022-03-02 10:30\", before phase meeting"
        " ends (\"2022-03-02 11:00\")" } },
    { "meetings out of order",
      OCP_HEAD MEETING ("09", "10:00", "11:00") MEETING ("02", "10:00", "11:00"),
      { "call test-ocp", "phase meeting: starts \"2022-03-02 10:00\"", "out of order" } },
    { "reversed phase in a valid call",
      OCP_HEAD MEETING ("02", "11:00", "10:00"),
      { "call test-ocp", "phase meeting: end \"2022-03-02 10:00\" is not after start" } },
};

static void
test_parse_malformed (void **state)
{
    for (size_t i = 0; i < sizeof (s_bad_cases) / sizeof (s_bad_cases [0]); i++) {
        const s_bad_case_t *bad = &s_bad_cases [i];
        char *error = NULL;
        wsis_calendar_t *calendar = wsis_calendar_parse (bad->text, &error);
        if (calendar) {
            wsis_calendar_destroy (&calendar);
            fail_msg ("%s: accepted", bad->why);
        }
        if (!error)
            fail_msg ("%s: no error", bad->why);
        //  One line, naming what is wrong
        const char *lacking = strchr (error, '\n')? "(a single line)": NULL;
        for (size_t j = 0; j < 3 && bad->expect [j] && !lacking; j++)
            if (!strstr (error, bad->expect [j]))
                lacking = bad->expect [j];
        if (lacking)
            print_error ("%s: error \"%s\" lacks \"%s\"\n", bad->why, error, lacking);
        free (error);
        if (lacking)
            fail ();
    }
}


//  What the whole-call checks let through: a prize call's phases in any
//  file order, a phase opening at the instant the one before closes,
//  meetings within the submission phase, open-ended single phases
static void
test_call_checks_accept (void **state)
{
    const char *texts [] = {
        CALL_HEAD PHASE_OK,
        OCP_HEAD MEETING ("02", "10:00", "11:00") MEETING ("02", "11:00", "12:00")
                 MEETING ("09", "10:00", "11:00"),
        "call\n    id = test-photo\n    kind = photo\n    zone = Europe/Geneva\n"
        "    phase\n        name = submission\n        start = \"2022-01-01 00:00\"\n"
        "        end = \"2022-03-08 00:00\"\n"
        "    phase\n        name = selection\n        start = \"2022-03-08 00:00\"\n",
        "call\n    id = test-amb\n    kind = ambassador\n    zone = Europe/Geneva\n"
        "    phase\n        name = nomination\n        start = \"2021-11-26 00:00\"\n",
    };
    for (size_t i = 0; i < sizeof (texts) / sizeof (texts [0]); i++) {
        char *error = NULL;
        wsis_calendar_t *calendar = wsis_calendar_parse (texts [i], &error);
        if (!calendar)
            fail_msg ("text %zu refused: %s", i, error);
        wsis_calendar_destroy (&calendar);
    }
}

//  --------------------------------------------------------------------------
//  Files

static void
test_load_missing_file (void **state)
{
    char *error = NULL;
    assert_null (wsis_calendar_load ("no-such-dir/calendar.cfg", &error));
    assert_non_null (error);
    assert_non_null (strstr (error, "no-such-dir/calendar.cfg"));
    assert_non_null (strstr (error, "cannot read"));
    free (error);
}

static void
test_load_bad_file (void **state)
{
    //  The error names the file it came from
    char path [] = "/tmp/test_wsis_calendar_XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    FILE *file = fdopen (fd, "w");
    assert_non_null (file);
    fputs (CALL_HEAD
           "    phase\n"
           "        name = voting\n"
           "        start = \"2022-03-01 00:00\"\n"
           "        end = \"2022-02-31 23:00\"\n", file);
    fclose (file);

    char *error = NULL;
    wsis_calendar_t *calendar = wsis_calendar_load (path, &error);
    unlink (path);
    assert_null (calendar);
    assert_non_null (error);
    assert_non_null (strstr (error, path));
    assert_non_null (strstr (error, "call test-call"));
    assert_non_null (strstr (error, "end \"2022-02-31 23:00\""));
    free (error);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_shipped_calls, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_shipped_prizes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_shipped_others, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_shipped_2027, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_phase_state, s_setup, s_teardown),
        cmocka_unit_test (test_parse_minimal),
        cmocka_unit_test (test_parse_malformed),
        cmocka_unit_test (test_call_checks_accept),
        cmocka_unit_test (test_load_missing_file),
        cmocka_unit_test (test_load_bad_file),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
