/*  fuzz_voting_events: the events wsis-voting applies (the projects of submissions,
    the nominated lists of nominations: who may be voted for), decoded and applied by the real
    service in-process (fuzz_service.h).
*/
#include "voting.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/voting/main.c"
#undef main

static voting_t s_voting;
#define FUZZ_SERVICE_STATE &s_voting
#include "fuzz_service.h"
