/*  wsis_actor: stopping a CZMQ actor for certain, whatever signals arrive.

    zactor_destroy sends $TERM and waits for the actor's last signal, but
    gives up waiting when the wait is interrupted: a second signal while a
    service stops (Ctrl-C, then the SIGTERM of make run's script) left the
    actor's thread running, and the process then closed that thread's
    socket under it at exit (libzmq aborts in its signaler, or zmq_term
    waits for ever). wsis_actor_destroy waits through interruptions, so
    that when it returns the actor's handler has ended and nothing it uses
    (a database connection, say) may be freed too early.

        zactor_t *worker = zactor_new (handler, args);
        ...
        wsis_actor_destroy (&worker);

    The handler must end on "$TERM", as every CZMQ actor does.
*/
#ifndef WSIS_ACTOR_H
#define WSIS_ACTOR_H

#include <czmq.h>

void
    wsis_actor_destroy (zactor_t **self_p);

#endif
