/*  fuzz_submissions_ops: the request body of every operation of
    wsis-submissions (stakeholders, submissions of every kind of call, their
    records and lookups), run by the real service in-process as its command
    endpoint runs them (fuzz_ops.h).
*/
#include "submissions.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/submissions/main.c"
#undef main

#define FUZZ_SERVICE_STATE NULL    //  as main() gives it
#define FUZZ_OPS_NOW "2022-01-10T12:00:00Z"     //  the 2022 calls take submissions
#include "fuzz_ops.h"
