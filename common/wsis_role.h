/*  wsis_role: who may call what (docs/protocol.md section 6).

    Each role is one bit, so an operation lists the roles it allows in one
    unsigned and the check is one AND.
*/
#ifndef WSIS_ROLE_H
#define WSIS_ROLE_H

#include <stddef.h>

typedef enum {
    WSIS_ROLE_PUBLIC      = 1 << 0,
    WSIS_ROLE_STAKEHOLDER = 1 << 1,
    WSIS_ROLE_STAFF       = 1 << 2,
    WSIS_ROLE_EXPERT      = 1 << 3,
    WSIS_ROLE_OPERATOR    = 1 << 4,
    WSIS_ROLE_GATEWAY     = 1 << 5,
    WSIS_ROLE_SERVICE     = 1 << 6,
    WSIS_ROLE_PUBLISHER   = 1 << 7
} wsis_role_t;

//  The role named by text (len bytes, not NUL-terminated), or 0.
wsis_role_t wsis_role_parse (const char *text, size_t len);

//  The wire name of one role ("stakeholder"), or "unknown" for anything
//  that is not exactly one role. Static text.
const char *wsis_role_name (wsis_role_t role);

//  The roles of a set of role bits for people to read, into buffer:
//  "staff", "staff or operator", "stakeholder, gateway or operator".
//  Returns buffer.
const char *wsis_role_list (unsigned roles, char *buffer, size_t size);

#endif
