/*  voting_memory: the big tables of the in-memory state (the vote index,
    the registries' hash tables, the ballots' pseudonyms) on huge pages.

    Every vote probes them at a random place: at a year's size (64 MiB of
    index, 8 MiB tables) each probe misses the TLB with 4 KiB pages, and
    filling them at start takes a page fault per 4 KiB (16,384 for the
    index alone, each a TLB shootdown across the service's threads). On
    2 MiB pages (transparent huge pages, asked for with madvise: Debian's
    default is `madvise`) both mostly go away. Where the kernel gives no
    huge pages the memory is the same, on small pages.
*/
#include "voting.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define S_HUGE_PAGE (2u << 20)

void *
voting_memory_table (size_t bytes)
{
    if (bytes < S_HUGE_PAGE)
        return calloc (1, bytes);
    size_t rounded = (bytes + S_HUGE_PAGE - 1) & ~((size_t) S_HUGE_PAGE - 1);
    void *table = aligned_alloc (S_HUGE_PAGE, rounded);
    if (!table)
        return NULL;
    madvise (table, rounded, MADV_HUGEPAGE);
    //  Touched now, a huge page at a time, rather than a small page per
    //  first probe later.
    memset (table, 0, rounded);
    return table;
}
