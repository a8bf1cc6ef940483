/*  fuzz_service: one real service inside a fuzz target, fed events as its
    consumer would feed them. A target is its service's main.c (for
    s_service, the definition as the binary has it), the state main()
    would give it, and this header, which defines libFuzzer's entry points:

        #define main s_main_unused
        #include "../../services/voting/main.c"
        #undef main
        static voting_t s_voting;
        #define FUZZ_SERVICE_STATE &s_voting
        #include "fuzz_service.h"

    LLVMFuzzerInitialize builds the service from s_service with
    wsis_service_new: its store in a folder of its own
    under /tmp (removed at exit), the clock manual, the calendar of
    configs/calendar.cfg (run the targets from the top of the tree, as
    `make fuzz` does), its command port a free one (the bus's XSUB and
    XPUB and the gateway's HTTP port too). It never runs its
    loop: each input goes straight to def->apply.

    An input is what a consumer receives: one envelope (a live event, through
    wsis_event_decode) or an array of envelopes (a page of events.since,
    each through wsis_event_from_object), applied in order in one
    transaction that is then rolled back, so every input meets the same
    empty store and a crash reproduces from its input alone. A page lets
    the fuzzer build state first (a submission, then its nomination, then
    a vote) and reach the paths that need it.

    fuzz_ops.h builds on this for the targets that run requests.
*/
#ifndef FUZZ_SERVICE_H
#define FUZZ_SERVICE_H

#include <czmq.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wsis_event.h"
#include "wsis_msg.h"
#include "wsis_service.h"

static wsis_service_t *s_fuzz_service;
static const wsis_service_def_t *s_fuzz_def;
static char s_fuzz_dir [64];

//  A TCP port nobody listens on now (the kernel's choice).
static int
s_fuzz_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    if (fd < 0 || bind (fd, (struct sockaddr *) &address, sizeof address)
    ||  getsockname (fd, (struct sockaddr *) &address, &length)) {
        perror ("fuzz_service: a free port");
        exit (1);
    }
    close (fd);
    return ntohs (address.sin_port);
}

static void
s_fuzz_set (wsis_config_t *config, const char *name, const char *value)
{
    char *error = NULL;
    if (wsis_config_set (config, name, value, &error)) {
        fprintf (stderr, "fuzz_service: %s: %s\n", name, error);
        exit (1);
    }
}

static void
s_fuzz_stop (void)
{
    wsis_service_destroy (&s_fuzz_service);
    zdir_t *dir = zdir_new (s_fuzz_dir, NULL);
    if (dir) {
        zdir_remove (dir, true);
        zdir_destroy (&dir);
    }
}

static void
s_fuzz_start (const wsis_service_def_t *def, void *state)
{
    s_fuzz_def = def;
    zsys_init ();
    zsys_set_logstream (NULL);      //  one line per refused event is all noise here
    snprintf (s_fuzz_dir, sizeof s_fuzz_dir, "/tmp/fuzz_%s_XXXXXX", def->name);
    if (!mkdtemp (s_fuzz_dir)) {
        perror ("fuzz_service: mkdtemp");
        exit (1);
    }
    char *error = NULL;
    wsis_config_t *config = wsis_config_load (NULL, &error);
    if (!config) {
        fprintf (stderr, "fuzz_service: %s\n", error);
        exit (1);
    }
    s_fuzz_set (config, "wsis/data_dir", s_fuzz_dir);
    s_fuzz_set (config, "wsis/clock", "manual");
    s_fuzz_set (config, "wsis/calendar", "configs/calendar.cfg");
    //  A free port for every one it binds: its command port, the bus's
    //  XSUB and XPUB too, the gateway's HTTP port too.
    static const char *const bus_ports [] = { "port", "xsub_port", "xpub_port", NULL };
    static const char *const gateway_ports [] = { "port", "http_port", NULL };
    static const char *const other_ports [] = { "port", NULL };
    const char *const *ports = streq (def->name, "bus")? bus_ports:
                               streq (def->name, "gateway")? gateway_ports: other_ports;
    for (size_t i = 0; ports [i]; i++) {
        char option [64], port [16];
        snprintf (option, sizeof option, "%s/%s", def->name, ports [i]);
        snprintf (port, sizeof port, "%d", s_fuzz_free_port ());
        s_fuzz_set (config, option, port);
    }
    s_fuzz_service = wsis_service_new (def, state, &config, &error);
    if (!s_fuzz_service) {
        fprintf (stderr, "fuzz_service: %s\n", error);
        exit (1);
    }
    atexit (s_fuzz_stop);
}

typedef struct {
    const msgpack_object *page;     //  an array of envelopes, or NULL
    const uint8_t *data;            //  else one envelope
    size_t size;
} fuzz_input_t;

static bool
s_fuzz_listed (const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (streq (*list, name))
            return true;
    return false;
}

//  Only what the consumer passes on reaches apply: an envelope that
//  decoded, of a source the service follows, not a heartbeat (the
//  consumer takes those) nor an ignored type.
static void
s_fuzz_apply_one (wsis_service_t *service, wsis_event_t *event, int decoded)
{
    if (decoded == 0 && s_fuzz_listed (s_fuzz_def->follows, event->source)
    &&  !(event->seq == 0 && streq (event->type, "sys.heartbeat"))
    &&  !s_fuzz_listed (s_fuzz_def->ignores, event->type))
        s_fuzz_def->apply (service, event);
    wsis_event_release (event);
}

//  Runs one input in one transaction: transaction gets it as an array
//  (input.page) or, when it is none, as the bytes that came, and returns
//  -1, so it is rolled back.
static int
s_fuzz_run (const uint8_t *data, size_t size,
            int (*transaction) (wsis_service_t *service, void *arg))
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    wsis_error_t error;
    fuzz_input_t input = { NULL, data, size };
    if (wsis_msg_unpack (&unpacked, data, size, &wsis_msg_default_limits, &error) == 0
    &&  unpacked.data.type == MSGPACK_OBJECT_ARRAY)
        input.page = &unpacked.data;
    wsis_service_transact (s_fuzz_service, transaction, &input);
    msgpack_unpacked_destroy (&unpacked);
    return 0;
}

//  fuzz_ops.h uses what is above and has an input of its own.
#ifndef FUZZ_OPS_H
static int
s_fuzz_transaction (wsis_service_t *service, void *arg)
{
    fuzz_input_t *input = (fuzz_input_t *) arg;
    wsis_event_t event;
    wsis_error_t error;
    if (input->page)
        for (uint32_t i = 0; i < input->page->via.array.size; i++)
            s_fuzz_apply_one (service, &event,
                              wsis_event_from_object (&event, &input->page->via.array.ptr [i], &error));
    else
        s_fuzz_apply_one (service, &event, wsis_event_decode (&event, input->data, input->size, &error));
    return -1;                      //  roll back: the next input meets the same store
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_fuzz_start (&s_service, FUZZ_SERVICE_STATE);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return s_fuzz_run (data, size, s_fuzz_transaction);
}
#endif

#endif
