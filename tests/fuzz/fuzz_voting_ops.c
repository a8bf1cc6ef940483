/*  fuzz_voting_ops: the request body of every operation of wsis-voting
    (voters, ballots, receipts, tallies), run by the real service in-process
    as its command endpoint runs them (fuzz_ops.h).
*/
#include "voting.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/voting/main.c"
#undef main

static voting_t s_voting;
#define FUZZ_SERVICE_STATE &s_voting
#define FUZZ_OPS_NOW "2022-03-10T12:00:00Z"     //  the prize vote is open
#include "fuzz_ops.h"
