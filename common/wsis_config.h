/*  wsis_config: the one table of options, read from a ZPL file.

    Every option of every service lives in one table (name, type, default,
    bounds, help), the way Redis keeps static_configs[]: --help, the README
    and validation all come from it. The file (configs/wsis.cfg) may set any
    of them; environment variables override the file so the same binaries
    run as local processes and in containers:

        WSIS_DATA_DIR        wsis/data_dir
        WSIS_CLOCK           wsis/clock (real | manual)
        WSIS_CALENDAR        wsis/calendar
        WSIS_BUS             bus/host
        WSIS_KEYS            wsis/keys (the CURVE keys; empty: development mode)
        WSIS_BIND            wsis/bind (the interface to listen on)
        WSIS_VOTING_KEY      voting/key_file (the voting key)
        WSIS_<SERVICE>_HOST  <service>/host   (SUBMISSIONS, NOMINATIONS, ...)

    A bad value stops the program with one line naming the option.
*/
#ifndef WSIS_CONFIG_H
#define WSIS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct _wsis_config_t wsis_config_t;

//  The services of wsis in the order they start (the bus first),
//  NULL-terminated: each has a section of options, a binary wsis-<name>
//  and a command endpoint.
extern const char *const wsis_config_services [];

//  True when name is one of wsis_config_services.
bool wsis_config_service_known (const char *name);

//  Which file to load, by the one rule every program follows: the path
//  given with -c (option, or NULL), else $WSIS_CONFIG, else
//  configs/wsis.cfg when it exists, else NULL (defaults and environment
//  only). A file named explicitly must then load: a typo in -c is an
//  error, not a silent run on defaults.
const char *wsis_config_path (const char *option);

//  Loads the file at path (NULL: defaults and environment only), then the
//  environment. On failure NULL and *error is one line (caller frees).
wsis_config_t *wsis_config_load (const char *path, char **error);
//  The same from ZPL text in memory (tests, fuzzing).
wsis_config_t *wsis_config_parse (const char *text, char **error);
void wsis_config_destroy (wsis_config_t **self_p);

//  Sets one option ("section/name") to text, checked like the file's
//  values: how a test or an embedding program configures a service in
//  its own process. 0, or -1 with *error (caller frees).
int wsis_config_set (wsis_config_t *self, const char *name, const char *text, char **error);

//  Values by "section/name". Asking for an option not in the table is a
//  bug in the caller: it asserts.
int64_t wsis_config_int (wsis_config_t *self, const char *name);
const char *wsis_config_str (wsis_config_t *self, const char *name);
bool wsis_config_bool (wsis_config_t *self, const char *name);

//  "tcp://BIND:PORT" to bind (see wsis_config_bind_host), or "tcp://HOST:PORT" to connect, for a
//  service ("voting") and its port option ("port", "xsub_port"). Caller
//  frees the string.
char *wsis_config_endpoint (wsis_config_t *self, const char *service,
                            const char *port_option, bool bind);

//  The interface sockets listen on: wsis/bind, or when it is empty
//  127.0.0.1 in development mode (no wsis/keys) and * with keys.
const char *wsis_config_bind_host (wsis_config_t *self);

//  Development mode (no keys: anyone may claim any role) is for this
//  machine only: -1 with *error (caller frees) when it would listen on
//  another interface and wsis/insecure is not set.
int wsis_config_check_exposure (wsis_config_t *self, char **error);

//  Prints the table: name, default, bounds, help.
void wsis_config_print_help (FILE *out);

//  The name ("section/name") of the index-th option of the table, or NULL
//  past the last: for programs that list options (wsisctl ports).
const char *wsis_config_option (size_t index);

#endif
