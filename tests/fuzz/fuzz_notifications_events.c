/*  fuzz_notifications_events: the events wsis-notifications applies (every
    event that turns into a message to someone), decoded and applied by the real
    service in-process (fuzz_service.h).
*/
#include "notifications.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/notifications/main.c"
#undef main

static notifications_t s_notifications;
#define FUZZ_SERVICE_STATE &s_notifications
#include "fuzz_service.h"
