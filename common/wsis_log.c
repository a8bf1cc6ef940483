/*  wsis_log: process-wide log set-up over zsys. */
#include "wsis_log.h"

void
wsis_log_init (const char *service)
{
    zsys_set_logident (service);
    zsys_set_logstream (stderr);
    zsys_set_logsystem (false);
}
