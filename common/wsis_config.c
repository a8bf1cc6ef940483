/*  wsis_config: one table of every option; ZPL file, then environment. */
#include "wsis_config.h"
#include "wsis_alloc.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef enum { OPT_INT, OPT_STR, OPT_BOOL } opt_type_t;

typedef struct {
    const char *name;
    opt_type_t type;
    const char *fallback;       //  the default, as text
    int64_t min, max;           //  bounds of an int; min/max length of a str
    const char *env;            //  environment variable that overrides, or NULL
    const char *help;
} opt_def_t;

#define PORT(svc, key, port, help) \
    { svc "/" key, OPT_INT, port, 1, 65535, NULL, help }
#define HOST(svc, env) \
    { svc "/host", OPT_STR, "127.0.0.1", 1, 253, env, "host that clients of " svc " connect to" }

static const opt_def_t s_options [] = {
    { "wsis/data_dir", OPT_STR, "var", 1, 4096, "WSIS_DATA_DIR",
      "folder of the SQLite files and outbox folders" },
    { "wsis/calendar", OPT_STR, "configs/calendar.cfg", 1, 4096, "WSIS_CALENDAR",
      "the calls and their phases" },
    { "wsis/staff", OPT_STR, "configs/staff.cfg", 1, 4096, "WSIS_STAFF",
      "who is notified" },
    { "wsis/clock", OPT_STR, "real", 4, 6, "WSIS_CLOCK",
      "real, or manual (starts at the epoch, moved by sys.clock.set)" },
    { "wsis/keys", OPT_STR, "", 0, 4096, "WSIS_KEYS",
      "folder of the CURVE keys (public/ the allowed certificates, secret/ this program's); "
      "empty: development mode" },
    { "wsis/bind", OPT_STR, "", 0, 253, "WSIS_BIND",
      "interface the sockets listen on; empty: 127.0.0.1 in development mode, * with keys" },
    { "wsis/insecure", OPT_BOOL, "false", 0, 0, NULL,
      "allow development mode (no keys) on an interface other than loopback" },
    { "wsis/heartbeat_ms", OPT_INT, "1000", 100, 5000, NULL,
      "interval of sys.heartbeat (the protocol requires <= 5 s)" },
    { "wsis/max_request", OPT_INT, "6291456", 1024, 67108864, NULL,
      "largest request frame answered; larger ones get too_large" },
    { "wsis/reply_backlog", OPT_INT, "8388608", 65536, 1073741824, NULL,
      "bytes of replies a client may leave unread; then its requests are dropped until it reads" },
    { "wsis/batch_max", OPT_INT, "1024", 1, 100000, NULL,
      "requests drained and committed in one transaction" },
    { "wsis/event_hwm", OPT_INT, "1000000", 1000, 100000000, NULL,
      "send high-water mark of event sockets (libzmq's 1000 drops bursts)" },
    { "wsis/catchup_page", OPT_INT, "10000", 1, 10000, NULL,
      "events asked for per events.since during catch-up" },
    { "wsis/catchup_timeout_ms", OPT_INT, "3000", 100, 60000, NULL,
      "a catch-up request unanswered this long is sent again" },
    { "wsis/replies_ttl_s", OPT_INT, "86400", 60, 604800, NULL,
      "how long a stored reply answers a retried request" },
    { "wsis/archive_after_days", OPT_INT, "30", 0, 36500, NULL,
      "events older than this that every consumer has applied move from the outbox to "
      "<data_dir>/<service>-archive/ (events.since still serves them); 0: never" },
    { "wsis/archive_check_s", OPT_INT, "3600", 1, 86400, NULL,
      "how often the other services are asked how far they have applied (sys.stats)" },
    { "wsis/archive_chunk", OPT_INT, "1024", 1, 10000, NULL,
      "events per gzip member of the archive (also one transaction of moving): larger "
      "compresses better, smaller serves an old page sooner" },

    HOST ("bus", "WSIS_BUS"),
    PORT ("bus", "xsub_port", "5550", "publishers connect here"),
    PORT ("bus", "xpub_port", "5551", "subscribers connect here"),
    PORT ("bus", "port", "5552", "journal commands (publish, events.since)"),
    { "bus/subscriber_hwm", OPT_INT, "20000", 1000, 100000000, NULL,
      "events the bus queues for one subscriber that does not read; more are dropped for it "
      "(it catches up with events.since)" },

    HOST ("submissions", "WSIS_SUBMISSIONS_HOST"),
    PORT ("submissions", "port", "5560", "commands"),
    { "submissions/previous_winners", OPT_STR, "configs/previous_winners.cfg", 1, 4096, NULL,
      "entity + title of projects that won a WSIS Prize before (ineligible)" },
    HOST ("nominations", "WSIS_NOMINATIONS_HOST"),
    PORT ("nominations", "port", "5561", "commands"),
    { "nominations/max_nominated", OPT_INT, "20", 1, 1000, NULL,
      "nominated projects allowed per category" },
    HOST ("voting", "WSIS_VOTING_HOST"),
    PORT ("voting", "port", "5562", "commands"),
    { "voting/complete_ballot_required", OPT_BOOL, "false", 0, 0, NULL,
      "count only voters who voted in every category (the 2013 rule)" },
    { "voting/key_file", OPT_STR, "", 0, 4096, "WSIS_VOTING_KEY",
      "the voting key (0600, made at first start); empty: <wsis/keys>/secret/voting.key, "
      "or <wsis/data_dir>/voting.key without keys" },
    HOST ("notifications", "WSIS_NOTIFICATIONS_HOST"),
    PORT ("notifications", "port", "5563", "commands"),
    { "notifications/templates", OPT_STR, "configs/templates", 1, 4096, "WSIS_TEMPLATES",
      "folder of the message templates, one <kind>.txt per kind of message" },
    { "notifications/from", OPT_STR, "WSIS Forum <noreply@wsis.example.org>", 3, 320, NULL,
      "From of every message (and the domain of its Message-ID)" },
    { "notifications/smtp_url", OPT_STR, "", 0, 2000, "WSIS_SMTP_URL",
      "smtp://host:port or smtps://host:port of the mail server (empty: none)" },
    { "notifications/smtp_user", OPT_STR, "", 0, 320, NULL,
      "SMTP AUTH user (empty: no AUTH)" },
    { "notifications/smtp_password_file", OPT_STR, "", 0, 4096, NULL,
      "file holding the SMTP AUTH password (kept out of this file)" },
    { "notifications/smtp_starttls", OPT_BOOL, "true", 0, 0, NULL,
      "require STARTTLS on smtp:// (false only for a local test server)" },
    { "notifications/smtp_ca_file", OPT_STR, "", 0, 4096, NULL,
      "PEM file of the certificate authorities the mail server's certificate is checked "
      "against (empty: the system's)" },
    { "notifications/timeout_ms", OPT_INT, "30000", 100, 600000, NULL,
      "one delivery may take this long before it counts as failed" },
    { "notifications/retry_base_ms", OPT_INT, "30000", 10, 3600000, NULL,
      "first retry after a failed delivery; doubled each time" },
    { "notifications/retry_max", OPT_INT, "8", 0, 100, NULL,
      "retries before a notification is failed and staff are told" },
    { "notifications/in_flight", OPT_INT, "64", 1, 1000, NULL,
      "deliveries handed to the delivery actors at once, all together" },
    { "notifications/workers", OPT_INT, "4", 1, 16, NULL,
      "delivery actors, each with its own connections (a slow server is met in parallel)" },
    { "notifications/require_staff", OPT_BOOL, "true", 0, 0, NULL,
      "stop at start when a call of the calendar has no staff following it" },
    { "notifications/unsubscribe_mailto", OPT_STR, "unsubscribe@wsis.example.org", 3, 320, NULL,
      "address of the mailto: in List-Unsubscribe" },
    { "notifications/unsubscribe_url", OPT_STR, "https://wsis.example.org/unsubscribe?token=",
      8, 2000, NULL, "one-click unsubscribe URL; the token is appended (RFC 8058)" },
    HOST ("reporting", "WSIS_REPORTING_HOST"),
    PORT ("reporting", "port", "5564", "commands"),
    HOST ("gateway", "WSIS_GATEWAY_HOST"),
    PORT ("gateway", "port", "5565", "commands (sys.ping, sys.stats)"),
    PORT ("gateway", "http_port", "8080", "the HTTP API and the public pages"),
    { "gateway/max_body", OPT_INT, "1048576", 1024, 67108864, NULL,
      "largest HTTP request body; larger ones get 413" },
    { "gateway/max_connections", OPT_INT, "4000", 1, 1000000, NULL,
      "HTTP connections open at once; more wait unaccepted until one closes (keep under the file descriptor limit)" },
    { "gateway/idle_timeout_s", OPT_INT, "30", 1, 3600, NULL,
      "an HTTP connection idle this long is closed" },
    { "gateway/upstream_timeout_ms", OPT_INT, "10000", 100, 600000, NULL,
      "a service that has not answered a forwarded request by then: 504" },
    { "gateway/code_minutes", OPT_INT, "15", 1, 60, NULL,
      "a sign-in code works this long" },
    { "gateway/session_hours", OPT_INT, "12", 1, 720, NULL,
      "a session lasts this long after sign-in" },
    { "gateway/sign_in_per_minute", OPT_INT, "10", 0, 100000, NULL,
      "sign-in requests (codes and sessions) per client address a minute, and in a burst; 0: no limit" },
    { "gateway/writes_per_minute", OPT_INT, "120", 0, 1000000, NULL,
      "votes, submissions, registrations and nominations per client address, and per session, "
      "a minute and in a burst; 0: no limit" },
    { "gateway/pages", OPT_STR, "services/gateway/pages", 1, 4096, "WSIS_PAGES",
      "the folder of the public web pages (read once at start)" },
    { "gateway/openapi", OPT_STR, "configs/openapi.json", 1, 4096, "WSIS_OPENAPI",
      "the OpenAPI document GET /api/v1/openapi.json serves" },
    { "gateway/trust_forwarded", OPT_BOOL, "false", 0, 0, "WSIS_GATEWAY_TRUST_FORWARDED",
      "take the client's address from X-Forwarded-For (only behind a reverse proxy that sets it)" },
    { "gateway/cors_origins", OPT_STR, "", 0, 4096, "WSIS_GATEWAY_CORS_ORIGINS",
      "the origins (https://host[:port], spaces between) whose web pages may use the API; none by default" },
    { "gateway/staff_port", OPT_INT, "0", 0, 65535, "WSIS_GATEWAY_STAFF_PORT",
      "the staff listener (staff operations for the tokens of gateway/staff_tokens); 0: off" },
    { "gateway/staff_host", OPT_STR, "127.0.0.1", 1, 253, "WSIS_GATEWAY_STAFF_HOST",
      "the internal IPv4 address the staff listener binds to (* or 0.0.0.0: every interface, "
      "which the log warns of)" },
    { "gateway/staff_tokens", OPT_STR, "", 0, 4096, "WSIS_GATEWAY_STAFF_TOKENS",
      "the file of staff tokens, '<name> <sha256 hex>' a line (scripts/make-keys.sh); "
      "needed when gateway/staff_port is set" },
};

#define OPTION_COUNT (sizeof (s_options) / sizeof (s_options [0]))

const char *const wsis_config_services [] = {
    "bus", "submissions", "nominations", "voting", "notifications", "reporting", "gateway", NULL
};

bool
wsis_config_service_known (const char *name)
{
    for (size_t i = 0; wsis_config_services [i]; i++)
        if (streq (wsis_config_services [i], name))
            return true;
    return false;
}

const char *
wsis_config_path (const char *option)
{
    if (option)
        return option;
    const char *env = getenv ("WSIS_CONFIG");
    if (env && *env)
        return env;
    return zsys_file_exists ("configs/wsis.cfg")? "configs/wsis.cfg": NULL;
}

struct _wsis_config_t {
    char *value [OPTION_COUNT];     //  current text of each option
};

static int
s_find (const char *name)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (streq (s_options [i].name, name))
            return (int) i;
    return -1;
}

//  Checks text against the option's type and bounds; NULL if fine, else
//  a static reason.
static const char *
s_check (const opt_def_t *opt, const char *text)
{
    if (opt->type == OPT_INT) {
        char *end;
        errno = 0;
        long long number = strtoll (text, &end, 10);
        if (errno || end == text || *end)
            return "is not an integer";
        if (number < opt->min || number > opt->max)
            return "is out of bounds";
    }
    else
    if (opt->type == OPT_BOOL) {
        if (!streq (text, "true") && !streq (text, "false")
        &&  !streq (text, "1") && !streq (text, "0"))
            return "is not true/false";
    }
    else {
        size_t len = strlen (text);
        if ((int64_t) len < opt->min || (int64_t) len > opt->max)
            return "has a bad length";
    }
    if (streq (opt->name, "wsis/clock")
    &&  !streq (text, "real") && !streq (text, "manual"))
        return "is not real or manual";
    return NULL;
}

static int
s_set (wsis_config_t *self, int index, const char *text, const char *origin, char **error)
{
    const char *why = s_check (&s_options [index], text);
    if (why) {
        *error = zsys_sprintf ("%s: option '%s' = '%s' %s (default %s)",
                               origin, s_options [index].name, text, why,
                               s_options [index].fallback);
        return -1;
    }
    free (self->value [index]);
    self->value [index] = wsis_strdup (text);
    return 0;
}

int
wsis_config_set (wsis_config_t *self, const char *name, const char *text, char **error)
{
    int index = s_find (name);
    if (index < 0) {
        *error = zsys_sprintf ("unknown option '%s'", name);
        return -1;
    }
    return s_set (self, index, text, "set", error);
}

//  The options of a ZPL tree (NULL: none) over the defaults, then the
//  environment's. source names the file in errors.
static wsis_config_t *
s_config_from_tree (zconfig_t *root, const char *source, char **error)
{
    wsis_config_t *self = (wsis_config_t *) zmalloc (sizeof (wsis_config_t));
    for (size_t i = 0; i < OPTION_COUNT; i++)
        self->value [i] = wsis_strdup (s_options [i].fallback);
    //  Two levels: section, then option. Anything else is a typo the
    //  operator wants to hear about, not a silently ignored line.
    for (zconfig_t *section = root? zconfig_child (root): NULL; section; section = zconfig_next (section)) {
        for (zconfig_t *item = zconfig_child (section); item; item = zconfig_next (item)) {
            char name [256];
            snprintf (name, sizeof name, "%s/%s", zconfig_name (section), zconfig_name (item));
            int index = s_find (name);
            if (index < 0 || zconfig_child (item)) {
                *error = zsys_sprintf ("%s: unknown option '%s'", source, name);
                goto failed;
            }
            const char *text = zconfig_value (item);
            if (s_set (self, index, text? text: "", source, error))
                goto failed;
        }
        if (!zconfig_child (section) && zconfig_value (section) && *zconfig_value (section)) {
            *error = zsys_sprintf ("%s: unknown option '%s'", source, zconfig_name (section));
            goto failed;
        }
    }
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const char *env = s_options [i].env? getenv (s_options [i].env): NULL;
        if (env && *env && s_set (self, (int) i, env, s_options [i].env, error))
            goto failed;
    }
    return self;

failed:
    wsis_config_destroy (&self);
    return NULL;
}

wsis_config_t *
wsis_config_load (const char *path, char **error)
{
    *error = NULL;
    zconfig_t *root = NULL;
    if (path) {
        //  zconfig reads a folder as an empty file: -c with a folder would
        //  silently run on defaults
        struct stat info;
        if (stat (path, &info) == 0 && S_ISDIR (info.st_mode)) {
            *error = zsys_sprintf ("%s: cannot read the configuration: it is a folder", path);
            return NULL;
        }
        root = zconfig_load (path);
        if (!root) {
            *error = zsys_sprintf ("%s: cannot read or parse the configuration", path);
            return NULL;
        }
    }
    wsis_config_t *self = s_config_from_tree (root, path, error);
    zconfig_destroy (&root);
    return self;
}

wsis_config_t *
wsis_config_parse (const char *text, char **error)
{
    *error = NULL;
    const char *source = "(configuration text)";
    zconfig_t *root = zconfig_str_load (text);
    if (!root) {
        *error = zsys_sprintf ("%s: cannot parse the configuration", source);
        return NULL;
    }
    wsis_config_t *self = s_config_from_tree (root, source, error);
    zconfig_destroy (&root);
    return self;
}

void
wsis_config_destroy (wsis_config_t **self_p)
{
    if (self_p && *self_p) {
        wsis_config_t *self = *self_p;
        for (size_t i = 0; i < OPTION_COUNT; i++)
            free (self->value [i]);
        free (self);
        *self_p = NULL;
    }
}

static const char *
s_value (wsis_config_t *self, const char *name, opt_type_t type)
{
    int index = s_find (name);
    assert (index >= 0);                //  a name missing from the table is our bug
    assert (s_options [index].type == type);
    return self->value [index];
}

int64_t
wsis_config_int (wsis_config_t *self, const char *name)
{
    return strtoll (s_value (self, name, OPT_INT), NULL, 10);
}

const char *
wsis_config_str (wsis_config_t *self, const char *name)
{
    return s_value (self, name, OPT_STR);
}

bool
wsis_config_bool (wsis_config_t *self, const char *name)
{
    const char *text = s_value (self, name, OPT_BOOL);
    return streq (text, "true") || streq (text, "1");
}

const char *
wsis_config_bind_host (wsis_config_t *self)
{
    const char *bind = wsis_config_str (self, "wsis/bind");
    if (*bind)
        return bind;
    return *wsis_config_str (self, "wsis/keys")? "*": "127.0.0.1";
}

//  127.0.0.0/8, ::1 and localhost: reachable from this machine only.
static bool
s_loopback (const char *host)
{
    return strncmp (host, "127.", 4) == 0 || streq (host, "::1") || streq (host, "[::1]")
        || streq (host, "localhost");
}

int
wsis_config_check_exposure (wsis_config_t *self, char **error)
{
    const char *host = wsis_config_bind_host (self);
    if (*wsis_config_str (self, "wsis/keys") || s_loopback (host)
    ||  wsis_config_bool (self, "wsis/insecure"))
        return 0;
    *error = zsys_sprintf ("wsis/bind = %s without wsis/keys: development mode listens on "
                           "127.0.0.1 only; give the keys (make keys, WSIS_KEYS) or set "
                           "wsis/insecure = true", host);
    return -1;
}

char *
wsis_config_endpoint (wsis_config_t *self, const char *service,
                      const char *port_option, bool bind)
{
    char name [128];
    snprintf (name, sizeof name, "%s/%s", service, port_option);
    int64_t port = wsis_config_int (self, name);
    if (bind)
        return zsys_sprintf ("tcp://%s:%d", wsis_config_bind_host (self), (int) port);
    snprintf (name, sizeof name, "%s/host", service);
    return zsys_sprintf ("tcp://%s:%d", wsis_config_str (self, name), (int) port);
}

const char *
wsis_config_option (size_t index)
{
    return index < OPTION_COUNT? s_options [index].name: NULL;
}

void
wsis_config_print_help (FILE *out)
{
    fprintf (out, "Options (configs/wsis.cfg, section/name; environment overrides):\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const opt_def_t *opt = &s_options [i];
        fprintf (out, "  %-34s default %-22s", opt->name, opt->fallback);
        if (opt->type == OPT_INT)
            fprintf (out, " [%lld..%lld]", (long long) opt->min, (long long) opt->max);
        if (opt->env)
            fprintf (out, " env %s", opt->env);
        fprintf (out, "\n      %s\n", opt->help);
    }
}
