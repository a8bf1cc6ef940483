/*  fuzz_reporting_events: every event wsis-reporting applies, decoded and
    applied by the real service in-process (fuzz_service.h). reporting
    follows every source, so this reaches the body decoders of every event
    type a read model is built from.
*/
#include "reporting.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/reporting/main.c"
#undef main

static reporting_t s_reporting;
#define FUZZ_SERVICE_STATE &s_reporting
#include "fuzz_service.h"
