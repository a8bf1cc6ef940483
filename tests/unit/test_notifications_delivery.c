/*  test_notifications_delivery: the delivery actor of wsis-notifications
    against real parts: a folder, an SMTP server and a webhook receiver.

    The servers are tests/wsis_mail.py, started as a child process on a
    free port; a test waits for its "ready" line, never sleeps, and reads
    what it received from the files it writes (<n>.eml and <n>.envelope,
    <n>.json and <n>.request). Each test has its own temp folder, actor
    and server, all stopped in the teardown even when the test failed; a
    server is also told to stop by the kernel if this process dies first.
*/
#include "test_support.h"
#include "test_sockets.h"

#include "notifications.h"

#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PYTHON "/usr/bin/python3"
//  From tests/unit, where make unit runs the tests.
#define SERVERS "../wsis_mail.py"
//  Python and aiosmtpd start slowly on a busy machine: a deadline only.
#define SERVER_START_MS 30000
#define SECRET "hook-secret-of-the-test"
#define FROM "noreply@wsis.example.org"
#define TO "someone@example.org"

//  A message with a line that starts with a dot, which SMTP must stuff
//  and unstuff, ending with CRLF as notify_message_build makes them.
#define MESSAGE "From: WSIS Forum <" FROM ">\r\nTo: <" TO ">\r\n" \
                "Subject: Voting closes in 7 days\r\n\r\n" \
                "Dear colleague,\r\n.the dot stays\r\nWSIS Prizes team\r\n"
#define KEY "prizes-2022/voting/reminder/7d/" TO
#define KEY_FILE "prizes-2022%2Fvoting%2Freminder%2F7d%2Fsomeone%40example.org.eml"

typedef struct {
    char dir [64];              //  the test's temp folder
    char outbox [128];          //  dir/outbox, made by the actor
    char received [128];        //  dir/received, where the server writes
    int port;                   //  the server's, or a free one
    pid_t server;               //  0 while none runs
    int server_output;          //  its stdout, -1 while none runs
    zactor_t *actor;
} fixture_t;

static int
s_remove_entry (const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    return remove (path);
}

static int
s_setup (void **state)
{
    fixture_t *self = (fixture_t *) calloc (1, sizeof (fixture_t));
    if (!self || test_tempdir_make (self->dir, sizeof self->dir, "notify_delivery")) {
        free (self);
        return -1;
    }
    snprintf (self->outbox, sizeof self->outbox, "%s/outbox", self->dir);
    snprintf (self->received, sizeof self->received, "%s/received", self->dir);
    self->server_output = -1;
    *state = self;
    return mkdir (self->received, 0700);
}

static void
s_server_stop (fixture_t *self)
{
    if (self->server > 0) {
        kill (self->server, SIGTERM);
        waitpid (self->server, NULL, 0);
        self->server = 0;
    }
    if (self->server_output >= 0) {
        close (self->server_output);
        self->server_output = -1;
    }
}

static int
s_teardown (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    zactor_destroy (&self->actor);
    s_server_stop (self);
    int rc = nftw (self->dir, s_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free (self);
    return rc;
}

//  Starts the actor with the test's outbox, smtp_url (NULL for none) and
//  timeout; the actor must copy what it is given, so the URL is freed at
//  once (ASan sees a copy that was not made).
static void
s_actor_start (fixture_t *self, const char *smtp_url, bool starttls, int64_t timeout_ms)
{
    char *url = smtp_url? strdup (smtp_url): NULL;
    notify_delivery_config_t config = {
        .outbox_dir = self->outbox,
        .smtp_url = url,
        .starttls = starttls,
        .smtp_from = FROM,
        .timeout_ms = timeout_ms
    };
    self->actor = zactor_new (notify_delivery_actor, &config);
    free (url);
    assert_non_null (self->actor);
    zsock_set_rcvtimeo (zactor_sock (self->actor), TEST_DEADLINE_MS);
}

//  The actor with smtp:// on the test's port, without STARTTLS.
static void
s_actor_start_smtp (fixture_t *self, int64_t timeout_ms)
{
    char url [64];
    snprintf (url, sizeof url, "smtp://127.0.0.1:%d", self->port);
    s_actor_start (self, url, false, timeout_ms);
}

//  Starts tests/wsis_mail.py kind on a free port, writing what it
//  receives to self->received, with more arguments (NULL-terminated),
//  and returns once it said "ready".
static void
s_server_start (fixture_t *self, const char *kind, ...)
{
    self->port = test_free_port ();
    char port [16];
    snprintf (port, sizeof port, "%d", self->port);
    const char *argv [16] = { PYTHON, SERVERS, kind, "--port", port, "--dir", self->received };
    size_t argc = 7;
    va_list args;
    va_start (args, kind);
    const char *argument;
    while ((argument = va_arg (args, const char *)) && argc < 15)
        argv [argc++] = argument;
    va_end (args);
    assert_null (argument);
    argv [argc] = NULL;

    int output [2];
    assert_int_equal (pipe2 (output, O_CLOEXEC), 0);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        //  Only async-signal-safe calls between fork and exec: threads of
        //  ZeroMQ ran in the parent.
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        dup2 (output [1], STDOUT_FILENO);
        execv (PYTHON, (char *const *) argv);
        _exit (127);
    }
    close (output [1]);
    self->server = pid;
    self->server_output = output [0];

    char line [64] = "";
    size_t length = 0;
    while (!strchr (line, '\n') && length < sizeof line - 1) {
        struct pollfd poller = { output [0], POLLIN, 0 };
        assert_int_equal (poll (&poller, 1, SERVER_START_MS), 1);
        ssize_t size = read (output [0], line + length, sizeof line - 1 - length);
        //  End of file: it died (see its stderr).
        assert_true (size > 0);
        length += (size_t) size;
        line [length] = 0;
    }
    assert_string_equal (line, "ready\n");
}

static void
s_deliver (fixture_t *self, const char *key, const char *channel, const char *target,
           const char *secret, const char *payload)
{
    assert_int_equal (zstr_sendx (self->actor, "DELIVER", key, channel, target, secret,
                                  payload, NULL), 0);
}

//  Receives the next answer, checks that it is DONE key status, and
//  returns its detail (the caller frees it).
static char *
s_expect_done (fixture_t *self, const char *key, const char *status)
{
    zmsg_t *msg = zmsg_recv (self->actor);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 4);
    char *command = zmsg_popstr (msg);
    char *done_key = zmsg_popstr (msg);
    char *done_status = zmsg_popstr (msg);
    char *detail = zmsg_popstr (msg);
    zmsg_destroy (&msg);
    if (!streq (done_status, status))
        print_error ("DONE %s %s %s\n", done_key, done_status, detail);
    bool as_expected = streq (command, "DONE") && streq (done_key, key)
                    && streq (done_status, status) && !strchr (detail, '\n');
    free (command);
    free (done_key);
    free (done_status);
    assert_true (as_expected);
    return detail;
}

//  DONE key status whose detail says what the test expects.
static void
s_expect_done_saying (fixture_t *self, const char *key, const char *status, const char *says)
{
    char *detail = s_expect_done (self, key, status);
    bool found = strstr (detail, says) != NULL;
    if (!found)
        print_error ("detail \"%s\" does not say \"%s\"\n", detail, says);
    free (detail);
    assert_true (found);
}

//  The whole content of dir/name, or NULL when there is no such file. The
//  caller frees it.
static char *
s_read (const char *dir, const char *name)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    zchunk_t *chunk = NULL;
    FILE *file = fopen (path, "rb");
    if (file) {
        chunk = zchunk_read (file, 1 << 20);
        fclose (file);
    }
    if (!chunk)
        return NULL;
    char *text = zchunk_strdup (chunk);
    zchunk_destroy (&chunk);
    return text;
}

//  dir/name holds exactly expected.
static void
s_expect_file (const char *dir, const char *name, const char *expected)
{
    char *text = s_read (dir, name);
    if (!text)
        print_error ("no %s in %s\n", name, dir);
    assert_non_null (text);
    assert_string_equal (text, expected);
    free (text);
}

//  dir/name holds line (with its \n) among its lines.
static void
s_expect_line (const char *dir, const char *name, const char *line)
{
    char *text = s_read (dir, name);
    assert_non_null (text);
    bool found = strstr (text, line) != NULL;
    if (!found)
        print_error ("%s/%s has no line \"%s\":\n%s", dir, name, line, text);
    free (text);
    assert_true (found);
}

//  Entries of dir but . and .., or -1 when it cannot be read.
static int
s_entries (const char *dir)
{
    DIR *handle = opendir (dir);
    if (!handle)
        return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir (handle)))
        if (!streq (entry->d_name, ".") && !streq (entry->d_name, ".."))
            count++;
    closedir (handle);
    return count;
}

//  --------------------------------------------------------------------------
//  The file channel

static void
test_file_lands_whole_under_its_key (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_actor_start (self, NULL, true, 5000);
    s_deliver (self, KEY, "file", TO, "", MESSAGE);
    s_expect_done_saying (self, KEY, "sent", KEY_FILE);
    //  The folder was made; the message is in it, alone (no temporary
    //  file left), whole, and readable by the service's user only.
    assert_int_equal (s_entries (self->outbox), 1);
    s_expect_file (self->outbox, KEY_FILE, MESSAGE);
    char path [512];
    snprintf (path, sizeof path, "%s/%s", self->outbox, KEY_FILE);
    struct stat info;
    assert_int_equal (stat (path, &info), 0);
    assert_int_equal (info.st_mode & 0777, 0600);
}

static void
test_file_resend_replaces (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_actor_start (self, NULL, true, 5000);
    s_deliver (self, KEY, "file", TO, "", "first copy\r\n");
    free (s_expect_done (self, KEY, "sent"));
    s_deliver (self, KEY, "file", TO, "", MESSAGE);
    free (s_expect_done (self, KEY, "sent"));
    assert_int_equal (s_entries (self->outbox), 1);
    s_expect_file (self->outbox, KEY_FILE, MESSAGE);
}

static void
test_file_names_are_escaped (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_actor_start (self, NULL, true, 5000);
    //  A leading dot would hide the file; % is escaped so names read back.
    s_deliver (self, ".hidden 50%", "file", TO, "", MESSAGE);
    s_expect_done_saying (self, ".hidden 50%", "sent", "%2Ehidden%2050%25.eml");
    s_expect_file (self->outbox, "%2Ehidden%2050%25.eml", MESSAGE);
    s_deliver (self, "a.b_c-d", "file", TO, "", MESSAGE);
    free (s_expect_done (self, "a.b_c-d", "sent"));
    s_expect_file (self->outbox, "a.b_c-d.eml", MESSAGE);
    //  A key of 100 slashes is 300 bytes escaped: more than a file name.
    char key [101];
    memset (key, '/', 100);
    key [100] = 0;
    s_deliver (self, key, "file", TO, "", MESSAGE);
    s_expect_done_saying (self, key, "failed", "too long");
    assert_int_equal (s_entries (self->outbox), 2);
}

static void
test_file_unwritable_folder_retries (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  A folder under a regular file cannot be made, even by root, for
    //  whom permissions are no obstacle.
    char blocker [128];
    snprintf (blocker, sizeof blocker, "%s/blocker", self->dir);
    snprintf (self->outbox, sizeof self->outbox, "%s/blocker/outbox", self->dir);
    FILE *file = fopen (blocker, "w");
    assert_non_null (file);
    fclose (file);
    s_actor_start (self, NULL, true, 5000);
    s_deliver (self, KEY, "file", TO, "", MESSAGE);
    s_expect_done_saying (self, KEY, "retry", self->outbox);

    //  Once people fixed it, the retry is sent.
    assert_int_equal (unlink (blocker), 0);
    s_deliver (self, KEY, "file", TO, "", MESSAGE);
    free (s_expect_done (self, KEY, "sent"));
    s_expect_file (self->outbox, KEY_FILE, MESSAGE);
}

//  --------------------------------------------------------------------------
//  The pipe

static void
test_malformed_commands_are_answered (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_actor_start (self, NULL, true, 5000);
    zsock_t *pipe = zactor_sock (self->actor);

    zstr_sendx (pipe, "DELIVER", "short", "file", TO, NULL);
    s_expect_done_saying (self, "short", "failed", "3 frames after it");
    zstr_send (pipe, "DELIVER");
    s_expect_done_saying (self, "", "failed", "0 frames after it");
    s_deliver (self, "bad\r\nX-Injected: yes", "webhook", "http://127.0.0.1:1/", SECRET, "{}");
    s_expect_done_saying (self, "bad\r\nX-Injected: yes", "failed", "bad key");
    s_deliver (self, "", "file", TO, "", MESSAGE);
    s_expect_done_saying (self, "", "failed", "bad key");
    s_deliver (self, "k", "pigeon", TO, "", MESSAGE);
    s_expect_done_saying (self, "k", "failed", "unknown channel pigeon");
    s_deliver (self, "k", "file", TO, "", "");
    s_expect_done_saying (self, "k", "failed", "empty payload");
    //  A NUL would cut the string short: the frame is refused whole.
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "DELIVER");
    zmsg_addstr (msg, "k");
    zmsg_addmem (msg, "file\0smtp", 9);
    zmsg_addstr (msg, TO);
    zmsg_addstr (msg, "");
    zmsg_addstr (msg, MESSAGE);
    assert_int_equal (zmsg_send (&msg, pipe), 0);
    s_expect_done_saying (self, "k", "failed", "unknown channel");
    zstr_sendx (pipe, "HELLO", "k", NULL);
    s_expect_done_saying (self, "", "failed", "unknown command");

    //  And it goes on delivering.
    s_deliver (self, KEY, "file", TO, "", MESSAGE);
    free (s_expect_done (self, KEY, "sent"));
}

//  --------------------------------------------------------------------------
//  The smtp channel

static void
test_smtp_delivers_and_reuses_its_connection (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_server_start (self, "smtp", NULL);
    s_actor_start_smtp (self, 5000);
    s_deliver (self, KEY, "smtp", TO, "", MESSAGE);
    s_expect_done_saying (self, KEY, "sent", "250");
    //  The server's reply came after it stored the message.
    s_expect_line (self->received, "1.envelope", "from " FROM "\n");
    s_expect_line (self->received, "1.envelope", "to " TO "\n");
    s_expect_file (self->received, "1.eml", MESSAGE);

    s_deliver (self, "second", "smtp", "other@example.org", "", MESSAGE);
    free (s_expect_done (self, "second", "sent"));
    s_expect_line (self->received, "2.envelope", "to other@example.org\n");
    char *first = s_read (self->received, "1.envelope");
    char *second = s_read (self->received, "2.envelope");
    assert_non_null (first);
    assert_non_null (second);
    //  One recipient each, the same client port: one connection.
    bool one_recipient = !strstr (second, "to " TO);
    bool same_peer = streq (strstr (first, "peer"), strstr (second, "peer"));
    free (first);
    free (second);
    assert_true (one_recipient);
    assert_true (same_peer);
}

//  The server refuses the first message with reply: the delivery ends as
//  expected, the detail quoting the server, and nothing was stored.
static void
s_smtp_refuses (fixture_t *self, const char *reply, const char *expected)
{
    s_server_start (self, "smtp", "--fail", "1", "--reply", reply, NULL);
    s_actor_start_smtp (self, 5000);
    s_deliver (self, KEY, "smtp", TO, "", MESSAGE);
    s_expect_done_saying (self, KEY, expected, reply);
    assert_int_equal (s_entries (self->received), 0);
}

static void
test_smtp_451_retries_then_sends (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_smtp_refuses (self, "451 4.3.0 try again later", "retry");
    s_deliver (self, KEY, "smtp", TO, "", MESSAGE);
    free (s_expect_done (self, KEY, "sent"));
    s_expect_file (self->received, "1.eml", MESSAGE);
}

static void
test_smtp_550_fails (void **state)
{
    s_smtp_refuses ((fixture_t *) *state, "550 5.1.1 no such user", "failed");
}

static void
test_smtp_server_down_retries (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    self->port = test_free_port ();
    s_actor_start_smtp (self, 5000);
    s_deliver (self, KEY, "smtp", TO, "", MESSAGE);
    free (s_expect_done (self, KEY, "retry"));
}

static void
test_smtp_refuses_what_it_cannot_send (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_actor_start (self, NULL, true, 5000);
    s_deliver (self, KEY, "smtp", TO, "", MESSAGE);
    s_expect_done_saying (self, KEY, "failed", "smtp_url");
    zactor_destroy (&self->actor);

    s_server_start (self, "smtp", NULL);
    s_actor_start_smtp (self, 5000);
    s_deliver (self, KEY, "smtp", "nobody", "", MESSAGE);
    s_expect_done_saying (self, KEY, "failed", "malformed address");
    s_deliver (self, KEY, "smtp", TO ">\r\nRCPT TO:<x@example.org", "", MESSAGE);
    s_expect_done_saying (self, KEY, "failed", "malformed address");
    assert_int_equal (s_entries (self->received), 0);
}

static void
test_smtp_starttls_is_required (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  The test server offers no STARTTLS: nothing may go in clear.
    s_server_start (self, "smtp", NULL);
    char url [64];
    snprintf (url, sizeof url, "smtp://127.0.0.1:%d", self->port);
    s_actor_start (self, url, true, 5000);
    s_deliver (self, KEY, "smtp", TO, "", MESSAGE);
    free (s_expect_done (self, KEY, "retry"));
    assert_int_equal (s_entries (self->received), 0);
}

static void
test_smtp_slow_server_times_out (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_server_start (self, "smtp", "--delay", "20", NULL);
    s_actor_start_smtp (self, 500);
    int64_t start = zclock_mono ();
    s_deliver (self, KEY, "smtp", TO, "", MESSAGE);
    free (s_expect_done (self, KEY, "retry"));
    assert_true (zclock_mono () - start < 3000);
}

static void
test_commands_wait_their_turn (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  Slow enough that the actor reads the pipe during the delivery.
    s_server_start (self, "smtp", "--delay", "1.5", NULL);
    s_actor_start_smtp (self, 10000);
    s_deliver (self, KEY, "smtp", TO, "", MESSAGE);
    s_deliver (self, "second", "file", TO, "", MESSAGE);
    s_deliver (self, "third", "file", TO, "", MESSAGE);
    free (s_expect_done (self, KEY, "sent"));
    free (s_expect_done (self, "second", "sent"));
    free (s_expect_done (self, "third", "sent"));
}

static void
test_term_ends_a_slow_delivery (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_server_start (self, "smtp", "--delay", "30", NULL);
    s_actor_start_smtp (self, 60000);
    s_deliver (self, KEY, "smtp", TO, "", MESSAGE);
    //  A command sent meanwhile waits its turn; $TERM does not.
    s_deliver (self, "next", "file", TO, "", MESSAGE);
    int64_t start = zclock_mono ();
    zactor_destroy (&self->actor);
    //  libcurl looks at the pipe once a second while it waits.
    assert_true (zclock_mono () - start < 3000);
    assert_int_equal (s_entries (self->outbox), -1);
}

//  --------------------------------------------------------------------------
//  The webhook channel

static void
s_webhook_url (fixture_t *self, char *url, size_t size)
{
    snprintf (url, size, "http://127.0.0.1:%d/hooks/wsis", self->port);
}

#define BODY "{\"key\":\"" KEY "\",\"subject\":\"Voting closes in 7 days\"}"

static void
test_webhook_is_signed (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    char url [128];
    s_server_start (self, "webhook", "--secret", SECRET, NULL);
    s_webhook_url (self, url, sizeof url);
    s_actor_start (self, NULL, true, 5000);
    s_deliver (self, KEY, "webhook", url, SECRET, BODY);
    s_expect_done_saying (self, KEY, "sent", "200");
    //  The receiver checked the signature with Python's hmac.
    s_expect_line (self->received, "1.request", "key " KEY "\n");
    s_expect_line (self->received, "1.request", "type application/json\n");
    s_expect_line (self->received, "1.request", "signature valid\n");
    s_expect_file (self->received, "1.json", BODY);

    //  Another secret, another signature: the secret is used.
    s_deliver (self, "other", "webhook", url, "not the receiver's", BODY);
    free (s_expect_done (self, "other", "sent"));
    s_expect_line (self->received, "2.request", "signature invalid\n");
}

static void
test_webhook_500_retries_then_sends (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    char url [128];
    s_server_start (self, "webhook", "--secret", SECRET, "--fail", "1", "--status", "500", NULL);
    s_webhook_url (self, url, sizeof url);
    s_actor_start (self, NULL, true, 5000);
    s_deliver (self, KEY, "webhook", url, SECRET, BODY);
    s_expect_done_saying (self, KEY, "retry", "500");
    s_deliver (self, KEY, "webhook", url, SECRET, BODY);
    free (s_expect_done (self, KEY, "sent"));
}

//  The receiver answers status once: the delivery ends as expected.
static void
s_webhook_answers (fixture_t *self, const char *status, const char *expected)
{
    char url [128];
    s_server_start (self, "webhook", "--secret", SECRET, "--fail", "1", "--status", status, NULL);
    s_webhook_url (self, url, sizeof url);
    s_actor_start (self, NULL, true, 5000);
    s_deliver (self, KEY, "webhook", url, SECRET, BODY);
    s_expect_done_saying (self, KEY, expected, status);
}

static void
test_webhook_404_fails (void **state)
{
    s_webhook_answers ((fixture_t *) *state, "404", "failed");
}

static void
test_webhook_429_retries (void **state)
{
    s_webhook_answers ((fixture_t *) *state, "429", "retry");
}

static void
test_webhook_redirect_fails_unfollowed (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    //  Followed, the POST would become a GET the receiver answers 501.
    s_webhook_answers (self, "302", "failed");
    assert_int_equal (s_entries (self->received), 2);
}

static void
test_webhook_refuses_what_it_cannot_send (void **state)
{
    fixture_t *self = (fixture_t *) *state;
    s_actor_start (self, NULL, true, 5000);
    //  Down: worth a retry.
    char url [128];
    self->port = test_free_port ();
    s_webhook_url (self, url, sizeof url);
    s_deliver (self, KEY, "webhook", url, SECRET, BODY);
    free (s_expect_done (self, KEY, "retry"));
    //  Another protocol, though something listens there: never.
    s_server_start (self, "smtp", NULL);
    snprintf (url, sizeof url, "ftp://127.0.0.1:%d/", self->port);
    s_deliver (self, KEY, "webhook", url, SECRET, BODY);
    free (s_expect_done (self, KEY, "failed"));
    s_deliver (self, KEY, "webhook", "file:///etc/hostname", SECRET, BODY);
    free (s_expect_done (self, KEY, "failed"));
    //  Unsigned: never.
    s_webhook_url (self, url, sizeof url);
    s_deliver (self, KEY, "webhook", url, "", BODY);
    s_expect_done_saying (self, KEY, "failed", "secret");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_file_lands_whole_under_its_key, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_file_resend_replaces, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_file_names_are_escaped, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_file_unwritable_folder_retries, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_malformed_commands_are_answered, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_smtp_delivers_and_reuses_its_connection,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_smtp_451_retries_then_sends, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_smtp_550_fails, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_smtp_server_down_retries, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_smtp_refuses_what_it_cannot_send, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_smtp_starttls_is_required, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_smtp_slow_server_times_out, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_commands_wait_their_turn, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_term_ends_a_slow_delivery, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_webhook_is_signed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_webhook_500_retries_then_sends, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_webhook_404_fails, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_webhook_429_retries, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_webhook_redirect_fails_unfollowed,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_webhook_refuses_what_it_cannot_send,
                                         s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
