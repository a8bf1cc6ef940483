/*  fuzz_nominations_ops: the request body of every operation of
    wsis-nominations (nominees, reviews, experts, selection), run by the
    real service in-process as its command endpoint runs them (fuzz_ops.h).
*/
#include "nominations.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/nominations/main.c"
#undef main

static nominations_t s_nominations;
#define FUZZ_SERVICE_STATE &s_nominations
#define FUZZ_OPS_NOW "2022-02-10T12:00:00Z"     //  the prize nomination phase
#include "fuzz_ops.h"
