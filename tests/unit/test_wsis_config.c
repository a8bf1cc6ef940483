/*  test_wsis_config: the one table of options, a ZPL file, the environment.

    Every bad value must stop the program with one line naming the option
    (an operator reads it in a container log), so most tests here are
    about errors: unknown options, out-of-bounds and non-integer values,
    bad booleans and clocks, a missing or unparsable file, a bad
    environment variable, a bad value set by a program. Which file is
    loaded follows one rule for every program (-c, else $WSIS_CONFIG,
    else configs/wsis.cfg where the program runs). The WSIS_* variables
    of the calling environment are saved and cleared around each test,
    and restored after, and so is the working directory.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

//  Values every way of setting an option must refuse (the file, and
//  wsis_config_set): the option, the value, a phrase of why
static const struct {
    const char *option;
    const char *text;
    const char *why;
} s_bad_values [] = {
    { "wsis/heartbeat_ms", "99", "out of bounds" },
    { "wsis/heartbeat_ms", "5001", "out of bounds" },
    { "wsis/heartbeat_ms", "-1000", "out of bounds" },
    { "voting/port", "0", "out of bounds" },
    { "voting/port", "65536", "out of bounds" },
    { "voting/port", "99999999999999999999999", "not an integer" },
    { "voting/port", "12abc", "not an integer" },
    { "voting/port", "1.5", "not an integer" },
    { "voting/port", "", "not an integer" },
    { "voting/port", "five", "not an integer" },
    { "wsis/batch_max", "0", "out of bounds" },
    { "voting/complete_ballot_required", "yes", "true/false" },
    { "voting/complete_ballot_required", "TRUE", "true/false" },
    { "voting/complete_ballot_required", "2", "true/false" },
    { "wsis/clock", "fast", "real or manual" },
    { "wsis/clock", "Manual", "real or manual" },
    { "wsis/clock", "x", "wsis/clock" },
    { "wsis/clock", "manually", "wsis/clock" },
    { "wsis/data_dir", "", "bad length" },
};
#define BAD_VALUE_COUNT (sizeof (s_bad_values) / sizeof (s_bad_values [0]))

static const char *const s_env_names [] = {
    "WSIS_DATA_DIR", "WSIS_CALENDAR", "WSIS_STAFF", "WSIS_CLOCK", "WSIS_BUS",
    "WSIS_SUBMISSIONS_HOST", "WSIS_NOMINATIONS_HOST", "WSIS_VOTING_HOST",
    "WSIS_NOTIFICATIONS_HOST", "WSIS_REPORTING_HOST", "WSIS_VOTING_KEY", "WSIS_CONFIG",
    "WSIS_GATEWAY_TRUST_FORWARDED", "WSIS_GATEWAY_STAFF_PORT"
};
#define ENV_COUNT (sizeof (s_env_names) / sizeof (s_env_names [0]))

typedef struct {
    test_store_t base;          //  first: the temp folder, and path = dir/wsis.cfg
                                //  for s_write; no store is opened
    char *saved [ENV_COUNT];    //  the caller's environment
    char cwd [PATH_MAX];        //  the caller's working directory
} fixture_t;

static const test_store_def_t s_fixture = {
    "test_wsis_config", sizeof (fixture_t), NULL, NULL
};

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) test_store_new (&s_fixture, "wsis.cfg");
    if (!fixture)
        return -1;
    *state = fixture;
    if (!getcwd (fixture->cwd, sizeof fixture->cwd))
        return -1;
    for (size_t index = 0; index < ENV_COUNT; index++) {
        const char *value = getenv (s_env_names [index]);
        fixture->saved [index] = value? strdup (value): NULL;
        unsetenv (s_env_names [index]);
    }
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
    //  A test that moved into its folder (test_path) is brought back
    //  here, also when it failed there, and what it made is removed
    int rc = chdir (fixture->cwd);
    char inner [160];
    unlink (test_store_file (&fixture->base, inner, sizeof inner, "configs/wsis.cfg"));
    rmdir (test_store_file (&fixture->base, inner, sizeof inner, "configs"));
    rc |= test_store_teardown (state);
    return rc;
}

static const char *
s_write (fixture_t *fixture, const char *text)
{
    FILE *file = fopen (fixture->base.path, "w");
    assert_non_null (file);
    fputs (text, file);
    fclose (file);
    return fixture->base.path;
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

//  error is one line that contains each of the expected phrases (up to
//  three; NULL ends). Frees it.
static void
s_expect_error (char *error, const char *first, const char *second, const char *third)
{
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

//  Loading fails with one line that contains each of the expected phrases
static void
s_load_fails (const char *path, const char *first, const char *second, const char *third)
{
    char *error = NULL;
    wsis_config_t *config = wsis_config_load (path, &error);
    assert_null (config);
    s_expect_error (error, first, second, third);
}

//  Setting name to text succeeds
static void
s_set (wsis_config_t *config, const char *name, const char *text)
{
    char *error = NULL;
    if (wsis_config_set (config, name, text, &error)) {
        print_error ("setting %s = '%s': %s\n", name, text, error? error: "(no error)");
        free (error);
        fail ();
    }
    assert_null (error);
}

//  Setting name to text is refused with one line naming the option and
//  saying why
static void
s_set_fails (wsis_config_t *config, const char *name, const char *text, const char *why)
{
    char *error = NULL;
    assert_int_equal (wsis_config_set (config, name, text, &error), -1);
    char quoted [128];
    snprintf (quoted, sizeof quoted, "'%s'", name);
    s_expect_error (error, quoted, why, NULL);
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
    assert_int_equal (wsis_config_int (config, "wsis/catchup_page"), 10000);
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
                  "unknown option", "'wsis/nonsense'", fixture->base.path);
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

//  The same rules from text in memory (the fuzz target's way in), with
//  the text named in errors
static void
test_parse (void **state)
{
    char *error = NULL;
    wsis_config_t *config = wsis_config_parse ("wsis\n    heartbeat_ms = 250\nvoting\n    port = 6123\n",
                                               &error);
    assert_non_null (config);
    assert_null (error);
    assert_int_equal (wsis_config_int (config, "wsis/heartbeat_ms"), 250);
    assert_int_equal (wsis_config_int (config, "voting/port"), 6123);
    wsis_config_destroy (&config);

    config = wsis_config_parse ("wsis\n    nonsense = 1\n", &error);
    assert_null (config);
    assert_non_null (strstr (error, "(configuration text): unknown option 'wsis/nonsense'"));
    free (error);
    config = wsis_config_parse ("voting\n    port = 0\n", &error);
    assert_null (config);
    assert_non_null (strstr (error, "voting/port"));
    free (error);
    config = wsis_config_parse ("wsis\n        data_dir = var\n", &error);
    assert_null (config);
    assert_non_null (strstr (error, "cannot parse"));
    free (error);
    //  Empty text: the defaults
    config = wsis_config_parse ("", &error);
    assert_non_null (config);
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "var");
    wsis_config_destroy (&config);
}

static void
test_bad_values (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    //  Each as a file of one section and one option: "section\n
    //  name = value\n", the value bare, or "" when empty
    for (size_t index = 0; index < BAD_VALUE_COUNT; index++) {
        const char *option = s_bad_values [index].option;
        const char *slash = strchr (option, '/');
        const char *value = s_bad_values [index].text;
        char text [256];
        snprintf (text, sizeof text, "%.*s\n    %s = %s\n", (int) (slash - option), option,
                  slash + 1, *value? value: "\"\"");
        s_load_fails (s_write (fixture, text), option, s_bad_values [index].why, fixture->base.path);
    }
    //  A name without a value is an empty one
    s_load_fails (s_write (fixture, "voting\n    port\n"), "voting/port", "not an integer", NULL);

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
    setenv ("WSIS_VOTING_KEY", "/run/secrets/voting.key", 1);
    setenv ("WSIS_GATEWAY_TRUST_FORWARDED", "true", 1);
    setenv ("WSIS_GATEWAY_STAFF_PORT", "8081", 1);

    //  The environment overrides the file
    wsis_config_t *config = s_load (path);
    assert_true (wsis_config_bool (config, "gateway/trust_forwarded"));
    assert_int_equal (wsis_config_int (config, "gateway/staff_port"), 8081);
    assert_string_equal (wsis_config_str (config, "voting/key_file"), "/run/secrets/voting.key");
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "/data");
    assert_string_equal (wsis_config_str (config, "bus/host"), "bus");
    assert_string_equal (wsis_config_str (config, "voting/host"), "voting");
    assert_string_equal (wsis_config_str (config, "wsis/clock"), "manual");
    assert_string_equal (wsis_config_str (config, "submissions/host"), "127.0.0.1");
    s_expect_endpoint (config, "voting", "port", false, "tcp://voting:5562");
    s_expect_endpoint (config, "bus", "xsub_port", false, "tcp://bus:5550");
    wsis_config_destroy (&config);

    unsetenv ("WSIS_VOTING_KEY");

    //  And the defaults, without a file
    config = s_load (NULL);
    assert_string_equal (wsis_config_str (config, "voting/key_file"), "");
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
    //  Development mode listens on loopback only
    wsis_config_t *config = s_load (NULL);
    s_expect_endpoint (config, "voting", "port", true, "tcp://127.0.0.1:5562");
    s_expect_endpoint (config, "voting", "port", false, "tcp://127.0.0.1:5562");
    s_expect_endpoint (config, "bus", "xpub_port", true, "tcp://127.0.0.1:5551");
    s_expect_endpoint (config, "bus", "port", false, "tcp://127.0.0.1:5552");
    char *error = NULL;
    assert_int_equal (wsis_config_check_exposure (config, &error), 0);
    wsis_config_destroy (&config);

    //  From the file; with keys every interface, unless wsis/bind says
    config = s_load (s_write (fixture, "wsis\n    keys = /etc/wsis/keys\n"
                                       "voting\n    port = 7000\n    host = host\n"));
    s_expect_endpoint (config, "voting", "port", true, "tcp://*:7000");
    s_expect_endpoint (config, "voting", "port", false, "tcp://host:7000");
    assert_int_equal (wsis_config_check_exposure (config, &error), 0);
    assert_int_equal (wsis_config_set (config, "wsis/bind", "10.0.0.5", &error), 0);
    s_expect_endpoint (config, "voting", "port", true, "tcp://10.0.0.5:7000");
    wsis_config_destroy (&config);
}

//  Without keys, anything but loopback needs wsis/insecure
static void
test_exposure (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    const char *loopback [] = { "127.0.0.1", "127.1.2.3", "localhost", "::1" };
    for (size_t i = 0; i < 4; i++) {
        wsis_config_t *config = s_load (NULL);
        char *error = NULL;
        assert_int_equal (wsis_config_set (config, "wsis/bind", loopback [i], &error), 0);
        assert_int_equal (wsis_config_check_exposure (config, &error), 0);
        wsis_config_destroy (&config);
    }
    const char *exposed [] = { "*", "0.0.0.0", "10.0.0.5", "wsis.example.org" };
    for (size_t i = 0; i < 4; i++) {
        wsis_config_t *config = s_load (NULL);
        char *error = NULL;
        assert_int_equal (wsis_config_set (config, "wsis/bind", exposed [i], &error), 0);
        assert_int_equal (wsis_config_check_exposure (config, &error), -1);
        s_expect_error (error, exposed [i], "wsis/insecure = true", NULL);
        assert_int_equal (wsis_config_set (config, "wsis/insecure", "true", &error), 0);
        assert_int_equal (wsis_config_check_exposure (config, &error), 0);
        wsis_config_destroy (&config);
    }
    wsis_config_t *config = s_load (s_write (fixture, "wsis\n    bind = 0.0.0.0\n    keys = k\n"));
    char *error = NULL;
    assert_int_equal (wsis_config_check_exposure (config, &error), 0);
    wsis_config_destroy (&config);
}

static void
test_missing_file (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char path [160];
    test_store_file (&fixture->base, path, sizeof path, "no-such.cfg");
    s_load_fails (path, path, "cannot read", NULL);
    //  A folder is not a file
    s_load_fails (fixture->base.dir, fixture->base.dir, "cannot read", NULL);
    //  A file that is not ZPL: an unterminated quote, a bad indent
    s_load_fails (s_write (fixture, "wsis\n    data_dir = \"var\n"),
                  fixture->base.path, "cannot read or parse", NULL);
    s_load_fails (s_write (fixture, "wsis\n  data_dir = var\n"),
                  fixture->base.path, "cannot read or parse", NULL);
}

static void
test_set (void **state)
{
    wsis_config_t *config = s_load (NULL);
    s_set (config, "voting/port", "6000");
    s_set (config, "wsis/data_dir", "/srv/wsis");
    s_set (config, "wsis/clock", "manual");
    s_set (config, "voting/complete_ballot_required", "true");
    assert_int_equal (wsis_config_int (config, "voting/port"), 6000);
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "/srv/wsis");
    assert_string_equal (wsis_config_str (config, "wsis/clock"), "manual");
    assert_true (wsis_config_bool (config, "voting/complete_ballot_required"));
    //  The others keep their defaults
    assert_int_equal (wsis_config_int (config, "bus/port"), 5552);
    assert_string_equal (wsis_config_str (config, "voting/host"), "127.0.0.1");
    //  The bounds themselves are allowed, and a value can be set again
    s_set (config, "wsis/heartbeat_ms", "100");
    assert_int_equal (wsis_config_int (config, "wsis/heartbeat_ms"), 100);
    s_set (config, "wsis/heartbeat_ms", "5000");
    assert_int_equal (wsis_config_int (config, "wsis/heartbeat_ms"), 5000);

    //  Refused, checked like the file's values; the value stays
    s_set_fails (config, "voting/nonsense", "1", "unknown option");
    s_set_fails (config, "heartbeat_ms", "1000", "unknown option");
    s_set_fails (config, "Voting/port", "6000", "unknown option");
    s_set_fails (config, "", "1", "unknown option");
    for (size_t index = 0; index < BAD_VALUE_COUNT; index++)
        s_set_fails (config, s_bad_values [index].option, s_bad_values [index].text,
                     s_bad_values [index].why);
    assert_int_equal (wsis_config_int (config, "voting/port"), 6000);
    assert_int_equal (wsis_config_int (config, "wsis/heartbeat_ms"), 5000);
    assert_string_equal (wsis_config_str (config, "wsis/clock"), "manual");
    assert_string_equal (wsis_config_str (config, "wsis/data_dir"), "/srv/wsis");
    assert_true (wsis_config_bool (config, "voting/complete_ballot_required"));

    //  What is set belongs to that configuration only
    wsis_config_t *other = s_load (NULL);
    assert_int_equal (wsis_config_int (other, "voting/port"), 5562);
    wsis_config_destroy (&other);
    wsis_config_destroy (&config);
}

static void
test_path (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    //  The folder the program runs in has no configs/wsis.cfg
    assert_int_equal (chdir (fixture->base.dir), 0);
    assert_null (wsis_config_path (NULL));
    assert_string_equal (wsis_config_path ("given.cfg"), "given.cfg");
    setenv ("WSIS_CONFIG", "/etc/wsis/from-env.cfg", 1);
    assert_string_equal (wsis_config_path (NULL), "/etc/wsis/from-env.cfg");
    assert_string_equal (wsis_config_path ("given.cfg"), "given.cfg");
    //  An empty variable is as good as unset
    setenv ("WSIS_CONFIG", "", 1);
    assert_null (wsis_config_path (NULL));

    //  The folder configs alone is not a file
    assert_int_equal (mkdir ("configs", 0700), 0);
    assert_null (wsis_config_path (NULL));
    FILE *file = fopen ("configs/wsis.cfg", "w");
    assert_non_null (file);
    fputs ("voting\n    port = 6001\n", file);
    fclose (file);
    const char *path = wsis_config_path (NULL);
    assert_non_null (path);
    assert_string_equal (path, "configs/wsis.cfg");
    wsis_config_t *config = s_load (path);
    assert_int_equal (wsis_config_int (config, "voting/port"), 6001);
    wsis_config_destroy (&config);

    //  Found there, it still gives way to the variable and to -c
    setenv ("WSIS_CONFIG", "/etc/wsis/from-env.cfg", 1);
    assert_string_equal (wsis_config_path (NULL), "/etc/wsis/from-env.cfg");
    assert_string_equal (wsis_config_path ("given.cfg"), "given.cfg");
    //  teardown goes back to the first folder and removes configs/
}

static void
test_services (void **state)
{
    wsis_config_t *config = s_load (NULL);
    //  The bus starts first: every other service publishes through it
    assert_string_equal (wsis_config_services [0], "bus");
    //  Every service has a command port and a host; no two ports meet,
    //  the bus's two event ports included
    int64_t ports [16];
    ports [0] = wsis_config_int (config, "bus/xsub_port");
    ports [1] = wsis_config_int (config, "bus/xpub_port");
    size_t port_count = 2;
    size_t count = 0;
    for (; wsis_config_services [count]; count++) {
        const char *name = wsis_config_services [count];
        assert_true (wsis_config_service_known (name));
        char option [64];
        snprintf (option, sizeof option, "%s/host", name);
        assert_non_null (wsis_config_str (config, option));
        snprintf (option, sizeof option, "%s/port", name);
        int64_t port = wsis_config_int (config, option);
        assert_true (port >= 1 && port <= 65535);
        for (size_t other = 0; other < port_count; other++)
            if (ports [other] == port) {
                print_error ("%s = %lld is taken\n", option, (long long) port);
                fail ();
            }
        assert_true (port_count < sizeof ports / sizeof ports [0]);
        ports [port_count++] = port;
    }
    assert_int_equal (count, 7);         //  the bus, five services, the gateway

    const char *unknown [] = { "wsisctl", "", "Bus", "bus ", "vot", "votings", "wsis" };
    for (size_t index = 0; index < sizeof unknown / sizeof unknown [0]; index++)
        if (wsis_config_service_known (unknown [index])) {
            print_error ("'%s' is known\n", unknown [index]);
            fail ();
        }
    wsis_config_destroy (&config);
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
        cmocka_unit_test_setup_teardown (test_parse, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_values, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_environment, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_exposure, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_endpoints, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_missing_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_set, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_path, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_services, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_help, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
