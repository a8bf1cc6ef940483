/*  wsis_main: the main() of every wsis service.

    The command line (-c FILE, -h, -v), the configuration by the one rule
    of wsis_config_path, logging, then wsis_service_new, run until SIGINT
    or SIGTERM, destroy. Each service's main.c is its definition and one
    call:

        return wsis_main (&def, &state, argc, argv);
*/
#ifndef WSIS_MAIN_H
#define WSIS_MAIN_H

#include "wsis_service.h"

//  Returns the process exit code: 0 after a clean stop (or -h, -v), 1 when
//  the service could not start (one line on stderr says why), 2 on a bad
//  command line.
int wsis_main (const wsis_service_def_t *def, void *state, int argc, char *argv []);

#endif
