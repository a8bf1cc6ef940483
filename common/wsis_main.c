/*  wsis_main: command line, configuration, then one service until a signal. */
#include "wsis_main.h"
#include "wsis_log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void
s_usage (const char *program)
{
    fprintf (stderr,
        "usage: %s [-c FILE]\n"
        "  -c FILE   configuration (default $WSIS_CONFIG, else configs/wsis.cfg if it exists)\n"
        "  -v        the version\n"
        "  -h        this help\n\n", program);
    wsis_config_print_help (stderr);
}

int
wsis_main (const wsis_service_def_t *def, void *state, int argc, char *argv [])
{
    char program [64];
    snprintf (program, sizeof program, "wsis-%s", def->name);
    const char *config_option = NULL;
    int option;
    while ((option = getopt (argc, argv, "c:hv")) != -1) {
        if (option == 'c')
            config_option = optarg;
        else
        if (option == 'v') {
            printf ("%s %s\n", program, def->version);
            return 0;
        }
        else {
            s_usage (program);
            return option == 'h'? 0: 2;
        }
    }
    zsys_init ();
    wsis_log_init (program);
    zsys_set_linger (0);

    char *error = NULL;
    wsis_config_t *config = wsis_config_load (wsis_config_path (config_option), &error);
    wsis_service_t *service = config? wsis_service_new (def, state, &config, &error): NULL;
    if (!service) {
        fprintf (stderr, "%s: %s\n", program, error? error: "cannot start");
        free (error);
        return 1;
    }
    wsis_config_t *running = wsis_service_config (service);
    char *endpoint = wsis_config_endpoint (running, def->name, "port", true);
    wsis_log_info ("%s %s listening on %s, data in %s, clock %s", program, def->version, endpoint,
                   wsis_config_str (running, "wsis/data_dir"),
                   wsis_clock_manual (wsis_service_clock (service))? "manual": "real");
    zstr_free (&endpoint);
    wsis_log_notice ("development mode: no CURVE keys configured, roles are taken from actor.role");

    wsis_service_run (service);
    wsis_log_info ("%s stopping", program);
    wsis_service_destroy (&service);
    return 0;
}
