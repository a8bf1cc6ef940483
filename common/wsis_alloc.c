/*  wsis_alloc: allocations that abort on out-of-memory. */
#include "wsis_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_out_of_memory (const char *file, unsigned line)
{
    fprintf (stderr, "FATAL: out of memory at %s:%u\n", file, line);
    fflush (stderr);
    abort ();
}

char *
wsis_alloc_strdup (const char *text, const char *file, unsigned line)
{
    if (!text)
        return NULL;
    char *copy = strdup (text);
    if (!copy)
        s_out_of_memory (file, line);
    return copy;
}

void *
wsis_alloc_calloc (size_t count, size_t size, const char *file, unsigned line)
{
    //  calloc checks count * size for overflow; one byte for an empty array
    //  so NULL always means out of memory.
    void *memory = calloc (count? count: 1, size? size: 1);
    if (!memory)
        s_out_of_memory (file, line);
    return memory;
}
