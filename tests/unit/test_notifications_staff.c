/*  test_notifications_staff: configs/staff.cfg as shipped against the
    shipped calendar, what each kind of calls entry follows, the reminder
    offsets and their fallbacks, webhook secrets read from a temp dir, and
    one refused file per fault with the line that says why.

    Run from tests/unit, so the shipped files are ../../configs/.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notifications.h"
#include "test_support.h"

#define CALENDAR_FILE "../../configs/calendar.cfg"
#define STAFF_FILE "../../configs/staff.cfg"

//  A calendar of our own: two editions, three kinds, and an id that ends
//  in 2023 without being of the 2023 edition
static const char *s_calendar_text =
    "call\n"
    "    id = prizes-2023\n"
    "    kind = prize\n"
    "    zone = Europe/Geneva\n"
    "    phase\n"
    "        name = submission\n"
    "        start = \"2022-09-01 00:00\"\n"
    "        end = \"2023-01-21 23:00\"\n"
    "    phase\n"
    "        name = nomination\n"
    "        start = \"2023-02-01 00:00\"\n"
    "        end = \"2023-02-25 23:00\"\n"
    "    phase\n"
    "        name = voting\n"
    "        start = \"2023-03-01 00:00\"\n"
    "        end = \"2023-03-31 23:00\"\n"
    "    phase\n"
    "        name = selection\n"
    "        start = \"2023-04-01 00:00\"\n"
    "        end = \"2023-04-15 23:00\"\n"
    "    phase\n"
    "        name = announcement\n"
    "        start = \"2023-05-30 00:00\"\n"
    "        end = \"2023-06-03 23:00\"\n"
    "call\n"
    "    id = photo-2023\n"
    "    kind = photo\n"
    "    zone = Europe/Geneva\n"
    "    phase\n"
    "        name = submission\n"
    "        start = \"2022-09-01 00:00\"\n"
    "        end = \"2023-03-07 23:59\"\n"
    "    phase\n"
    "        name = selection\n"
    "        start = \"2023-03-08 00:00\"\n"
    "        end = \"2023-05-30 00:00\"\n"
    "call\n"
    "    id = ocp-2022\n"
    "    kind = ocp\n"
    "    zone = Europe/Geneva\n"
    "    phase\n"
    "        name = submission\n"
    "        start = \"2021-08-19 00:00\"\n"
    "    phase\n"
    "        name = meeting\n"
    "        start = \"2021-12-08 13:50\"\n"
    "        end = \"2021-12-08 14:50\"\n"
    "call\n"
    "    id = talks-12023\n"
    "    kind = ocp\n"
    "    zone = Europe/Geneva\n"
    "    phase\n"
    "        name = submission\n"
    "        start = \"2022-08-19 00:00\"\n"
    "    phase\n"
    "        name = meeting\n"
    "        start = \"2023-01-10 10:00\"\n"
    "        end = \"2023-01-10 11:00\"\n";

//  One member, the calls line given
#define MEMBER(calls) \
    "staff\n" \
    "    name = \"Team\"\n" \
    "    email = team@example.org\n" \
    "    calls = \"" calls "\"\n"

static wsis_calendar_t *
s_calendar (const char *text)
{
    char *error = NULL;
    wsis_calendar_t *calendar = wsis_calendar_parse (text, &error);
    if (!calendar)
        fail_msg ("calendar: %s", error);
    return calendar;
}

//  Parses text that must be accepted
static notify_staff_t *
s_staff (const char *text, wsis_calendar_t *calendar, bool require_all)
{
    char *error = NULL;
    notify_staff_t *staff = notify_staff_parse (text, calendar, require_all, &error);
    if (!staff)
        fail_msg ("refused: %s", error);
    assert_null (error);
    return staff;
}

//  Parses text that must be refused with one line holding each of expect
static void
s_assert_refused (const char *text, wsis_calendar_t *calendar, bool require_all,
                  const char *first, const char *second)
{
    char *error = NULL;
    notify_staff_t *staff = notify_staff_parse (text, calendar, require_all, &error);
    if (staff) {
        notify_staff_destroy (&staff);
        fail_msg ("accepted, expected \"%s\"", second? second: first);
    }
    assert_non_null (error);
    bool whole = !strchr (error, '\n') && strstr (error, first)
              && (!second || strstr (error, second));
    if (!whole)
        print_error ("error \"%s\" lacks \"%s\" / \"%s\"\n", error, first,
                     second? second: "");
    free (error);
    assert_true (whole);
}

static char *
s_offsets_text (const notify_offset_t *offsets, size_t count)
{
    static char text [128];
    text [0] = 0;
    for (size_t i = 0; i < count; i++) {
        char one [16];
        notify_offset_format (&offsets [i], one, sizeof (one));
        if (i)
            strcat (text, " ");
        strcat (text, one);
    }
    return text;
}


//  The offsets staff gives a kind, before phase ends or before meetings,
//  as text
static void
s_assert_offsets (notify_staff_t *staff, const char *kind, bool meetings, const char *expected)
{
    size_t count = 99;
    const notify_offset_t *offsets = meetings? notify_staff_meeting_offsets (staff, kind, &count)
                                             : notify_staff_offsets (staff, kind, &count);
    assert_non_null (offsets);
    assert_string_equal (s_offsets_text (offsets, count), expected);
}

//  --------------------------------------------------------------------------
//  Channels and offsets

static void
test_channels (void **state)
{
    const char *names [] = { "file", "smtp", "webhook" };
    for (int i = 0; i < 3; i++) {
        notify_channel_t channel = (notify_channel_t) -1;
        assert_int_equal (notify_channel_parse (names [i], &channel), 0);
        assert_int_equal (channel, (notify_channel_t) i);
        assert_string_equal (notify_channel_name (channel), names [i]);
    }
    notify_channel_t channel = NOTIFY_CHANNEL_SMTP;
    assert_int_equal (notify_channel_parse ("SMTP", &channel), -1);
    assert_int_equal (notify_channel_parse ("mail", &channel), -1);
    assert_int_equal (notify_channel_parse ("", &channel), -1);
    assert_int_equal (notify_channel_parse (NULL, &channel), -1);
    assert_int_equal (channel, NOTIFY_CHANNEL_SMTP);     //  untouched
}

static void
test_offsets (void **state)
{
    notify_offset_t offsets [NOTIFY_OFFSETS_MAX];
    assert_int_equal (notify_offsets_parse ("14d 7d 1d 1h", offsets, NOTIFY_OFFSETS_MAX), 4);
    assert_int_equal (offsets [0].amount, 14);
    assert_int_equal (offsets [0].unit, 'd');
    assert_int_equal (offsets [3].amount, 1);
    assert_int_equal (offsets [3].unit, 'h');
    assert_string_equal (s_offsets_text (offsets, 4), "14d 7d 1d 1h");

    //  Round trip at the bounds, whitespace of any kind between
    assert_int_equal (notify_offsets_parse ("  366d\t8784h 1h 1d 24h 2d 48h 3d ", offsets,
                                            NOTIFY_OFFSETS_MAX), 8);
    const char *text = s_offsets_text (offsets, 8);
    assert_string_equal (text, "366d 8784h 1h 1d 24h 2d 48h 3d");
    notify_offset_t again [NOTIFY_OFFSETS_MAX];
    assert_int_equal (notify_offsets_parse (text, again, NOTIFY_OFFSETS_MAX), 8);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal (again [i].amount, offsets [i].amount);
        assert_int_equal (again [i].unit, offsets [i].unit);
    }

    //  None at all is a list too: a kind without reminders
    assert_int_equal (notify_offsets_parse ("", offsets, NOTIFY_OFFSETS_MAX), 0);
    assert_int_equal (notify_offsets_parse (" ", offsets, NOTIFY_OFFSETS_MAX), 0);
    //  max is kept
    assert_int_equal (notify_offsets_parse ("1d 2d", offsets, 2), 2);
    assert_int_equal (notify_offsets_parse ("1d 2d 3d", offsets, 2), -1);

    const char *malformed [] = {
        "7", "d", "7 d", "0d", "0h", "367d", "8785h", "99999d", "7x", "7D", "7dd",
        "7d7d", "7d,1h", "-1d", "+1d", "1.5d", "07d", "7d 7d", "1h 2h 1h",
        "1d 2d 3d 4d 5d 6d 7d 8d 9d", "seven days", NULL
    };
    for (size_t i = 0; malformed [i]; i++)
        if (notify_offsets_parse (malformed [i], offsets, NOTIFY_OFFSETS_MAX) != -1)
            fail_msg ("'%s' accepted", malformed [i]);
    assert_int_equal (notify_offsets_parse (NULL, offsets, NOTIFY_OFFSETS_MAX), -1);

    char buffer [8];
    notify_offset_t week = { 7, 'd' };
    notify_offset_format (&week, buffer, sizeof (buffer));
    assert_string_equal (buffer, "7d");
}


//  --------------------------------------------------------------------------
//  The shipped file

static void
test_shipped (void **state)
{
    char *error = NULL;
    wsis_calendar_t *calendar = wsis_calendar_load (CALENDAR_FILE, &error);
    assert_non_null (calendar);
    notify_staff_t *staff = notify_staff_load (STAFF_FILE, calendar, true, &error);
    if (!staff)
        fail_msg ("%s", error);
    assert_null (error);

    assert_int_equal (notify_staff_size (staff), 3);
    const notify_staff_member_t *prizes = notify_staff_at (staff, 0);
    assert_string_equal (prizes->name, "WSIS Prizes team");
    assert_string_equal (prizes->email, "wsis-prizes@example.org");
    assert_int_equal (prizes->channel, NOTIFY_CHANNEL_FILE);
    assert_null (prizes->url);
    assert_null (prizes->secret);
    assert_int_equal (prizes->follow_count, 2);
    assert_string_equal (prizes->follows [0], "kind:prize");
    assert_string_equal (prizes->follows [1], "kind:photo");
    assert_null (notify_staff_at (staff, 3));
    assert_ptr_equal (notify_staff_find (staff, "wsis-stocktaking@example.org"),
                      notify_staff_at (staff, 1));
    assert_null (notify_staff_find (staff, "nobody@example.org"));
    assert_null (notify_staff_find (staff, NULL));

    //  Who follows what: by kind, so the 2027 edition as much as 2022's
    const char *ids [] = { "prizes-2022", "ocp-2022", "photo-2022", "hltf-2022",
                           "stocktaking-2022", "trendsetters-2021", "women-in-tech",
                           "prizes-2027", "ocp-2027", "photo-2027", "hltf-2027",
                           "stocktaking-2027", "trendsetters-2026" };
    bool prizes_team [] = { true, false, true, false, false, false, false,
                            true, false, true, false, false, false };
    bool stocktaking_team [] = { false, false, false, false, true, false, false,
                                 false, false, false, false, true, false };
    assert_int_equal (wsis_calendar_size (calendar), 13);
    for (size_t i = 0; i < 13; i++) {
        const wsis_call_t *call = wsis_calendar_call (calendar, ids [i]);
        assert_non_null (call);
        assert_int_equal (notify_staff_follows (prizes, call), prizes_team [i]);
        assert_int_equal (notify_staff_follows (notify_staff_at (staff, 1), call),
                          stocktaking_team [i]);
        assert_true (notify_staff_follows (notify_staff_at (staff, 2), call));
    }

    //  The "*" section writes the defaults out
    s_assert_offsets (staff, "prize", false, "14d 7d 1d 1h");
    s_assert_offsets (staff, "ocp", true, "1d 1h");

    notify_staff_destroy (&staff);
    assert_null (staff);
    notify_staff_destroy (&staff);              //  NULL is fine
    wsis_calendar_destroy (&calendar);
}

static void
test_follows (void **state)
{
    wsis_calendar_t *calendar = s_calendar (s_calendar_text);
    const char *ids [] = { "prizes-2023", "photo-2023", "ocp-2022", "talks-12023" };
    notify_staff_t *staff = s_staff (
        MEMBER ("kind:photo") MEMBER ("edition:2023") MEMBER ("edition:2022")
        MEMBER ("*") MEMBER ("ocp-2022") MEMBER ("edition:2024 kind:prize")
        MEMBER ("photo-2023 prizes-2023") MEMBER ("kind:ocp"), calendar, false);
    //  Each member, and whether it follows each call of ids
    const bool expected [8][4] = {
        { false, true, false, false },          //  kind:photo
        { true, true, false, false },           //  edition:2023, not -12023
        { false, false, true, false },          //  edition:2022
        { true, true, true, true },             //  *
        { false, false, true, false },          //  an id
        { true, false, false, false },          //  no 2024 call yet; kind:prize
        { true, true, false, false },           //  two ids
        { false, false, true, true },           //  kind:ocp
    };
    assert_int_equal (notify_staff_size (staff), 8);
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 4; j++) {
            const wsis_call_t *call = wsis_calendar_call (calendar, ids [j]);
            assert_non_null (call);
            if (notify_staff_follows (notify_staff_at (staff, i), call) != expected [i][j])
                fail_msg ("member %zu and %s", i + 1, ids [j]);
        }
    notify_staff_destroy (&staff);
    wsis_calendar_destroy (&calendar);
}

static void
test_require_all (void **state)
{
    wsis_calendar_t *calendar = s_calendar (s_calendar_text);
    const char *text = MEMBER ("prizes-2023 kind:ocp");
    //  photo-2023 has nobody: fine unless every call must be followed
    notify_staff_t *staff = s_staff (text, calendar, false);
    notify_staff_destroy (&staff);
    s_assert_refused (text, calendar, true, "(staff text): ",
                      "call 'photo-2023' is followed by no one");
    //  A second member who takes it is enough
    staff = s_staff (MEMBER ("prizes-2023 kind:ocp") MEMBER ("edition:2023"), calendar, true);
    notify_staff_destroy (&staff);
    wsis_calendar_destroy (&calendar);
}


//  --------------------------------------------------------------------------
//  Reminder offsets

static void
test_reminder_offsets (void **state)
{
    wsis_calendar_t *calendar = s_calendar (s_calendar_text);

    //  No section: the defaults
    notify_staff_t *staff = s_staff (MEMBER ("*"), calendar, true);
    s_assert_offsets (staff, "prize", false, "14d 7d 1d 1h");
    s_assert_offsets (staff, "ocp", true, "1d 1h");
    notify_staff_destroy (&staff);

    //  A kind's own section, else "*", list by list, else the defaults
    staff = s_staff (MEMBER ("*")
                     "reminders\n    kind = photo\n    before = \"2d 3h\"\n"
                     "reminders\n    kind = \"*\"\n    before = \"5d\"\n"
                     "reminders\n    kind = ocp\n    meetings = \"30h\"\n"
                     "reminders\n    kind = prize\n    before = \"\"\n"
                     "    meetings = \"2h\"\n", calendar, true);
    struct {
        const char *kind;
        bool meetings;
        const char *expected;
    } cases [] = {
        { "photo", false, "2d 3h" },            //  its own
        { "ocp", false, "5d" },                 //  its own gives meetings only
        { "hltf", false, "5d" },                //  no section: "*"
        { NULL, false, "5d" },
        { "prize", false, "" },                 //  none at all
        { "ocp", true, "30h" },
        { "prize", true, "2h" },
        { "photo", true, "1d 1h" },             //  "*" gives no meetings: defaults
    };
    for (size_t i = 0; i < sizeof (cases) / sizeof (cases [0]); i++)
        s_assert_offsets (staff, cases [i].kind, cases [i].meetings, cases [i].expected);
    notify_staff_destroy (&staff);
    wsis_calendar_destroy (&calendar);
}


//  --------------------------------------------------------------------------
//  Refused files

static void
test_refused (void **state)
{
    wsis_calendar_t *calendar = s_calendar (s_calendar_text);
    const char *head = "staff\n    name = \"Team\"\n";

    s_assert_refused (MEMBER ("*") "    emial = team@example.org\n", calendar, false,
                      "(staff text): staff 1: ", "unknown key 'emial'");
    s_assert_refused ("staff\n    email = team@example.org\n    calls = \"*\"\n",
                      calendar, false, "staff 1: ", "name missing");
    s_assert_refused ("staff\n    name =\n    email = team@example.org\n    calls = \"*\"\n",
                      calendar, false, "staff 1: ", "name missing");
    s_assert_refused (MEMBER ("*") "staff\n    name = \"Other\"\n    calls = \"*\"\n",
                      calendar, false, "staff 2: ", "email missing");
    s_assert_refused (MEMBER ("*") MEMBER ("*")
                      "staff\n    name = x\n    email = \"team at example.org\"\n"
                      "    calls = \"*\"\n", calendar, false,
                      "staff 3: ", "email 'team at example.org' is not an e-mail address");
    s_assert_refused (MEMBER ("*") "    channel = pigeon\n", calendar, false,
                      "staff 1: ", "channel 'pigeon' is not file, smtp or webhook");
    s_assert_refused (MEMBER ("*") "    channel = webhook\n    secret_file = /dev/null\n",
                      calendar, false, "staff 1: ", "webhook without url");
    s_assert_refused (MEMBER ("*") "    channel = webhook\n"
                      "    url = https://hooks.example.org/wsis\n",
                      calendar, false, "staff 1: ", "webhook without secret_file");
    s_assert_refused (MEMBER ("*") "    channel = webhook\n    url = ftp://hooks.example.org\n"
                      "    secret_file = /dev/null\n",
                      calendar, false, "staff 1: ", "url 'ftp://hooks.example.org'");
    s_assert_refused (MEMBER ("*") "    channel = smtp\n    url = https://hooks.example.org\n",
                      calendar, false, "staff 1: ", "url is only for channel webhook, not smtp");
    s_assert_refused (MEMBER ("*") "    secret_file = hook.secret\n", calendar, false,
                      "staff 1: ", "secret_file is only for channel webhook, not file");
    s_assert_refused ("staff\n    name = Hook\n    email = \"two words\"\n"
                      "    calls = \"*\"\n    channel = webhook\n", calendar, false,
                      "staff 1: ", "email 'two words' is not a label");

    //  calls: every entry must mean something in this calendar
    s_assert_refused (MEMBER ("prizes-2023 prizes-2032"), calendar, false,
                      "staff 1: ", "calls: 'prizes-2032' is neither a call");
    s_assert_refused (MEMBER ("kind:prizes"), calendar, false,
                      "staff 1: ", "calls: 'kind:prizes'");
    s_assert_refused (MEMBER ("kind:hltf"), calendar, false, "staff 1: ", "'kind:hltf'");
    s_assert_refused (MEMBER ("kind:"), calendar, false, "staff 1: ", "'kind:'");
    s_assert_refused (MEMBER ("edition:23"), calendar, false, "staff 1: ", "'edition:23'");
    s_assert_refused (MEMBER ("edition:20233"), calendar, false, "staff 1: ", "'edition:20233'");
    s_assert_refused (MEMBER ("edition:202x"), calendar, false, "staff 1: ", "'edition:202x'");
    s_assert_refused (MEMBER ("all"), calendar, false, "staff 1: ", "calls: 'all'");
    s_assert_refused (MEMBER ("**"), calendar, false, "staff 1: ", "calls: '**'");
    s_assert_refused (MEMBER (""), calendar, false, "staff 1: ", "calls missing");
    s_assert_refused ("staff\n    name = x\n    email = team@example.org\n", calendar, false,
                      "staff 1: ", "calls missing");

    //  The shape of the file
    s_assert_refused (MEMBER ("*") "    name = \"Again\"\n", calendar, false,
                      "staff 1: ", "name is given twice");
    s_assert_refused (MEMBER ("*") "    channel\n        kind = smtp\n", calendar, false,
                      "staff 1: ", "channel takes a value, not a section");
    s_assert_refused (MEMBER ("*") "team\n    name = x\n", calendar, false,
                      "(staff text): ", "unknown entry 'team'");
    s_assert_refused ("staff = everyone\n" MEMBER ("*"), calendar, false,
                      "(staff text): ", "unknown entry 'staff'");
    s_assert_refused ("#   nobody\n", calendar, false, "(staff text): ", "no staff section");
    s_assert_refused ("reminders\n    kind = \"*\"\n    before = 1d\n", calendar, false,
                      "(staff text): ", "no staff section");
    s_assert_refused (head, calendar, false, "staff 1: ", "email missing");
    s_assert_refused ("staff\n   name = x\n", calendar, false, "(staff text): ",
                      "not valid ZPL");

    //  reminders sections
    s_assert_refused (MEMBER ("*") "reminders\n    kind = prize\n    before = \"7 days\"\n",
                      calendar, false, "reminders 1: ", "before '7 days' is not");
    s_assert_refused (MEMBER ("*") "reminders\n    kind = prize\n    before = 1d\n"
                      "reminders\n    kind = \"*\"\n    meetings = \"1h 1h\"\n",
                      calendar, false, "reminders 2: ", "meetings '1h 1h' is not");
    s_assert_refused (MEMBER ("*") "reminders\n    kind = prizes\n    before = 1d\n",
                      calendar, false, "reminders 1: ",
                      "kind 'prizes' is the kind of no call of the calendar");
    s_assert_refused (MEMBER ("*") "reminders\n    before = 1d\n",
                      calendar, false, "reminders 1: ", "kind missing");
    s_assert_refused (MEMBER ("*") "reminders\n    kind = prize\n",
                      calendar, false, "reminders 1: ", "neither before nor meetings");
    s_assert_refused (MEMBER ("*") "reminders\n    kind = prize\n    after = 1d\n",
                      calendar, false, "reminders 1: ", "unknown key 'after'");
    s_assert_refused (MEMBER ("*") "reminders\n    kind = photo\n    before = 1d\n"
                      "reminders\n    kind = photo\n    meetings = 1h\n",
                      calendar, false, "reminders 2: ", "kind 'photo' has an earlier");

    //  A NULL error pointer is allowed on both paths
    assert_null (notify_staff_parse (head, calendar, false, NULL));
    notify_staff_t *staff = notify_staff_parse (MEMBER ("*"), calendar, true, NULL);
    assert_non_null (staff);
    notify_staff_destroy (&staff);
    wsis_calendar_destroy (&calendar);
}


//  --------------------------------------------------------------------------
//  Files: the staff file itself, webhook secrets

static void
s_write_bytes (const char *path, const char *bytes, size_t size)
{
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    assert_int_equal (fwrite (bytes, 1, size, file), size);
    assert_int_equal (fclose (file), 0);
}

static void
s_write (const char *path, const char *text)
{
    s_write_bytes (path, text, strlen (text));
}

//  A webhook member whose secret is in path must be refused with a line
//  that names the file and then says fault
static void
s_assert_secret_refused (wsis_calendar_t *calendar, const char *path, const char *fault)
{
    char *text = zsys_sprintf ("staff\n    name = Hooks\n    email = hooks\n"
                               "    calls = \"*\"\n    channel = webhook\n"
                               "    url = https://hooks.example.org/\n"
                               "    secret_file = \"%s\"\n", path);
    char *expected = zsys_sprintf ("secret_file '%s' %s", path, fault);
    s_assert_refused (text, calendar, false, "staff 1: ", expected);
    zstr_free (&text);
    zstr_free (&expected);
}

static void
test_files (void **state)
{
    wsis_calendar_t *calendar = s_calendar (s_calendar_text);
    char dir [64];
    assert_int_equal (test_tempdir_make (dir, sizeof (dir), "notify_staff"), 0);
    char secret_path [128], staff_path [128], missing_path [128], empty_path [128];
    snprintf (secret_path, sizeof (secret_path), "%s/hook.secret", dir);
    snprintf (staff_path, sizeof (staff_path), "%s/staff.cfg", dir);
    snprintf (missing_path, sizeof (missing_path), "%s/missing.secret", dir);
    snprintf (empty_path, sizeof (empty_path), "%s/empty.secret", dir);
    s_write (secret_path, "s3cret key\n");
    s_write (empty_path, " \n");

    //  The secret comes from its file, without the line end
    char *text = zsys_sprintf ("staff\n    name = Hooks\n    email = hooks-2023\n"
                               "    calls = \"*\"\n    channel = webhook\n"
                               "    url = https://hooks.example.org/wsis\n"
                               "    secret_file = \"%s\"\n", secret_path);
    s_write (staff_path, text);
    char *error = NULL;
    notify_staff_t *staff = notify_staff_load (staff_path, calendar, true, &error);
    if (!staff)
        fail_msg ("%s", error);
    const notify_staff_member_t *hooks = notify_staff_at (staff, 0);
    assert_int_equal (hooks->channel, NOTIFY_CHANNEL_WEBHOOK);
    assert_string_equal (hooks->email, "hooks-2023");
    assert_string_equal (hooks->url, "https://hooks.example.org/wsis");
    assert_string_equal (hooks->secret, "s3cret key");
    notify_staff_destroy (&staff);
    zstr_free (&text);

    //  A secret that cannot be read, is empty or is not text names its file
    s_assert_secret_refused (calendar, missing_path, "cannot be read: No such file");
    s_assert_secret_refused (calendar, dir, "cannot be read: Is a directory");
    s_assert_secret_refused (calendar, empty_path, "is empty");
    s_write_bytes (empty_path, "key\0more", 8);
    s_assert_secret_refused (calendar, empty_path, "holds a NUL byte");
    char *longest = (char *) calloc (1, 4098);
    memset (longest, 'k', 4096);
    s_write (empty_path, longest);
    text = zsys_sprintf ("staff\n    name = Hooks\n    email = hooks\n    calls = \"*\"\n"
                         "    channel = webhook\n    url = http://127.0.0.1:8080/\n"
                         "    secret_file = \"%s\"\n", empty_path);
    staff = s_staff (text, calendar, false);
    assert_int_equal (strlen (notify_staff_at (staff, 0)->secret), 4096);
    notify_staff_destroy (&staff);
    zstr_free (&text);
    longest [4096] = 'k';
    s_write (empty_path, longest);
    free (longest);
    s_assert_secret_refused (calendar, empty_path, "is longer than 4096 bytes");

    //  Errors of a file name the file
    s_write (staff_path, MEMBER ("prizes-2023"));
    assert_null (notify_staff_load (staff_path, calendar, true, &error));
    assert_non_null (strstr (error, staff_path));
    assert_non_null (strstr (error, "call 'photo-2023' is followed by no one"));
    zstr_free (&error);
    s_write (staff_path, "staff\n  name = x\n");
    assert_null (notify_staff_load (staff_path, calendar, true, &error));
    assert_non_null (strstr (error, "not valid ZPL"));
    assert_non_null (strstr (error, staff_path));
    zstr_free (&error);
    assert_null (notify_staff_load (missing_path, calendar, true, &error));
    assert_non_null (strstr (error, missing_path));
    assert_non_null (strstr (error, "cannot read: No such file"));
    zstr_free (&error);
    s_write_bytes (staff_path, MEMBER ("*") "\0", sizeof (MEMBER ("*")));
    assert_null (notify_staff_load (staff_path, calendar, true, &error));
    assert_non_null (strstr (error, "holds a NUL byte"));
    zstr_free (&error);
    s_write (staff_path, "");
    assert_null (notify_staff_load (staff_path, calendar, true, &error));
    assert_non_null (strstr (error, "no staff section"));
    zstr_free (&error);
    s_write (staff_path, MEMBER ("*"));
    staff = notify_staff_load (staff_path, calendar, true, &error);
    assert_non_null (staff);
    notify_staff_destroy (&staff);

    wsis_calendar_destroy (&calendar);
    assert_int_equal (test_tempdir_remove (dir), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_channels),
        cmocka_unit_test (test_offsets),
        cmocka_unit_test (test_shipped),
        cmocka_unit_test (test_follows),
        cmocka_unit_test (test_require_all),
        cmocka_unit_test (test_reminder_offsets),
        cmocka_unit_test (test_refused),
        cmocka_unit_test (test_files),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
