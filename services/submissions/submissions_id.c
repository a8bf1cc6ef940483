/*  submissions_id: the ids this service hands out, "stk-<n>" for a
    stakeholder and "sub-<n>" for a submission, where n is the row's
    number. Every id that comes back in a request is parsed here, so a
    malformed one is never looked up.
*/
#include "submissions.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int64_t
submissions_id_parse (const char *prefix, const char *text, size_t len)
{
    size_t prefix_len = strlen (prefix);
    //  "<prefix>-", then 1-18 digits without a leading zero: fits int64.
    if (len < prefix_len + 2 || len > prefix_len + 19
    ||  memcmp (text, prefix, prefix_len) != 0 || text [prefix_len] != '-'
    ||  text [prefix_len + 1] == '0')
        return 0;
    int64_t id = 0;
    for (size_t i = prefix_len + 1; i < len; i++) {
        if (!isdigit ((unsigned char) text [i]))
            return 0;
        id = id * 10 + (text [i] - '0');
    }
    return id;
}

void
submissions_id_format (char *buffer, size_t size, const char *prefix, int64_t id)
{
    snprintf (buffer, size, "%s-%lld", prefix, (long long) id);
}
