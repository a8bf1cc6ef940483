/*  bench_proxy: events/s through a raw XSUB/XPUB proxy, the baseline of
    the bus bench (bench/bench_bus.py).

        bench_proxy [events] [body bytes]

    libzmq's zmq_proxy between an XSUB and an XPUB over loopback TCP, as
    wsis-bus forwards, with one publisher and one subscriber, all in C
    (threads of this process), so the figure is the proxy's and not a
    Python client's. Events are two frames, the topic and a body, as the
    services publish them; nothing is stored. The subscriber times from
    the first event to the last; prints one JSON object. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static const char *s_topic = "forum.speaker.registered";

typedef struct {
    void *context;
    void *xsub, *xpub, *control;    //  the proxy's, used by its thread
    char xsub_endpoint [256];
    long events;
    size_t size;
} bench_t;

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
s_proxy (void *arg)
{
    bench_t *bench = (bench_t *) arg;
    zmq_proxy_steerable (bench->xsub, bench->xpub, NULL, bench->control);
    return NULL;
}

//  Waits for the subscription to reach it, then sends every event.
static void *
s_publisher (void *arg)
{
    bench_t *bench = (bench_t *) arg;
    void *socket = zmq_socket (bench->context, ZMQ_XPUB);
    int zero = 0;
    zmq_setsockopt (socket, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_connect (socket, bench->xsub_endpoint);
    char subscription [64];
    zmq_recv (socket, subscription, sizeof subscription, 0);
    char *body = (char *) calloc (1, bench->size);
    size_t topic_size = strlen (s_topic);
    for (long i = 0; i < bench->events; i++) {
        memcpy (body, &i, sizeof i < bench->size? sizeof i: bench->size);
        zmq_send (socket, s_topic, topic_size, ZMQ_SNDMORE);
        zmq_send (socket, body, bench->size, 0);
    }
    free (body);
    int linger = -1;
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close (socket);
    return NULL;
}

static void *
s_bound (void *context, int type, char *endpoint, size_t size)
{
    void *socket = zmq_socket (context, type);
    int zero = 0;
    zmq_setsockopt (socket, type == ZMQ_XSUB? ZMQ_RCVHWM: ZMQ_SNDHWM, &zero, sizeof zero);
    if (zmq_bind (socket, "tcp://127.0.0.1:*")) {
        fprintf (stderr, "bench_proxy: cannot bind: %s\n", zmq_strerror (zmq_errno ()));
        exit (1);
    }
    zmq_getsockopt (socket, ZMQ_LAST_ENDPOINT, endpoint, &size);
    return socket;
}

int
main (int argc, char *argv [])
{
    bench_t bench = { .events = argc > 1? atol (argv [1]): 1000000,
                      .size = argc > 2? (size_t) atol (argv [2]): 200 };
    if (bench.events < 2 || bench.size < 1) {
        fprintf (stderr, "usage: bench_proxy [events, at least 2] [body bytes]\n");
        return 2;
    }
    bench.context = zmq_ctx_new ();
    char xpub_endpoint [256];
    bench.xsub = s_bound (bench.context, ZMQ_XSUB, bench.xsub_endpoint, sizeof bench.xsub_endpoint);
    bench.xpub = s_bound (bench.context, ZMQ_XPUB, xpub_endpoint, sizeof xpub_endpoint);
    bench.control = zmq_socket (bench.context, ZMQ_PAIR);
    zmq_bind (bench.control, "inproc://control");
    void *steer = zmq_socket (bench.context, ZMQ_PAIR);
    zmq_connect (steer, "inproc://control");

    void *sub = zmq_socket (bench.context, ZMQ_SUB);
    int zero = 0;
    zmq_setsockopt (sub, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0);
    zmq_connect (sub, xpub_endpoint);

    pthread_t proxy, publisher;
    pthread_create (&proxy, NULL, s_proxy, &bench);
    pthread_create (&publisher, NULL, s_publisher, &bench);

    zmq_msg_t frame;
    zmq_msg_init (&frame);
    double start = 0;
    long received = 0;
    while (received < bench.events && zmq_msg_recv (&frame, sub, 0) != -1) {
        if (zmq_msg_more (&frame))
            continue;
        if (received++ == 0)
            start = s_now ();
    }
    double seconds = s_now () - start;
    zmq_msg_close (&frame);
    pthread_join (publisher, NULL);
    zmq_send (steer, "TERMINATE", 9, 0);
    pthread_join (proxy, NULL);
    printf ("{\"events\": %ld, \"body_bytes\": %zu, \"seconds\": %.3f, \"events_per_s\": %.0f}\n",
            received, bench.size, seconds, seconds > 0? (received - 1) / seconds: 0.0);
    zmq_close (sub);
    zmq_close (steer);
    zmq_close (bench.control);
    zmq_close (bench.xsub);
    zmq_close (bench.xpub);
    zmq_ctx_term (bench.context);
    return received == bench.events? 0: 1;
}
