/*  test_wsis_config: the one table of options, a ZPL file, the environment.

    Every bad value must stop the program with one line naming the option
    (an operator reads it in a container log), so most tests here are
    about errors: unknown options, out-of-bounds and non-integer values,
    bad booleans and clocks, a missing or unparsable file, a bad
    environment variable. The WSIS_* variables of the calling environment
    are saved and cleared around each test, and restored after.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_config.h"
#include "test_support.h"

//  CZMQ 4.2's zconfig_load leaks its zfile_t when the file does not parse
//  (a failure that ends the program anyway); LeakSanitizer is told so here
//  rather than by dropping the test of that error path.
const char *__lsan_default_suppressions (void);
const char *
__lsan_default_suppressions (void)
{
    return "leak:zfile_new\n";
}

static const char *const s_env_names [] = {
    "WSIS_DATA_DIR", "WSIS_CALENDAR", "WSIS_STAFF", "WSIS_CLOCK", "WSIS_BUS",
    "WSIS_SUBMISSIONS_HOST", "WSIS_NOMINATIONS_HOST", "WSIS_VOTING_HOST",
    "WSIS_NOTIFICATIONS_HOST", "WSIS_REPORTING_HOST"
};
#define ENV_COUNT (sizeof (s_env_names) / sizeof (s_env_names [0]))

typedef struct {
    char dir [64];
    char path [128];            //  dir/wsis.cfg, written by s_write
    char *saved [ENV_COUNT];    //  the caller's environment
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!fixture)
        return -1;
    if (test_tempdir_make (fixture->dir, sizeof fixture->dir, "test_wsis_config"))
        return -1;
    snprintf (fixture->path, sizeof fixture->path, "%s/wsis.cfg", fixture->dir);
    for (size_t index = 0; index < ENV_COUNT; index++) {
        const char *value = getenv (s_env_names [index]);
        fixture->saved [index] = value? strdup (value): NULL;
        unsetenv (s_env_names [index]);
    }
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    for (size_t index = 0; index < ENV_COUNT; index++) {
        if (fixture->saved [index])
            setenv (s_env_names [index], fixture->saved [index], 1);
        else
            unsetenv (s_env_names [index]);
        free (fixture->saved [index]);
    }
    int rc = test_tempdir_remove (fixture->dir);
    free (fixture);
    return rc;
}

static const char *
s_write (fixture_t *fixture, const char *text)
{
    FILE *file = fopen (fixture->path, "w");
    assert_non_null (file);
    fputs (text, file);
    fclose (file);
    return fixture->path;
}

static wsis_config_t *
s_load (const char *path)
{
    char *error = NULL;
    wsis_config_t *config = wsis_config_load (path, &error);
    if (!config)
        print_error ("unexpected error: %s\n", error? error: "(none)");
    assert_non_null (config);
    assert_null (error);
    return config;
}

//  Loading fails with one line that contains each of the expected
//  phrases (up to three; NULL ends)
static void
s_load_fails (const char *path, const char *first, const char *second, const char *third)
{
    char *error = NULL;
    wsis_config_t *config = wsis_config_load (path, &error);
    assert_null (config);
    assert_non_null (error);
    assert_null (strchr (error, '\n'));
    const char *phrases [] = { first, second, third };
    for (size_t index = 0; index < 3; index++)
        if (phrases [index] && !strstr (error, phrases [index])) {
            print_error ("'%s' lacks '%s'\n", error, phrases [index]);
            fail ();
        }
    free (error);
}

//  The endpoint of a service's port option, to bind or to connect
static void
s_expect_endpoint (wsis_config_t *config, const char *service, const char *port,
                   bool bind, const char *expected)
{
    char *endpoint = wsis_config_endpoint (config, service, port, bind);
    assert_string_equal (endpoint, expected);
    free (endpoint);
}


//  --------------------------------------------------------------------------

static void
test_defaults (void **state)
{
    wsis_config_t *config = s_load (NULL);
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "var");
    assert_string_equal (wsis_config_str (config, "wsis/calendar"), "configs/calendar.cfg");
    assert_string_equal (wsis_config_str (config, "wsis/clock"), "real");
    assert_int_equal (wsis_config_int (config, "wsis/heartbeat_ms"), 1000);
    assert_int_equal (wsis_config_int (config, "wsis/max_request"), 6291456);
    assert_int_equal (wsis_config_int (config, "wsis/catchup_page"), 1000);
    assert_int_equal (wsis_config_int (config, "wsis/replies_ttl_s"), 86400);
    assert_int_equal (wsis_config_int (config, "bus/xsub_port"), 5550);
    assert_int_equal (wsis_config_int (config, "bus/xpub_port"), 5551);
    assert_int_equal (wsis_config_int (config, "bus/port"), 5552);
    assert_int_equal (wsis_config_int (config, "submissions/port"), 5560);
    assert_int_equal (wsis_config_int (config, "nominations/port"), 5561);
    assert_int_equal (wsis_config_int (config, "voting/port"), 5562);
    assert_int_equal (wsis_config_int (config, "notifications/port"), 5563);
    assert_int_equal (wsis_config_int (config, "reporting/port"), 5564);
    assert_int_equal (wsis_config_int (config, "nominations/max_nominated"), 20);
    assert_string_equal (wsis_config_str (config, "bus/host"), "127.0.0.1");
    assert_string_equal (wsis_config_str (config, "voting/host"), "127.0.0.1");
    assert_false (wsis_config_bool (config, "voting/complete_ballot_required"));
    wsis_config_destroy (&config);
    assert_null (config);
    wsis_config_destroy (&config);
    wsis_config_destroy (NULL);
}

static void
test_file (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    const char *path = s_write (fixture,
        "#   A comment\n"
        "wsis\n"
        "    data_dir = \"/srv/wsis data\"\n"
        "    clock = manual\n"
        "    heartbeat_ms = 5000\n"
        "    batch_max = 1\n"
        "voting\n"
        "    port = 6000\n"
        "    host = voting.internal\n"
        "    complete_ballot_required = true\n"
        "bus\n"
        "    xsub_port = 65535\n");
    wsis_config_t *config = s_load (path);
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "/srv/wsis data");
    assert_string_equal (wsis_config_str (config, "wsis/clock"), "manual");
    assert_int_equal (wsis_config_int (config, "wsis/heartbeat_ms"), 5000);
    assert_int_equal (wsis_config_int (config, "wsis/batch_max"), 1);
    assert_int_equal (wsis_config_int (config, "voting/port"), 6000);
    assert_string_equal (wsis_config_str (config, "voting/host"), "voting.internal");
    assert_true (wsis_config_bool (config, "voting/complete_ballot_required"));
    assert_int_equal (wsis_config_int (config, "bus/xsub_port"), 65535);
    //  What the file does not say keeps its default
    assert_int_equal (wsis_config_int (config, "wsis/max_request"), 6291456);
    assert_int_equal (wsis_config_int (config, "submissions/port"), 5560);
    wsis_config_destroy (&config);

    //  Booleans: true/false/1/0
    const char *values [] = { "false", "0", "1", "true" };
    for (size_t index = 0; index < 4; index++) {
        char text [128];
        snprintf (text, sizeof text, "voting\n    complete_ballot_required = %s\n", values [index]);
        config = s_load (s_write (fixture, text));
        assert_int_equal (wsis_config_bool (config, "voting/complete_ballot_required"), index >= 2);
        wsis_config_destroy (&config);
    }

    //  An empty file and an empty section are fine
    config = s_load (s_write (fixture, ""));
    assert_int_equal (wsis_config_int (config, "voting/port"), 5562);
    wsis_config_destroy (&config);
    config = s_load (s_write (fixture, "voting\n"));
    wsis_config_destroy (&config);
}

static void
test_unknown_option (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_load_fails (s_write (fixture, "wsis\n    nonsense = 1\n"),
                  "unknown option", "'wsis/nonsense'", fixture->path);
    //  A known name in the wrong section
    s_load_fails (s_write (fixture, "voting\n    heartbeat_ms = 1000\n"),
                  "unknown option", "voting/heartbeat_ms", NULL);
    //  A section that does not exist
    s_load_fails (s_write (fixture, "elections\n    port = 6000\n"),
                  "unknown option", "elections/port", NULL);
    //  A value at the top level
    s_load_fails (s_write (fixture, "heartbeat_ms = 1000\n"),
                  "unknown option", "heartbeat_ms", NULL);
    //  A level too deep
    s_load_fails (s_write (fixture, "wsis\n    data_dir = var\n        inner = 1\n"),
                  "unknown option", "wsis/data_dir", NULL);
    //  Case matters
    s_load_fails (s_write (fixture, "Voting\n    port = 6000\n"),
                  "unknown option", "Voting/port", NULL);
}

static void
test_bad_values (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    struct {
        const char *text;
        const char *option;
        const char *why;
    } cases [] = {
        { "wsis\n    heartbeat_ms = 99\n", "wsis/heartbeat_ms", "out of bounds" },
        { "wsis\n    heartbeat_ms = 5001\n", "wsis/heartbeat_ms", "out of bounds" },
        { "wsis\n    heartbeat_ms = -1000\n", "wsis/heartbeat_ms", "out of bounds" },
        { "voting\n    port = 0\n", "voting/port", "out of bounds" },
        { "voting\n    port = 65536\n", "voting/port", "out of bounds" },
        { "voting\n    port = 99999999999999999999999\n", "voting/port", "not an integer" },
        { "voting\n    port = 12abc\n", "voting/port", "not an integer" },
        { "voting\n    port = 1.5\n", "voting/port", "not an integer" },
        { "voting\n    port = \"\"\n", "voting/port", "not an integer" },
        { "voting\n    port\n", "voting/port", "not an integer" },
        { "voting\n    port = five\n", "voting/port", "not an integer" },
        { "wsis\n    batch_max = 0\n", "wsis/batch_max", "out of bounds" },
        { "voting\n    complete_ballot_required = yes\n",
          "voting/complete_ballot_required", "true/false" },
        { "voting\n    complete_ballot_required = TRUE\n",
          "voting/complete_ballot_required", "true/false" },
        { "voting\n    complete_ballot_required = 2\n",
          "voting/complete_ballot_required", "true/false" },
        { "wsis\n    clock = fast\n", "wsis/clock", "real or manual" },
        { "wsis\n    clock = Manual\n", "wsis/clock", "real or manual" },
        { "wsis\n    clock = x\n", "wsis/clock", "wsis/clock" },
        { "wsis\n    clock = manually\n", "wsis/clock", "wsis/clock" },
        { "wsis\n    data_dir = \"\"\n", "wsis/data_dir", "bad length" },
    };
    for (size_t index = 0; index < sizeof cases / sizeof cases [0]; index++)
        s_load_fails (s_write (fixture, cases [index].text),
                      cases [index].option, cases [index].why, fixture->path);

    //  A 254-character host is too long (DNS names are at most 253)
    char text [400];
    char host [255];
    memset (host, 'h', sizeof host - 1);
    host [sizeof host - 1] = 0;
    snprintf (text, sizeof text, "bus\n    host = %s\n", host);
    s_load_fails (s_write (fixture, text), "bus/host", "bad length", NULL);
    host [253] = 0;
    snprintf (text, sizeof text, "bus\n    host = %s\n", host);
    wsis_config_t *config = s_load (s_write (fixture, text));
    assert_int_equal (strlen (wsis_config_str (config, "bus/host")), 253);
    wsis_config_destroy (&config);

    //  The first bad value stops loading, after good ones
    s_load_fails (s_write (fixture, "wsis\n    batch_max = 10\n    heartbeat_ms = 1\n"),
                  "wsis/heartbeat_ms", NULL, NULL);
}

static void
test_environment (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    const char *path = s_write (fixture,
        "wsis\n"
        "    data_dir = from-file\n"
        "bus\n"
        "    host = bus-from-file\n");
    setenv ("WSIS_DATA_DIR", "/data", 1);
    setenv ("WSIS_BUS", "bus", 1);
    setenv ("WSIS_VOTING_HOST", "voting", 1);
    setenv ("WSIS_CLOCK", "manual", 1);

    //  The environment overrides the file
    wsis_config_t *config = s_load (path);
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "/data");
    assert_string_equal (wsis_config_str (config, "bus/host"), "bus");
    assert_string_equal (wsis_config_str (config, "voting/host"), "voting");
    assert_string_equal (wsis_config_str (config, "wsis/clock"), "manual");
    assert_string_equal (wsis_config_str (config, "submissions/host"), "127.0.0.1");
    s_expect_endpoint (config, "voting", "port", false, "tcp://voting:5562");
    s_expect_endpoint (config, "bus", "xsub_port", false, "tcp://bus:5550");
    wsis_config_destroy (&config);

    //  And the defaults, without a file
    config = s_load (NULL);
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "/data");
    wsis_config_destroy (&config);

    //  An empty variable is as good as unset
    setenv ("WSIS_DATA_DIR", "", 1);
    config = s_load (NULL);
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "var");
    wsis_config_destroy (&config);

    //  A bad value from the environment names the variable and the option
    setenv ("WSIS_CLOCK", "sometimes", 1);
    s_load_fails (NULL, "WSIS_CLOCK", "wsis/clock", "sometimes");
    unsetenv ("WSIS_CLOCK");

    char host [300];
    memset (host, 'h', sizeof host - 1);
    host [sizeof host - 1] = 0;
    setenv ("WSIS_REPORTING_HOST", host, 1);
    s_load_fails (NULL, "WSIS_REPORTING_HOST", "reporting/host", NULL);

    unsetenv ("WSIS_DATA_DIR");
    unsetenv ("WSIS_BUS");
    unsetenv ("WSIS_VOTING_HOST");
    unsetenv ("WSIS_REPORTING_HOST");
    config = s_load (path);
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "from-file");
    assert_string_equal (wsis_config_str (config, "bus/host"), "bus-from-file");
    assert_string_equal (wsis_config_str (config, "voting/host"), "127.0.0.1");
    assert_string_equal (wsis_config_str (config, "wsis/clock"), "real");
    wsis_config_destroy (&config);
}

static void
test_endpoints (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    wsis_config_t *config = s_load (NULL);
    s_expect_endpoint (config, "voting", "port", true, "tcp://*:5562");
    s_expect_endpoint (config, "voting", "port", false, "tcp://127.0.0.1:5562");
    s_expect_endpoint (config, "bus", "xpub_port", true, "tcp://*:5551");
    s_expect_endpoint (config, "bus", "port", false, "tcp://127.0.0.1:5552");
    wsis_config_destroy (&config);

    //  From the file
    config = s_load (s_write (fixture, "voting\n    port = 7000\n    host = host\n"));
    s_expect_endpoint (config, "voting", "port", true, "tcp://*:7000");
    s_expect_endpoint (config, "voting", "port", false, "tcp://host:7000");
    wsis_config_destroy (&config);
}

static void
test_missing_file (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char path [160];
    snprintf (path, sizeof path, "%s/no-such.cfg", fixture->dir);
    s_load_fails (path, path, "cannot read", NULL);
    //  A folder is not a file
    s_load_fails (fixture->dir, fixture->dir, "cannot read", NULL);
    //  A file that is not ZPL: an unterminated quote, a bad indent
    s_load_fails (s_write (fixture, "wsis\n    data_dir = \"var\n"),
                  fixture->path, "cannot read or parse", NULL);
    s_load_fails (s_write (fixture, "wsis\n  data_dir = var\n"),
                  fixture->path, "cannot read or parse", NULL);
}

static void
test_help (void **state)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    assert_non_null (out);
    wsis_config_print_help (out);
    fclose (out);
    assert_non_null (strstr (text, "wsis/heartbeat_ms"));
    assert_non_null (strstr (text, "[100..5000]"));
    assert_non_null (strstr (text, "env WSIS_BUS"));
    assert_non_null (strstr (text, "voting/port"));
    assert_non_null (strstr (text, "5562"));
    free (text);
}


int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_defaults, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_option, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_values, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_environment, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_endpoints, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_missing_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_help, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
