/*  wsisctl: the command-line client of wsis (see wsisctl.h).

    Parses the command line, loads the configuration by the same rule as
    the services (so the client finds them wherever they run, containers
    included), reads the body and hands over to one command.
*/
#include "wsisctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
        "usage:\n"
        "  wsisctl [options] SERVICE OP [JSON | @FILE | -]    one request; prints the reply as JSON\n"
        "  wsisctl [options] ping [all | SERVICE]             sys.ping each service (default all);\n"
        "                                                     one JSON line per service\n"
        "  wsisctl [options] tail [SERVICE | PREFIX]          prints events from the bus as JSON lines\n"
        "                                                     until interrupted: a SERVICE's, or those\n"
        "                                                     whose topic starts with PREFIX; with\n"
        "                                                     --since N the events after seq N first\n"
        "  wsisctl [options] history SERVICE                  a service's events (events.since) as JSON\n"
        "                                                     lines, up to its last (--since, --limit)\n"
        "  wsisctl [options] clock get                        every service's clock, one line each\n"
        "  wsisctl [options] clock set TIME                   sets every service's manual clock: TIME is\n"
        "                                                     2027-03-31T20:00:00Z (an offset may replace\n"
        "                                                     Z) or \"2027-03-31 22:00 Europe/Geneva\";\n"
        "                                                     none is set unless every one is manual\n"
        "  wsisctl [options] settle                           waits (--timeout, default 10 s) until every\n"
        "                                                     service has applied every event of every\n"
        "                                                     source; a line each with its lags\n"
        "  wsisctl [-c FILE] config [NAME...]                 the settings in force (data dir, calendar,\n"
        "                                                     clock, keys); one value per NAME\n"
        "  wsisctl [options] publish TOPIC [JSON | @FILE | -] publishes through the bus journal\n"
        "                                                     (op \"publish\", body {topic, body, origin})\n"
        "  wsisctl services                                   the services, one per line, in start order\n"
        "  wsisctl [-c FILE] ports                            the ports the services listen on, one\n"
        "                                                     \"service/option port\" per line\n"
        "  wsisctl [options] SERVICE --help                   the operations of SERVICE (sys.ops): who\n"
        "                                                     may call each and its body fields\n"
        "  wsisctl keygen NAME --role ROLE [--dir DIR]        a certificate: DIR/public/NAME.cert and\n"
        "                                                     DIR/secret/NAME.cert_secret (0600); DIR is\n"
        "                                                     wsis/keys ($WSIS_KEYS), else var/keys\n"
        "options:\n"
        "  -c FILE         configuration (default $WSIS_CONFIG, else configs/wsis.cfg if it\n"
        "                  exists, else built-in defaults; WSIS_BUS, WSIS_<SERVICE>_HOST apply)\n"
        "  --role ROLE     actor.role (default $WSIS_ACTOR_ROLE or \"operator\"); with keys the\n"
        "                  certificate says who you are, and only an operator's or a\n"
        "                  gateway's --role and --actor count\n"
        "  --cert FILE     with keys (wsis/keys, $WSIS_KEYS): the secret certificate to use\n"
        "                  (default $WSIS_CERT, else KEYS/secret/operator.cert_secret)\n"
        "  --dir DIR       keygen: the keys folder\n"
        "  --actor ID      actor.id (default $WSIS_ACTOR_ID, else $USER, else \"wsisctl\")\n"
        "  --timeout MS    wait this long for a reply (default %d; ping: %d)\n"
        "  --id ID         request id (default a random 16-hex-char id)\n"
        "  --origin NAME   publish: the event's origin (default \"wsisctl\")\n"
        "  --count N       tail: stop after N events\n"
        "  --since N       tail, history: the events after seq N (history: default 0)\n"
        "  --limit N       history: at most N events\n"
        "  --heartbeats    tail: print sys.heartbeat too (implied by a PREFIX in \"sys.\")\n"
        "  --compact       one-line JSON (default pretty for single requests)\n"
        "  -h, --help      this help\n"
        "JSON: the body, one JSON object; a bin value is {\"$base64\": \"...\"}\n"
        "exit: 0 ok reply, 1 error reply (printed on stdout),\n"
        "      2 usage, bad JSON, transport error or timeout (one line on stderr)\n",
        WSISCTL_TIMEOUT_MS, WSISCTL_PING_TIMEOUT_MS);
    fprintf (out, "SERVICE:");
    for (size_t i = 0; wsis_config_services [i]; i++)
        fprintf (out, " %s", wsis_config_services [i]);
    fprintf (out, "\n");
    wsisctl_ops_usage (out);
}

//  One line saying what is wrong, then the usage: the line is what the
//  user reads, the usage what they need next.
static int
s_bad_usage (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

static int
s_bad_usage (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    fprintf (stderr, "wsisctl: ");
    vfprintf (stderr, format, args);
    fprintf (stderr, "\n\n");
    va_end (args);
    s_usage (stderr);
    return WSISCTL_EXIT_FAILED;
}

//  An integer option in min..max, or -1.
static int
s_parse_int (const char *text, int64_t min, int64_t max, int64_t *value)
{
    char *end;
    errno = 0;
    long long number = strtoll (text, &end, 10);
    if (errno || end == text || *end || number < min || number > max)
        return -1;
    *value = number;
    return 0;
}

//  The first variable that is set and not empty, else fallback.
static const char *
s_env (const char *name, const char *other, const char *fallback)
{
    const char *value = getenv (name);
    if (value && *value)
        return value;
    value = other? getenv (other): NULL;
    if (value && *value)
        return value;
    return fallback;
}

static int
s_check_length (const char *what, const char *text, size_t max)
{
    size_t len = strlen (text);
    if (len == 0 || len > max) {
        fprintf (stderr, "wsisctl: %s must be 1-%zu bytes\n", what, max);
        return -1;
    }
    return 0;
}

enum {
    OPT_ROLE = 256, OPT_ACTOR, OPT_TIMEOUT, OPT_ID, OPT_ORIGIN, OPT_COUNT,
    OPT_COMPACT, OPT_HEARTBEATS, OPT_CERT, OPT_DIR, OPT_SINCE, OPT_LIMIT
};

static const struct option s_long_options [] = {
    { "config",     required_argument, NULL, 'c' },
    { "role",       required_argument, NULL, OPT_ROLE },
    { "actor",      required_argument, NULL, OPT_ACTOR },
    { "timeout",    required_argument, NULL, OPT_TIMEOUT },
    { "id",         required_argument, NULL, OPT_ID },
    { "origin",     required_argument, NULL, OPT_ORIGIN },
    { "count",      required_argument, NULL, OPT_COUNT },
    { "compact",    no_argument,       NULL, OPT_COMPACT },
    { "heartbeats", no_argument,       NULL, OPT_HEARTBEATS },
    { "cert",       required_argument, NULL, OPT_CERT },
    { "dir",        required_argument, NULL, OPT_DIR },
    { "since",      required_argument, NULL, OPT_SINCE },
    { "limit",      required_argument, NULL, OPT_LIMIT },
    { "help",       no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

int
main (int argc, char *argv [])
{
    wsisctl_options_t options = {
        .role = s_env ("WSIS_ACTOR_ROLE", NULL, "operator"),
        .actor_id = s_env ("WSIS_ACTOR_ID", "USER", "wsisctl"),
        .timeout_ms = -1,
        .origin = "wsisctl",
    };
    const char *config_option = NULL;
    const char *cert_option = s_env ("WSIS_CERT", NULL, NULL);
    const char *dir_option = NULL;
    bool role_given = false, cert_given = false, help = false;
    int64_t number;

    //  getopt's own messages would say "main"; ours name the program.
    opterr = 0;
    int option;
    while ((option = getopt_long (argc, argv, ":c:h", s_long_options, NULL)) != -1) {
        switch (option) {
            case 'c':
                config_option = optarg;
                break;
            case OPT_ROLE:
                options.role = optarg;
                role_given = true;
                break;
            case OPT_CERT:
                cert_option = optarg;
                cert_given = true;
                break;
            case OPT_DIR:
                dir_option = optarg;
                break;
            case OPT_ACTOR:
                options.actor_id = optarg;
                break;
            case OPT_TIMEOUT:
                if (s_parse_int (optarg, 1, 3600 * 1000, &number))
                    return s_bad_usage ("--timeout '%s' is not a number of milliseconds (1-3600000)", optarg);
                options.timeout_ms = (int) number;
                break;
            case OPT_ID:
                options.request_id = optarg;
                break;
            case OPT_ORIGIN:
                options.origin = optarg;
                break;
            case OPT_COUNT:
                if (s_parse_int (optarg, 1, INT64_MAX, &number))
                    return s_bad_usage ("--count '%s' is not a positive number", optarg);
                options.count = number;
                break;
            case OPT_SINCE:
                if (s_parse_int (optarg, 0, INT64_MAX, &number))
                    return s_bad_usage ("--since '%s' is not a seq (0 or more)", optarg);
                options.since = (uint64_t) number;
                options.replay = true;
                break;
            case OPT_LIMIT:
                if (s_parse_int (optarg, 1, INT64_MAX, &number))
                    return s_bad_usage ("--limit '%s' is not a positive number", optarg);
                options.limit = number;
                break;
            case OPT_COMPACT:
                options.compact = true;
                break;
            case OPT_HEARTBEATS:
                options.heartbeats = true;
                break;
            case 'h':
                help = true;
                break;
            case ':':
                return s_bad_usage ("%s needs a value", argv [optind - 1]);
            default:
                return s_bad_usage ("unknown option '%s'", argv [optind - 1]);
        }
    }
    char **args = argv + optind;
    int arg_count = argc - optind;
    //  SERVICE --help, SERVICE help: what that service offers.
    bool ops_help = arg_count >= 1 && wsis_config_service_known (args [0])
                 && ((help && arg_count == 1) || (arg_count == 2 && streq (args [1], "help")));
    if (help && !ops_help) {
        s_usage (stdout);
        return WSISCTL_EXIT_OK;
    }
    if (arg_count == 0)
        return s_bad_usage ("what to do? a SERVICE and an OP, or ping, clock, settle, tail, history, publish");

    //  The limits of docs/protocol.md section 2, checked here so a typo gets a clear
    //  line instead of a bad_request.
    if (!wsis_role_parse (options.role, strlen (options.role)))
        return s_bad_usage ("unknown role '%s' (public stakeholder staff expert operator "
                            "gateway service publisher)", options.role);
    if (s_check_length ("--actor", options.actor_id, WSIS_ID_MAX * 2)
    ||  (options.request_id && s_check_length ("--id", options.request_id, WSIS_ID_MAX))
    ||  s_check_length ("--origin", options.origin, 64))
        return WSISCTL_EXIT_FAILED;

    //  The command and its arguments, checked before anything is read or
    //  connected, so a usage error never leaves a request half sent.
    const char *command = args [0];
    const char *body_source = NULL;
    if (streq (command, "services")) {
        if (arg_count > 1)
            return s_bad_usage ("services takes no arguments");
        for (size_t i = 0; wsis_config_services [i]; i++)
            printf ("%s\n", wsis_config_services [i]);
        return WSISCTL_EXIT_OK;
    }
    if (streq (command, "keygen")) {
        if (arg_count != 2)
            return s_bad_usage ("keygen takes one NAME");
        if (!role_given)
            return s_bad_usage ("keygen needs --role ROLE: what the certificate's holder may do");
        const char *keys = s_env ("WSIS_KEYS", NULL, "var/keys");
        return wsisctl_keygen (dir_option? dir_option: keys, args [1], options.role);
    }
    if (streq (command, "ping")) {
        if (arg_count > 2)
            return s_bad_usage ("ping takes at most one SERVICE (or all)");
        if (arg_count == 2 && !streq (args [1], "all") && !wsis_config_service_known (args [1]))
            return s_bad_usage ("unknown service '%s'", args [1]);
    }
    else
    if (streq (command, "tail")) {
        if (arg_count > 2)
            return s_bad_usage ("tail takes at most one SERVICE or PREFIX");
    }
    else
    if (streq (command, "history")) {
        if (arg_count != 2 || !wsis_config_service_known (args [1]))
            return s_bad_usage ("history takes one SERVICE");
    }
    else
    if (streq (command, "clock")) {
        bool get = arg_count == 2 && streq (args [1], "get");
        bool set = arg_count == 3 && streq (args [1], "set");
        if (!get && !set)
            return s_bad_usage ("clock takes get, or set and a TIME");
    }
    else
    if (streq (command, "settle")) {
        if (arg_count != 1)
            return s_bad_usage ("settle takes no arguments");
    }
    else
    if (streq (command, "config")) {
        //  checked once the configuration is loaded
    }
    else
    if (streq (command, "ports")) {
        if (arg_count != 1)
            return s_bad_usage ("ports takes no arguments");
    }
    else
    if (streq (command, "publish")) {
        if (arg_count < 2 || arg_count > 3)
            return s_bad_usage ("publish takes a TOPIC and at most one body");
        body_source = arg_count == 3? args [2]: NULL;
    }
    else
    if (!ops_help) {
        if (!wsis_config_service_known (command))
            return s_bad_usage ("unknown service or command '%s'", command);
        if (arg_count < 2 || arg_count > 3)
            return s_bad_usage ("a request takes a SERVICE, an OP and at most one body");
        body_source = arg_count == 3? args [2]: NULL;
    }

    //  The services' rule: an explicit file must load; the default one is
    //  used only if it is there.
    char *error = NULL;
    options.config = wsis_config_load (wsis_config_path (config_option), &error);
    if (!options.config) {
        fprintf (stderr, "wsisctl: %s\n", error? error: "cannot load the configuration");
        free (error);
        return WSISCTL_EXIT_FAILED;
    }
    //  What is in force needs no certificate to be read.
    if (streq (command, "config")) {
        int exit_code = wsisctl_config (&options, wsis_config_path (config_option),
                                        args + 1, arg_count - 1);
        wsis_config_destroy (&options.config);
        return exit_code;
    }
    if (streq (command, "ports")) {
        int exit_code = wsisctl_ports (&options);
        wsis_config_destroy (&options.config);
        return exit_code;
    }
    //  With keys, every connection is CURVE with the client's certificate.
    const char *keys = wsis_config_str (options.config, "wsis/keys");
    if (*keys) {
        char *fallback = zsys_sprintf ("%s/secret/operator.cert_secret", keys);
        int rc = wsis_curve_load_file (keys, cert_option? cert_option: fallback, &options.curve, &error);
        zstr_free (&fallback);
        if (rc) {
            fprintf (stderr, "wsisctl: %s\n", error);
            free (error);
            wsis_config_destroy (&options.config);
            return WSISCTL_EXIT_FAILED;
        }
    }
    else
    if (cert_given) {
        wsis_config_destroy (&options.config);
        return s_bad_usage ("--cert needs the keys folder too (wsis/keys, $WSIS_KEYS): "
                            "the services' certificates are there");
    }
    //  Nothing is worth waiting for at exit: every reply was awaited or
    //  given up on by then.
    zsys_set_linger (0);

    int exit_code;
    if (ops_help)
        exit_code = wsisctl_ops (&options, command);
    else
    if (streq (command, "ping"))
        exit_code = wsisctl_ping (&options, arg_count == 2? args [1]: NULL);
    else
    if (streq (command, "tail"))
        exit_code = wsisctl_tail (&options, arg_count == 2? args [1]: NULL);
    else
    if (streq (command, "history"))
        exit_code = wsisctl_history (&options, args [1]);
    else
    if (streq (command, "clock"))
        exit_code = arg_count == 2? wsisctl_clock_get (&options): wsisctl_clock_set (&options, args [2]);
    else
    if (streq (command, "settle"))
        exit_code = wsisctl_settle (&options);
    else {
        json_t *body = wsisctl_json_read (body_source);
        if (!body)
            exit_code = WSISCTL_EXIT_FAILED;
        else
        if (streq (command, "publish"))
            exit_code = wsisctl_publish (&options, args [1], body);
        else
            exit_code = wsisctl_send (&options, command, args [1], body);
        json_decref (body);
    }
    wsis_curve_destroy (&options.curve);
    wsis_config_destroy (&options.config);
    return exit_code;
}
