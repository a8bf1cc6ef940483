/*  fuzz_submissions_events: the events wsis-submissions applies (the
    nominations and winners of nominations, the champions of voting: a
    record's contest status), decoded and applied by the real
    service in-process (fuzz_service.h).
*/
#include "submissions.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/submissions/main.c"
#undef main

#define FUZZ_SERVICE_STATE NULL    //  as main() gives it
#include "fuzz_service.h"
