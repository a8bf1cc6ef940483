/*  wsis_alloc: memory that is always there.

    The rule of wsis: a small allocation (a struct, a name, a list node)
    goes through CZMQ's zmalloc or these wrappers, which abort with the
    file and line on out-of-memory instead of returning NULL; nobody checks
    for NULL after them. A process that cannot get a few bytes cannot keep
    its promises anyway, and every acked change is on disk, so the restart
    policy brings it back whole. Allocations that grow with the data (the
    vote index, arenas of names) use realloc and handle failure, answering
    `unavailable` or `internal` for that one request.
*/
#ifndef WSIS_ALLOC_H
#define WSIS_ALLOC_H

#include <stddef.h>

//  A copy of text (NULL gives NULL). The caller frees it.
#define wsis_strdup(text) wsis_alloc_strdup ((text), __FILE__, __LINE__)
//  size zeroed bytes, like zmalloc, for arrays: count * size, checked for
//  overflow. The caller frees it.
#define wsis_calloc(count, size) wsis_alloc_calloc ((count), (size), __FILE__, __LINE__)

char *wsis_alloc_strdup (const char *text, const char *file, unsigned line);
void *wsis_alloc_calloc (size_t count, size_t size, const char *file, unsigned line);

#endif
