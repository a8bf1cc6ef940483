/*  wsis_op: finding an operation and checking who may call it. */
#include "wsis_op.h"

#include <string.h>

const wsis_op_t *
wsis_op_find (const wsis_op_t *table, const char *name)
{
    for (const wsis_op_t *op = table; op && op->name; op++)
        if (strcmp (op->name, name) == 0)
            return op;
    return NULL;
}

bool
wsis_op_allows (const wsis_op_t *op, wsis_role_t role)
{
    return (op->roles & WSIS_ROLE_PUBLIC) || (op->roles & role);
}
