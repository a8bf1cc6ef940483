/*  fuzz_reporting_ops: the request body of every operation of
    wsis-reporting (every report in every format), run by the real service
    in- process as its command endpoint runs them (fuzz_ops.h).
*/
#include "reporting.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/reporting/main.c"
#undef main

static reporting_t s_reporting;
#define FUZZ_SERVICE_STATE &s_reporting
#define FUZZ_OPS_NOW "2022-05-31T12:00:00Z"     //  the 2022 prizes are announced
#include "fuzz_ops.h"
