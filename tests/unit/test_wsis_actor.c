/*  test_wsis_actor: stopping an actor waits until its handler has ended,
    through signals that interrupt the wait (zactor_destroy gives up
    waiting on the first one), drops what the actor sent before its end,
    and returns for an actor that has ended by itself.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "wsis_actor.h"
#include "wsis_log.h"

typedef struct {
    int linger_ms;              //  how long the handler works after $TERM
    int replies;                //  messages it sends before it ends
    atomic_bool ended;
} actor_args_t;

static void
s_actor (zsock_t *pipe, void *arg)
{
    actor_args_t *args = (actor_args_t *) arg;
    zsock_signal (pipe, 0);
    char *command = zstr_recv (pipe);
    //  Only $TERM ends it (a signal interrupting this receive must not).
    while (!command || !streq (command, "$TERM")) {
        zstr_free (&command);
        command = zstr_recv (pipe);
    }
    zstr_free (&command);
    for (int i = 0; i < args->replies; i++)
        zstr_send (pipe, "DONE");
    zclock_sleep (args->linger_ms);
    atomic_store (&args->ended, true);
}

static void
s_returns_at_once (zsock_t *pipe, void *arg)
{
    (void) arg;
    zsock_signal (pipe, 0);
}

static void
s_on_signal (int signum)
{
    (void) signum;
}

typedef struct {
    pthread_t target;
    int count;
} interrupter_t;

//  Interrupts the target thread count times, 50 ms apart.
static void *
s_interrupt (void *arg)
{
    interrupter_t *interrupter = (interrupter_t *) arg;
    for (int i = 0; i < interrupter->count; i++) {
        zclock_sleep (50);
        pthread_kill (interrupter->target, SIGUSR1);
    }
    return NULL;
}

static void
test_the_wait_goes_on_through_signals (void **state)
{
    (void) state;
    //  No SA_RESTART: every signal interrupts the receive, as SIGINT and
    //  SIGTERM do for a stopping service.
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigaction (SIGUSR1, &action, NULL);

    actor_args_t args = { .linger_ms = 400 };
    atomic_init (&args.ended, false);
    zactor_t *actor = zactor_new (s_actor, &args);
    interrupter_t interrupter = { .target = pthread_self (), .count = 4 };
    pthread_t thread;
    pthread_create (&thread, NULL, s_interrupt, &interrupter);
    wsis_actor_destroy (&actor);
    assert_null (actor);
    assert_true (atomic_load (&args.ended));
    pthread_join (thread, NULL);
    signal (SIGUSR1, SIG_DFL);
}

static void
test_messages_before_the_end_are_dropped (void **state)
{
    (void) state;
    actor_args_t args = { .linger_ms = 50, .replies = 3 };
    atomic_init (&args.ended, false);
    zactor_t *actor = zactor_new (s_actor, &args);
    wsis_actor_destroy (&actor);
    assert_null (actor);
    assert_true (atomic_load (&args.ended));
}

static void
test_an_actor_that_ended_by_itself (void **state)
{
    (void) state;
    zactor_t *actor = zactor_new (s_returns_at_once, NULL);
    zclock_sleep (50);          //  let it end and close its end of the pipe
    wsis_actor_destroy (&actor);
    assert_null (actor);
    wsis_actor_destroy (&actor);        //  nothing to do
    wsis_actor_destroy (NULL);
}

int
main (void)
{
    wsis_log_init ("test_wsis_actor");
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_the_wait_goes_on_through_signals),
        cmocka_unit_test (test_messages_before_the_end_are_dropped),
        cmocka_unit_test (test_an_actor_that_ended_by_itself),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
