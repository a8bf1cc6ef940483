/*  wsisctl: the command-line client of wsis.

    People and scripts (compose healthchecks, operators' runbooks) reach
    every service through it: one request and its reply as JSON, a ping
    of every service, the clocks of a rehearsal, a tail of the bus with
    the events before it, a service's history, a publish through the bus
    journal. It speaks exactly docs/protocol.md sections 1-4 and 13, nothing
    private, so what works here works for any other client.

    main.c              arguments, usage, configuration, dispatch
    wsisctl_json.c      the JSON bodies people type, the JSON they read
    wsisctl_request.c   request frames and calls (DEALER, deadline, reply)
    wsisctl_send.c      SERVICE OP and publish: one request, one reply
    wsisctl_each.c      one request to several services at once, a line each
    wsisctl_ping.c      sys.ping of one or every service, in parallel
    wsisctl_clock.c     clock get / clock set: every service's clock at once
    wsisctl_settle.c    settle: wait until every service has applied every event
    wsisctl_history.c   a service's past events, page by page (events.since)
    wsisctl_tail.c      events from the bus XPUB as JSON lines, the past first
    wsisctl_config.c    config: the settings in force (make run's banner);
                        ports: the ports the services listen on
    wsisctl_keygen.c    keygen: a certificate with its role, for a deployment
    wsisctl_ops.c       SERVICE --help: the operations of a service (sys.ops)
*/
#ifndef WSISCTL_H
#define WSISCTL_H

#include "wsis_config.h"
#include "wsis_curve.h"
#include "wsis_json.h"
#include "wsis_msg.h"
#include "wsis_pack.h"
#include "wsis_request.h"
#include "wsis_role.h"

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

//  Exit codes: a script must tell "the service said no" from "could not
//  ask at all", so an error reply is not a failure of the tool.
#define WSISCTL_EXIT_OK      0      //  ok reply
#define WSISCTL_EXIT_REFUSED 1      //  error reply, printed on stdout
#define WSISCTL_EXIT_FAILED  2      //  usage, bad JSON, transport error, timeout

#define WSISCTL_TIMEOUT_MS       5000
#define WSISCTL_PING_TIMEOUT_MS  2000
//  More than wsis_config_services will ever list.
#define WSISCTL_SERVICES_MAX     16

//  What the command line settled; main owns it and everything in it.
typedef struct {
    wsis_config_t *config;
    wsis_curve_t *curve;        //  the client's certificate; NULL in development mode
    const char *role;           //  actor.role
    const char *actor_id;       //  actor.id
    int timeout_ms;             //  -1: the command's own default
    const char *request_id;     //  NULL: a random id per request
    const char *origin;         //  publish
    int64_t count;              //  tail: stop after this many; 0 = never
    bool compact;
    bool heartbeats;            //  tail: print sys.heartbeat too
    bool replay;                //  tail: --since was given
    uint64_t since;             //  tail, history: the events after this seq
    int64_t limit;              //  history: at most this many; 0 = up to the head
} wsisctl_options_t;

//  ---------------------------------------------------------------- json
//  How a body's JSON is parsed: any value (so that a non-object gets its
//  own message), and a key given twice refused.
#define WSISCTL_JSON_FLAGS (JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)

//  The body named by source: NULL (an empty object), "-" (stdin), "@FILE"
//  or JSON text. It must be one JSON object. NULL after one line on stderr.
//  Caller owns the result (json_decref).
json_t *wsisctl_json_read (const char *source);

//  Writes value and a newline to stdout and flushes. -1 if stdout failed.
int wsisctl_json_print (const json_t *value, bool compact);

//  The same for a msgpack object (a reply, an envelope).
int wsisctl_json_print_msgpack (const msgpack_object *object, bool compact);

//  ---------------------------------------------------------------- request
//  Bounds for unpacking replies and envelopes: as untrusted as requests,
//  but much larger ones are real (events.since pages, reports).
extern const wsis_msg_limits_t wsisctl_reply_limits;

//  Packs the request frame {v, id, op, actor: {id, role}, body} into out
//  (initialised by the caller). -1 with *error (static text) when body
//  cannot be packed, e.g. a malformed $base64.
int wsisctl_request_encode (msgpack_sbuffer *out, const wsisctl_options_t *options,
                            const char *op, const json_t *body, const char **error);

//  One request in flight on a DEALER of its own.
typedef struct _wsisctl_call_t wsisctl_call_t;

//  Connects to endpoint (a CURVE client of service when curve is not
//  NULL) and sends request. Never NULL: a call that could
//  not be sent is created already failed. service names it in messages.
wsisctl_call_t *wsisctl_call_new (const char *service, const char *endpoint,
                                  wsis_curve_t *curve, const msgpack_sbuffer *request);
void wsisctl_call_destroy (wsisctl_call_t **self_p);

//  Waits until every call has its reply or timeout_ms have passed since
//  the wait began; the calls still without one fail ("timeout"). Calls
//  wait together, so `ping all` costs one timeout, not one per service.
void wsisctl_call_wait (wsisctl_call_t **calls, size_t count, int timeout_ms);

//  After the wait: true when a well-formed reply came.
bool wsisctl_call_answered (wsisctl_call_t *self);
//  True when the reply says ok: true.
bool wsisctl_call_ok (wsisctl_call_t *self);
//  The reply map, owned by the call; NULL when not answered.
const msgpack_object *wsisctl_call_reply (wsisctl_call_t *self);
//  When not answered: a short code ("timeout", "transport",
//  "malformed_reply", "interrupted") and one line for people.
const char *wsisctl_call_failure_code (wsisctl_call_t *self);
const char *wsisctl_call_failure (wsisctl_call_t *self);
const char *wsisctl_call_service (wsisctl_call_t *self);
const char *wsisctl_call_endpoint (wsisctl_call_t *self);

//  Sends op with body to service and waits for its reply: the answered
//  call (ok or not; caller destroys it), or NULL after one line on stderr
//  (the body could not be encoded, or no reply came).
wsisctl_call_t *wsisctl_ask (const wsisctl_options_t *options, const char *service,
                             const char *op, const json_t *body);

//  ---------------------------------------------------------------- each
//  The services target names (NULL or "all": every one, in start order)
//  into names (WSISCTL_SERVICES_MAX entries); returns how many.
size_t wsisctl_each_names (const char *target, const char **names);

//  Sends op with body (NULL: {}) to each of the count services named, all
//  at once, and waits for them together (timeout_ms unless --timeout says
//  otherwise); calls [i] is names [i]'s call, the caller destroys it.
//  -1 after one line on stderr when the request cannot be encoded (then
//  no call was made).
int wsisctl_each_call (const wsisctl_options_t *options, const char *const *names, size_t count,
                       const char *op, const json_t *body, int timeout_ms, wsisctl_call_t **calls);

//  The body of an ok reply, owned by the call; NULL otherwise.
const msgpack_object *wsisctl_each_body (wsisctl_call_t *call);

//  One call as a line: {service, endpoint, ok} with the reply body merged
//  in, or with {error, message?}. Caller owns it (json_decref); NULL when
//  out of memory.
json_t *wsisctl_each_line (wsisctl_call_t *call);

//  Prints each call's line and destroys the calls. Exit code: 2 if any
//  got no reply, else 1 if any was refused, else 0.
int wsisctl_each_print (wsisctl_call_t **calls, size_t count);

//  All of it: op with an empty body to target (as wsisctl_each_names),
//  a line each; the exit code of wsisctl_each_print.
int wsisctl_each (const wsisctl_options_t *options, const char *target, const char *op,
                  int timeout_ms);

//  ---------------------------------------------------------------- events
//  Called for each event wsisctl_history_read reads, with its envelope
//  (a map with at least a seq above the one before and a str type): 0 to
//  go on, 1 to stop (enough was printed), -1 on failure (stdout).
typedef int (wsisctl_event_fn) (void *arg, const msgpack_object *envelope);

//  Reads service's events after seq after with events.since, page by
//  page, oldest first, until its head or until fn stops, at most limit
//  events (0: no limit). *last_out is the seq of the last event read
//  (after when none). Returns an exit code: 0 when read to the end or
//  stopped by fn; 1 when the service refused (say, a role that may not
//  read events), 2 when it did not answer, answered nonsense or fn
//  failed; both after one line on stderr.
int wsisctl_history_read (const wsisctl_options_t *options, const char *service,
                          uint64_t after, int64_t limit, wsisctl_event_fn *fn, void *arg,
                          uint64_t *last_out);

//  The line of an event, as tail and history print it: {topic, event}.
//  -1 if stdout failed.
int wsisctl_event_print (const wsisctl_options_t *options, const char *topic, size_t topic_size,
                         const msgpack_object *envelope);

//  ---------------------------------------------------------------- commands
//  Each returns the process exit code and takes ownership of nothing.

//  SERVICE OP BODY: prints the reply.
int wsisctl_send (const wsisctl_options_t *options, const char *service,
                  const char *op, const json_t *body);

//  publish TOPIC BODY through the bus journal: prints the reply ({seq}).
int wsisctl_publish (const wsisctl_options_t *options, const char *topic,
                     const json_t *body);

//  ping [all | SERVICE] (target NULL = all): one compact line per service.
int wsisctl_ping (const wsisctl_options_t *options, const char *target);

//  tail [SERVICE | PREFIX]: until interrupted or options->count events;
//  with options->replay, the events after options->since first, from
//  every service or the one named, then the live ones, none twice and
//  none missed.
int wsisctl_tail (const wsisctl_options_t *options, const char *filter);

//  history SERVICE: its events after options->since, at most
//  options->limit, as JSON lines, up to its head.
int wsisctl_history (const wsisctl_options_t *options, const char *service);

//  clock get: every service's clock, one line each.
int wsisctl_clock_get (const wsisctl_options_t *options);

//  clock set TIME: every service's manual clock to TIME (RFC 3339, or a
//  wall time with its zone), or none when any service's clock is not
//  manual.
int wsisctl_clock_set (const wsisctl_options_t *options, const char *time_text);

//  settle: waits until every service's position in each source it follows
//  is that source's head, then prints a line per service with its lags;
//  1 when the time (--timeout) ran out first.
int wsisctl_settle (const wsisctl_options_t *options);
//  config [NAME...]: the settings in force (file, then environment).
int wsisctl_config (const wsisctl_options_t *options, const char *path,
                    char **names, int name_count);

//  ports: every port the services listen on by the settings in force,
//  "service/option port" a line, in start order; an optional listener
//  that is off (port 0) is left out.
int wsisctl_ports (const wsisctl_options_t *options);

//  SERVICE --help (or SERVICE help): asks the service for sys.ops and
//  prints each operation with the roles that may call it and its body
//  fields, one per line.
int wsisctl_ops (const wsisctl_options_t *options, const char *service);

//  The part of --help that says which role each common step needs.
void wsisctl_ops_usage (FILE *out);

//  keygen NAME --role ROLE: DIR/public/NAME.cert and
//  DIR/secret/NAME.cert_secret (0600), never over existing ones.
int wsisctl_keygen (const char *dir, const char *name, const char *role);

#endif
