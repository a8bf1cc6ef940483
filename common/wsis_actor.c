/*  wsis_actor: stopping a CZMQ actor for certain (see wsis_actor.h). */
#include "wsis_actor.h"
#include "wsis_log.h"

#include <errno.h>

//  How long to offer $TERM to an actor that does not take it: one that has
//  ended already (its end of the pipe is gone, its last signal waits for
//  us) or, rarely, one whose pipe is full while it works.
#define S_OFFER_MS 2000
#define S_SLICE_MS 100

void
wsis_actor_destroy (zactor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_t *pipe = zactor_sock (*self_p);
    zsock_set_sndtimeo (pipe, 0);
    zsock_set_rcvtimeo (pipe, S_SLICE_MS);
    bool sent = false;
    int offered_ms = 0;
    while (true) {
        if (!sent)
            sent = zstr_send (pipe, "$TERM") == 0;
        //  The actor's last signal: what it sent before (a reply nobody
        //  reads any more) is dropped, as zsock_wait does; an interrupted
        //  or timed-out receive is tried again instead of giving up.
        zmsg_t *msg = zmsg_recv (pipe);
        if (msg) {
            int signal = zmsg_signal (msg);
            zmsg_destroy (&msg);
            if (signal >= 0)
                break;
        }
        else
        if (errno != EINTR && errno != EAGAIN)
            break;              //  the context is ending
        else
        if (!sent && (offered_ms += S_SLICE_MS) >= S_OFFER_MS) {
            wsis_log_warning ("actor: no answer to $TERM in %d ms", S_OFFER_MS);
            break;
        }
    }
    //  The actor has ended: zactor_destroy's own $TERM and wait must not
    //  block on a pipe nobody reads any more.
    zsock_set_rcvtimeo (pipe, 0);
    zactor_destroy (self_p);
}
