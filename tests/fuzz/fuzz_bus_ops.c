/*  fuzz_bus_ops: the request body of every operation of wsis-bus (the
    journal: publish), run by the real service in-process as its command
    endpoint runs them (fuzz_ops.h).
*/
#include "bus.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/bus/main.c"
#undef main

static bus_t s_bus;
#define FUZZ_SERVICE_STATE &s_bus
#define FUZZ_OPS_NOW "2022-01-10T12:00:00Z"     //  the journal does not look at the clock
#include "fuzz_ops.h"
