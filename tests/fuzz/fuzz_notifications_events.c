/*  fuzz_notifications_events: the events wsis-notifications applies (every
    event that turns into a message to someone), decoded and applied by the real
    service in-process (fuzz_service.h).
*/
#include "notifications.h"
#include "fuzz_service.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/notifications/main.c"
#undef main

static notifications_t s_notifications;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    fuzz_service_start (&s_service, &s_notifications);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_service_apply (data, size);
}
