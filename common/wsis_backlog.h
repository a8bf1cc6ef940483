/*  wsis_backlog: the replies of the command endpoint that wait for a peer
    which does not read them (docs/protocol.md, "Framing and limits").

    libzmq bounds a ROUTER's queue to each peer in messages, not bytes: a
    peer that sends requests and never reads the replies makes the service
    hold high-water mark x reply size (100,000 tallies of 24 KB were
    2.4 GB). So the command ROUTER runs with ZMQ_ROUTER_MANDATORY and a
    small send high-water mark (WSIS_BACKLOG_PEER_HWM replies per peer in
    libzmq); a reply that finds its peer's queue full waits here, counted
    in bytes, behind any reply already waiting for that peer, and goes out
    when the peer has read enough. A peer with its budget of bytes waiting
    or more is stalled: the server runs none of its requests (they are
    dropped unanswered, counted, logged once per stall) until it has read
    everything that waits for it; a reply made for it meanwhile (to a
    request of the batch that stalled it) is dropped and counted, as is
    a reply to a peer that has gone. So one peer makes the service hold
    at most its budget plus one reply here, and WSIS_BACKLOG_PEER_HWM
    replies in libzmq.

    Replies are sent from the frames the request came in: a reply that
    goes at once costs no zmsg_t; only one that waits here is copied into
    one.

        wsis_backlog_t *backlog = wsis_backlog_new (8 * 1024 * 1024);
        if (wsis_backlog_refuse (backlog, zmq_msg_data (&frames [0]), zmq_msg_size (&frames [0])))
            ...     //  a stalled peer: drop the request
        wsis_backlog_send (backlog, router, frames, routing_count, reply, reply_size);
        ...
        wsis_backlog_flush (backlog, router);     //  now and then, while waiting > 0
        wsis_backlog_destroy (&backlog);
*/
#ifndef WSIS_BACKLOG_H
#define WSIS_BACKLOG_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Replies libzmq may queue to one peer (the ROUTER's ZMQ_SNDHWM), the one
//  part of the bound counted in messages: a batch's worth (the default
//  wsis/batch_max), so a client that pipelines and reads never waits
//  here. At 256 a pipelining client's replies went through the backlog
//  and cost the vote bench a quarter more CPU per vote.
#define WSIS_BACKLOG_PEER_HWM 1024

typedef struct _wsis_backlog_t wsis_backlog_t;

//  A backlog that lets each peer have up to budget bytes of replies
//  waiting (at least one reply, whatever its size). Caller owns it.
wsis_backlog_t *wsis_backlog_new (size_t budget);
//  Destroys every reply still waiting.
void wsis_backlog_destroy (wsis_backlog_t **self_p);

//  Sets the ROUTER's options this module relies on (mandatory routing,
//  the per-peer high-water mark, sends that never block).
void wsis_backlog_configure (zsock_t *router);

//  Sends a reply made of count routing frames (the caller's, as received;
//  count > 0) and then reply's size bytes on router now, or copies it to
//  wait until its peer reads, behind what already waits for that peer.
//  Each routing frame that went is emptied, as zmq_msg_send does; the
//  caller closes them all.
void wsis_backlog_send (wsis_backlog_t *self, zsock_t *router, zmq_msg_t *routing, size_t count,
                        const void *reply, size_t size);

//  True when the peer of routing_id (size bytes: a request's first frame)
//  is stalled: the caller drops the request without running it. Counts it.
bool wsis_backlog_refuse (wsis_backlog_t *self, const void *routing_id, size_t size);

//  Sends what waits, as far as each peer's queue takes it, and forgets
//  the peers that have gone. Returns the bytes still waiting.
size_t wsis_backlog_flush (wsis_backlog_t *self, zsock_t *router);

//  Bytes of replies waiting now.
size_t wsis_backlog_waiting (wsis_backlog_t *self);
//  Since the start: requests refused from stalled peers, and replies
//  dropped because their peer had gone.
uint64_t wsis_backlog_refused (wsis_backlog_t *self);
uint64_t wsis_backlog_dropped (wsis_backlog_t *self);

#endif
