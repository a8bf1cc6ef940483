/*  wsisctl_config: the settings in force, as every program reads them
    (the file by wsis_config_path's rule, then the environment).

    `make run` prints them in its banner, so whoever starts a rehearsal
    sees which data folder, calendar, clock and keys it runs with before
    anything is written; a script asks for one value by name.
*/
#include "wsisctl.h"

//  What an operator needs to know is in force, in banner order.
static const char *const s_names [] = {
    "wsis/data_dir", "wsis/calendar", "wsis/staff", "wsis/clock", "wsis/keys", "wsis/bind", NULL
};

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
            printf ("%s\n", streq (names [i], "config")? (path? path: ""):
                             wsis_config_str (options->config, names [i]));
    else {
        printf ("config = %s\n", path? path: "(none: defaults and environment)");
        for (size_t i = 0; s_names [i]; i++)
            printf ("%s = %s\n", s_names [i], wsis_config_str (options->config, s_names [i]));
    }
    if (fflush (stdout) || ferror (stdout)) {
        fprintf (stderr, "wsisctl: cannot write to stdout\n");
        return WSISCTL_EXIT_FAILED;
    }
    return WSISCTL_EXIT_OK;
}
