/*  wsis_main: command line, configuration, then one service until a signal. */
#include "wsis_main.h"

#include <sys/stat.h>
#include "wsis_log.h"

#include <getopt.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>

static void
s_usage (const wsis_service_def_t *def, const char *program)
{
    fprintf (stderr,
        "usage: %s [-c FILE]%s\n"
        "  -c FILE   configuration (default $WSIS_CONFIG, else configs/wsis.cfg if it exists)\n"
        "%s"
        "  -v        the version\n"
        "  -h        this help\n\n", program, def->rebuildable? " [--rebuild]": "",
        def->rebuildable? "  --rebuild throw the store away and build it again from every event of\n"
                          "            the sources it follows\n": "");
    wsis_config_print_help (stderr);
}

//  --rebuild: the store of a read model goes, with its WAL and the
//  watermark of its outbox (wsis_watermark.h); the service then starts
//  empty and catches up with every source from the first event.
static int
s_remove_store (const wsis_service_def_t *def, wsis_config_t *config, char **error)
{
    const char *suffixes [] = { ".db", ".db-wal", ".db-shm", ".committed" };
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes [0]; i++) {
        char *path = zsys_sprintf ("%s/%s%s", wsis_config_str (config, "wsis/data_dir"),
                                   def->name, suffixes [i]);
        int rc = zsys_file_exists (path)? zsys_file_delete (path): 0;
        if (rc)
            *error = zsys_sprintf ("%s: cannot remove it to rebuild", path);
        zstr_free (&path);
        if (rc)
            return -1;
    }
    return 0;
}

int
wsis_main (const wsis_service_def_t *def, void *state, int argc, char *argv [])
{
    char program [64];
    snprintf (program, sizeof program, "wsis-%s", def->name);
    const char *config_option = NULL;
    bool rebuild = false;
    static const struct option long_options [] = {
        { "rebuild", no_argument, NULL, 'r' },
        { NULL, 0, NULL, 0 }
    };
    int option;
    while ((option = getopt_long (argc, argv, "c:hv", long_options, NULL)) != -1) {
        if (option == 'c')
            config_option = optarg;
        else
        if (option == 'r' && def->rebuildable)
            rebuild = true;
        else
        if (option == 'v') {
            printf ("%s %s\n", program, def->version);
            return 0;
        }
        else {
            s_usage (def, program);
            return option == 'h'? 0: 2;
        }
    }
    //  Whatever the umask: the data folder 0700, databases, WAL and keys
    //  0600 (docs/design.md, "Security").
    umask (077);
    zsys_init ();
    wsis_log_init (program);
    zsys_set_linger (0);

    char *error = NULL;
    wsis_config_t *config = wsis_config_load (wsis_config_path (config_option), &error);
    if (config && rebuild && s_remove_store (def, config, &error))
        wsis_config_destroy (&config);
    else
    if (config && rebuild)
        wsis_log_notice ("%s: rebuilding the store from every event of its sources", program);
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
    wsis_curve_t *curve = wsis_service_curve (service);
    if (curve)
        wsis_log_info ("secure mode: CURVE on every socket, as %s (%s); %zu certificates allowed "
                       "in %s/public", wsis_curve_self (curve)->name,
                       wsis_role_name (wsis_curve_self (curve)->role), wsis_curve_allowed (curve),
                       wsis_config_str (running, "wsis/keys"));
    else
        wsis_log_notice ("development mode: no CURVE keys configured, roles are taken from "
                         "actor.role; listening on %s only", wsis_config_bind_host (running));

    wsis_service_run (service);
    wsis_log_info ("%s stopping", program);
    wsis_service_destroy (&service);
    return 0;
}
