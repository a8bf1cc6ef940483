/*  wsis_op_fields: the body fields an operation declares, and the check
    that refuses any other (docs/protocol.md section 2: "a body field that
    the operation does not define is `validation` naming it").

    An operation's table line carries its fields as one short string
    (wsis_op.h): "name email type country region gender? organization?",
    "contact{name email gender}" for a nested map, "speakers?[name gender]"
    for an array of maps. The command server checks every request body
    against it before the handler runs, so a misspelt field is refused
    with the field named and, when a declared one is close, the one that
    was meant, and nothing is written:

        'organisation' is not a field of stakeholder.register;
        did you mean 'organization'?

    sys.ops lists the same declarations, so what a client is told and what
    the server enforces cannot drift apart.
*/
#ifndef WSIS_OP_FIELDS_H
#define WSIS_OP_FIELDS_H

#include "wsis_error.h"
#include "wsis_op.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>

//  One field of a declaration, as wsis_op_fields_next reads it. Every
//  pointer points into the declaration.
typedef struct {
    const char *name;
    size_t name_len;
    bool required;              //  no `?`
    char nested;                //  '{' a map, '[' an array of maps, 0 any value
    const char *fields;         //  the nested declaration (between the brackets)
    size_t fields_len;
} wsis_op_field_t;

//  Reads the field at *cursor (before end) and moves past it. true when
//  there was one; false at the end or on a malformed declaration.
bool wsis_op_fields_next (const char **cursor, const char *end, wsis_op_field_t *field);

//  Whether a declaration is well formed: names of [a-z0-9_], an optional
//  `?`, brackets that match, nothing empty. NULL and "" are (no fields).
bool wsis_op_fields_valid (const char *fields);

//  Checks a request body (a map) against op's declared fields, nested maps
//  and arrays of maps included. 0 when every key is declared; -1 with
//  *error `validation`, the field's dotted path ("contact.phone") and a
//  message that suggests the closest declared field, if one is close.
//  Values are not looked at here: their types and rules are the handler's.
int wsis_op_fields_check (const wsis_op_t *op, const msgpack_object *body, wsis_error_t *error);

//  Packs op as sys.ops lists it: {op, roles: [name], writes, fields:
//  [{name, required, fields?: [...], array?: true}]}.
void wsis_op_fields_pack (const wsis_op_t *op, msgpack_packer *pk);

#endif
