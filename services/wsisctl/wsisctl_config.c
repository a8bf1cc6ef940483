/*  wsisctl_config: the settings in force, as every program reads them
    (the file by wsis_config_path's rule, then the environment), and the
    ports they give the services.

    `make run` prints them in its banner, so whoever starts a rehearsal
    sees which data folder, calendar, clock and keys it runs with before
    anything is written; a script asks for one value by name.
*/
#include "wsisctl.h"

#include <string.h>

//  What an operator needs to know is in force, in banner order; the
//  ports are numbers, the rest text.
static const char *const s_names [] = {
    "wsis/data_dir", "wsis/calendar", "wsis/staff", "wsis/clock", "wsis/keys", "wsis/bind",
    "bus/xsub_port", "bus/xpub_port", "bus/port", NULL
};

static void
s_print_value (wsis_config_t *config, const char *name)
{
    if (strstr (name, "_port") || streq (name, "bus/port"))
        printf ("%lld\n", (long long) wsis_config_int (config, name));
    else
        printf ("%s\n", wsis_config_str (config, name));
}

static int
s_flushed (void)
{
    if (fflush (stdout) || ferror (stdout)) {
        fprintf (stderr, "wsisctl: cannot write to stdout\n");
        return WSISCTL_EXIT_FAILED;
    }
    return WSISCTL_EXIT_OK;
}

static bool
s_known (const char *name)
{
    for (size_t i = 0; s_names [i]; i++)
        if (streq (s_names [i], name))
            return true;
    return false;
}

int
wsisctl_config (const wsisctl_options_t *options, const char *path, char **names, int name_count)
{
    for (int i = 0; i < name_count; i++)
        if (!streq (names [i], "config") && !s_known (names [i])) {
            fprintf (stderr, "wsisctl: config: unknown setting '%s' (config", names [i]);
            for (size_t j = 0; s_names [j]; j++)
                fprintf (stderr, " %s", s_names [j]);
            fprintf (stderr, ")\n");
            return WSISCTL_EXIT_FAILED;
        }
    //  One value per line when asked by name, for scripts; else every one
    //  as "name = value", for people
    if (name_count > 0)
        for (int i = 0; i < name_count; i++)
            if (streq (names [i], "config"))
                printf ("%s\n", path? path: "");
            else
                s_print_value (options->config, names [i]);
    else {
        printf ("config = %s\n", path? path: "(none: defaults and environment)");
        for (size_t i = 0; s_names [i]; i++) {
            printf ("%s = ", s_names [i]);
            s_print_value (options->config, s_names [i]);
        }
    }
    return s_flushed ();
}

//  Scripts and tests that need the ports of the deployment (the ports
//  compose publishes, the ones a check must find free) read them here,
//  from the option table, instead of a list of their own.
int
wsisctl_ports (const wsisctl_options_t *options)
{
    for (size_t i = 0; wsis_config_services [i]; i++) {
        size_t length = strlen (wsis_config_services [i]);
        const char *name;
        for (size_t j = 0; (name = wsis_config_option (j)); j++) {
            if (strncmp (name, wsis_config_services [i], length) || name [length] != '/'
            ||  strlen (name) < 4 || !streq (name + strlen (name) - 4, "port"))
                continue;
            int64_t port = wsis_config_int (options->config, name);
            if (port > 0)
                printf ("%s %lld\n", name, (long long) port);
        }
    }
    return s_flushed ();
}
