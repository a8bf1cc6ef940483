/*  wsis_event: the event envelope (docs/protocol.md section 3).

    {v: 1, source, seq, id: "<source>:<seq>", type, ts, body}. Producers
    encode one per outbox row; consumers decode what the bus forwards,
    which is untrusted: the bus passes on whatever a publisher pushes into
    its XSUB.
*/
#ifndef WSIS_EVENT_H
#define WSIS_EVENT_H

#include "wsis_error.h"

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

//  The largest envelope that travels live, through the bus: the bus's XSUB
//  and every consumer's SUB refuse a larger message, and libzmq then drops
//  the connection that carried it for good (it does not connect again
//  after such an error). So a producer never publishes a larger one
//  (wsis_outbox); its consumers get it by events.since, as any event
//  they missed. Only a wsis/max_request raised above its default lets a
//  request make one.
#define WSIS_EVENT_LIVE_MAX (16 * 1024 * 1024)

typedef struct {
    char source [64];
    uint64_t seq;               //  0 for sys.heartbeat
    char type [128];
    int64_t ts;                 //  ms since the epoch, UTC
    const msgpack_object *body; //  a map
    const void *raw;            //  the whole envelope as received (not owned)
    size_t raw_size;
    msgpack_unpacked unpacked;  //  owns body (after wsis_event_decode)
} wsis_event_t;

//  Appends an envelope to out, where body is already packed msgpack (one
//  map; an empty map when body_size is 0).
void wsis_event_encode (msgpack_sbuffer *out, const char *source, uint64_t seq,
                        const char *type, int64_t ts, const void *body, size_t body_size);

//  Decodes an envelope strictly. 0 or -1 with *error set. The event points
//  into data: keep the frame until the event is released. Always call
//  wsis_event_release afterwards.
int wsis_event_decode (wsis_event_t *event, const void *data, size_t size, wsis_error_t *error);

//  The same from an envelope already unpacked (an element of an
//  events.since reply); the event does not own it and raw is NULL.
int wsis_event_from_object (wsis_event_t *event, const msgpack_object *envelope, wsis_error_t *error);

void wsis_event_release (wsis_event_t *event);

#endif
