/*  wsis_op: an operation of a command endpoint, as a service declares it.

    One line per operation in a service's table says everything about it:
    its name on the wire, its handler, the roles that may call it
    (docs/protocol.md section 6), whether it changes state, and the fields
    its body may have:

        { "vote.cast", s_op_cast, WSIS_ROLE_STAKEHOLDER | WSIS_ROLE_GATEWAY,
          WSIS_OP_WRITES | WSIS_OP_OWN_RETRY,
          "call voter_id category submission_id" },

    The fields are names separated by spaces; `?` marks an optional one;
    `name{...}` is a map with the fields in the braces, `name[...]` an
    array of such maps; a name alone takes any value. NULL takes no
    fields. The command server refuses any other field before the
    handler runs (wsis_op_fields.h), and sys.ops lists them.

    A handler is given the service it belongs to (wsis_service.h says what
    it may ask of it). The layers below the service, the command server
    among them, pass that handle along and never look inside.
*/
#ifndef WSIS_OP_H
#define WSIS_OP_H

#include "wsis_reply.h"
#include "wsis_request.h"
#include "wsis_role.h"

#include <stdbool.h>

//  The service a handler runs in: opaque here, see wsis_service.h.
typedef struct _wsis_service_t wsis_service_t;

//  An operation handler. It runs inside the batch transaction under a
//  savepoint of its own (but see WSIS_OP_NO_SAVEPOINT); it packs the
//  reply body (one map) into
//  reply->pk and returns 0, or returns wsis_reply_fail (...). On failure
//  everything it wrote is rolled back, so a handler must not change
//  in-memory state before it knows it succeeds.
typedef int (wsis_op_fn) (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);

//  Changes state: its reply is stored so a resend gets it again
//  (docs/protocol.md section 2, retrying is safe).
#define WSIS_OP_WRITES 1
//  With WSIS_OP_WRITES: the handler itself makes a resend safe (the
//  operation is naturally idempotent), so its reply is not stored; a
//  failed commit still turns the reply into `unavailable`. For hot paths
//  (vote.cast).
#define WSIS_OP_OWN_RETRY 2
//  The handler fails only before its first write, or when the store
//  fails: it runs without a savepoint of its own (a SAVEPOINT and its
//  RELEASE cost a vote a twentieth of its work), and should it fail after
//  writing all the same, the whole batch is rolled back and every request
//  of it that wrote is told `unavailable`. For hot paths (vote.cast).
#define WSIS_OP_NO_SAVEPOINT 4

typedef struct {
    const char *name;           //  "vote.cast"
    wsis_op_fn *handler;
    unsigned roles;             //  wsis_role_t bits; WSIS_ROLE_PUBLIC opens it to all
    unsigned flags;
    const char *fields;         //  "name email gender? contact{name email}", or NULL
} wsis_op_t;

//  The entry called name in a table that ends with { NULL }, or NULL.
const wsis_op_t *wsis_op_find (const wsis_op_t *table, const char *name);

//  Whether role may call op: an operation open to the public is open to
//  every role; any other lists its roles.
bool wsis_op_allows (const wsis_op_t *op, wsis_role_t role);

#endif
