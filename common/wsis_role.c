/*  wsis_role: role names on the wire and their bits. */
#include "wsis_role.h"

#include <stdio.h>
#include <string.h>

//  In bit order: s_names [i] is the role 1 << i.
static const char *const s_names [] = {
    "public", "stakeholder", "staff", "expert",
    "operator", "gateway", "service", "publisher"
};
#define ROLE_COUNT (sizeof (s_names) / sizeof (s_names [0]))

wsis_role_t
wsis_role_parse (const char *text, size_t len)
{
    for (size_t i = 0; i < ROLE_COUNT; i++)
        if (strlen (s_names [i]) == len && memcmp (s_names [i], text, len) == 0)
            return (wsis_role_t) (1 << i);
    return (wsis_role_t) 0;
}

const char *
wsis_role_name (wsis_role_t role)
{
    for (size_t i = 0; i < ROLE_COUNT; i++)
        if (role == (wsis_role_t) (1 << i))
            return s_names [i];
    return "unknown";
}

const char *
wsis_role_list (unsigned roles, char *buffer, size_t size)
{
    size_t count = 0, used = 0;
    for (size_t i = 0; i < ROLE_COUNT; i++)
        count += (roles & (1u << i)) != 0;
    *buffer = 0;
    for (size_t i = 0, listed = 0; i < ROLE_COUNT && used < size; i++) {
        if (!(roles & (1u << i)))
            continue;
        const char *separator = listed == 0? "": listed + 1 == count? " or ": ", ";
        int written = snprintf (buffer + used, size - used, "%s%s", separator, s_names [i]);
        used += written > 0? (size_t) written: 0;
        listed++;
    }
    return buffer;
}
