/*  fuzz_ops: one real service inside a fuzz target, fed requests as its
    command endpoint runs them. A target is its service's main.c, the
    state main() would give it, the instant its clock shows, and this
    header, which defines libFuzzer's entry points:

        #define main s_main_unused
        #include "../../services/voting/main.c"
        #undef main
        static voting_t s_voting;
        #define FUZZ_SERVICE_STATE &s_voting
        #define FUZZ_OPS_NOW "2022-03-10T12:00:00Z"
        #include "fuzz_ops.h"

    The service is built as fuzz_service.h builds it (its store in a
    folder of its own under /tmp, the clock manual, configs/calendar.cfg).
    Each request goes through wsis_service_handle: the path of one request
    the server drains from its socket (decoding, the role, which in
    development mode is actor.role, so every role is reachable, the
    declared fields, a resend's stored reply, the handler under its own
    savepoint). Replies are thrown away: a crash, a sanitizer report or a
    leak is the finding.

    An input is what clients send: one request frame ({v, id, op, actor,
    body}, docs/protocol.md section 2), or an array of them run in order,
    so the fuzzer builds state first (a stakeholder, then a submission,
    then its review). An element of the array that is no request (no
    "op") is taken as an event envelope and applied as the consumer
    would (fuzz_service.h): the projects and lists that votes and
    nominations need come from other services. The whole input is one
    transaction, rolled back after it, so every input meets the same
    empty store and a crash reproduces from its input alone.

    Before each input the clock is set to FUZZ_OPS_NOW, an instant inside
    the phases the service's operations need (the 2022 calls of
    configs/calendar.cfg); a sys.clock.set in the input moves it for the
    rest of that input (to another phase, or to the 2027 calls).
*/
#ifndef FUZZ_OPS_H
#define FUZZ_OPS_H

#include "fuzz_service.h"

static int64_t s_fuzz_now;          //  FUZZ_OPS_NOW in ms
static bool s_fuzz_trace;           //  FUZZ_OPS_TRACE=1 in the environment
static msgpack_sbuffer s_fuzz_frame;
static msgpack_sbuffer s_fuzz_reply;

static void
s_fuzz_ops_free (void)
{
    msgpack_sbuffer_destroy (&s_fuzz_frame);
    msgpack_sbuffer_destroy (&s_fuzz_reply);
}

//  With FUZZ_OPS_TRACE=1, one line per reply on stderr: how far a seed
//  gets (`build/fuzz/fuzz_voting_ops SEED`), which phase or state check
//  stops it.
static void
s_fuzz_ops_handle (wsis_service_t *service, const void *frame, size_t size)
{
    wsis_service_handle (service, frame, size, &s_fuzz_reply);
    if (!s_fuzz_trace)
        return;
    wsis_request_t request;
    wsis_error_t error;
    wsis_request_decode (&request, frame, size, &wsis_msg_default_limits, &error);
    fprintf (stderr, "fuzz_ops: %s: ", request.op);
    wsis_request_release (&request);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (wsis_msg_unpack (&unpacked, s_fuzz_reply.data, s_fuzz_reply.size,
                         &wsis_msg_default_limits, &error) == 0) {
        const msgpack_object *failed = wsis_msg_get (&unpacked.data, "error");
        if (failed)
            msgpack_object_print (stderr, *failed);
        else
            fprintf (stderr, "ok");
        fprintf (stderr, "\n");
    }
    msgpack_unpacked_destroy (&unpacked);
}

//  One element of an array: a request (a map with "op") packed again as
//  the frame a client would send, or an event envelope.
static void
s_fuzz_ops_one (wsis_service_t *service, const msgpack_object *element)
{
    if (element->type == MSGPACK_OBJECT_MAP && wsis_msg_get (element, "op")) {
        msgpack_packer pk;
        msgpack_sbuffer_clear (&s_fuzz_frame);
        msgpack_packer_init (&pk, &s_fuzz_frame, msgpack_sbuffer_write);
        msgpack_pack_object (&pk, *element);
        s_fuzz_ops_handle (service, s_fuzz_frame.data, s_fuzz_frame.size);
    }
    else {
        wsis_event_t event;
        wsis_error_t error;
        s_fuzz_apply_one (service, &event, wsis_event_from_object (&event, element, &error));
    }
}

static int
s_fuzz_ops_transaction (wsis_service_t *service, void *arg)
{
    fuzz_input_t *input = (fuzz_input_t *) arg;
    if (input->page)
        for (uint32_t i = 0; i < input->page->via.array.size; i++)
            s_fuzz_ops_one (service, &input->page->via.array.ptr [i]);
    else
        s_fuzz_ops_handle (service, input->data, input->size);
    return -1;                      //  roll back: the next input meets the same store
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    if (wsis_time_parse (FUZZ_OPS_NOW, &s_fuzz_now)) {
        fprintf (stderr, "fuzz_ops: FUZZ_OPS_NOW is no instant\n");
        exit (1);
    }
    const char *trace = getenv ("FUZZ_OPS_TRACE");
    s_fuzz_trace = trace && streq (trace, "1");
    msgpack_sbuffer_init (&s_fuzz_frame);
    msgpack_sbuffer_init (&s_fuzz_reply);
    atexit (s_fuzz_ops_free);
    s_fuzz_start (&s_service, FUZZ_SERVICE_STATE);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    wsis_clock_set (wsis_service_clock (s_fuzz_service), s_fuzz_now);
    return s_fuzz_run (data, size, s_fuzz_ops_transaction);
}

#endif
