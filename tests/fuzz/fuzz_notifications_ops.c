/*  fuzz_notifications_ops: the request body of every operation of
    wsis-notifications (subscriptions, the calendar, the outgoing messages),
    run by the real service in-process as its command endpoint runs them
    (fuzz_ops.h).
*/
#include "notifications.h"

//  The service exactly as its binary defines it (s_service and its
//  hooks): main.c itself, its main renamed.
#define main s_main_unused
#include "../../services/notifications/main.c"
#undef main

static notifications_t s_notifications;
#define FUZZ_SERVICE_STATE &s_notifications
#define FUZZ_OPS_NOW "2022-01-10T12:00:00Z"     //  deadlines ahead of every 2022 call
#include "fuzz_ops.h"
