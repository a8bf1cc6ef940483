/*  fuzz_submissions_events: the events wsis-submissions applies (the
    nominations and winners of nominations, the champions of voting: a
    record's contest status), decoded and applied by the real
    service in-process (fuzz_service.h).
*/
#include "submissions.h"
#include "fuzz_service.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/submissions/main.c"
#undef main

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    fuzz_service_start (&s_service, NULL);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_service_apply (data, size);
}
