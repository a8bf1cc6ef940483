/*  The service runtime's own struct, shared by wsis_service.c (lifecycle,
    timers, common operations), wsis_server.c (commands) and
    wsis_consumer.c (events in). Services never include this file.
*/
#ifndef WSIS_SERVICE_PRIVATE_H
#define WSIS_SERVICE_PRIVATE_H

#include "wsis_service.h"

#define WSIS_MAX_FOLLOWED 16

//  Catch-up with one source: at most one events.since in flight.
typedef struct {
    char *source;
    char *endpoint;
    zsock_t *dealer;            //  created on first use, recreated after a timeout
    bool in_flight;
    char request_id [32];
    uint64_t requests;
    int64_t sent_at;            //  monotonic ms
} wsis_catchup_t;

struct _wsis_service_t {
    const wsis_service_def_t *def;
    void *state;
    wsis_config_t *config;
    wsis_calendar_t *calendar;
    wsis_clock_t *clock;
    wsis_store_t *store;
    wsis_outbox_t *outbox;
    wsis_cursor_t *cursor;
    wsis_replies_t *replies;
    zloop_t *loop;
    zsock_t *router;
    zsock_t *publisher;         //  owned PUB, unless the service set its own
    zsock_t *publisher_override;
    zsock_t *subscriber;
    wsis_msg_limits_t limits;
    size_t max_request;
    size_t batch_max;
    int64_t started;            //  monotonic ms
    bool clock_changed;         //  sys.clock.set ran: tick after the batch

    uint64_t requests;
    uint64_t errors;

    struct _wsis_item_t *items; //  the batch in hand, allocated once (wsis_server.c)
    size_t item_count;

    wsis_catchup_t catchups [WSIS_MAX_FOLLOWED];
    size_t catchup_count;
};

//  wsis_server.c
int wsis_server_start (wsis_service_t *self, char **error);
void wsis_server_stop (wsis_service_t *self);
//  The common operations, answered for every service.
extern const wsis_op_t wsis_server_common_ops [];

//  wsis_consumer.c
int wsis_consumer_start (wsis_service_t *self, char **error);
void wsis_consumer_stop (wsis_service_t *self);
//  Every second: resend timed-out catch-ups, start one where a source is
//  known to be ahead.
void wsis_consumer_tick (wsis_service_t *self);

//  wsis_service.c: finish a transaction the caller opened: commit, then
//  publish and make the cursor/replies state durable; or on failure roll
//  back everything, memory included. 0 if committed.
int wsis_service_finish (wsis_service_t *self, bool commit);

#endif
