/*  fuzz_voting_events: the events wsis-voting applies (the projects of submissions,
    the nominated lists of nominations: who may be voted for), decoded and applied by the real
    service in-process (fuzz_service.h).
*/
#include "voting.h"
#include "fuzz_service.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/voting/main.c"
#undef main

static voting_t s_voting;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    fuzz_service_start (&s_service, &s_voting);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_service_apply (data, size);
}
