/*  fuzz_gateway_events: the events wsis-gateway applies (the
    stakeholders of submissions: the addresses a sign-in code may go to,
    gateway_people_apply), decoded and applied by the real service
    in-process (fuzz_service.h), its HTTP listener on a free port.
*/
#include "gateway.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/gateway/main.c"
#undef main

static gateway_t s_gateway;
#define FUZZ_SERVICE_STATE &s_gateway
#include "fuzz_service.h"
