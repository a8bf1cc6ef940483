/*  fuzz_nominations_events: the events wsis-nominations applies (the
    projects of submissions, the champions of voting), decoded and applied
    by the real service in-process (fuzz_service.h).
*/
#include "nominations.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/nominations/main.c"
#undef main

static nominations_t s_nominations;
#define FUZZ_SERVICE_STATE &s_nominations
#include "fuzz_service.h"
