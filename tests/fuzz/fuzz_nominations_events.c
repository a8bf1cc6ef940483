/*  fuzz_nominations_events: the events wsis-nominations applies (the
    projects of submissions, the champions of voting), decoded and applied
    by the real service in-process (fuzz_service.h).
*/
#include "nominations.h"
#include "fuzz_service.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/nominations/main.c"
#undef main

static nominations_t s_nominations;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    fuzz_service_start (&s_service, &s_nominations);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_service_apply (data, size);
}
