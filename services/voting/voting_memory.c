/*  voting_memory: the big tables of the in-memory state (the vote index,
    the registries' hash tables, the ballots' pseudonyms) on huge pages.

    Every vote probes them at a random place: at a year's size (64 MiB of
    index, 8 MiB tables) each probe misses the TLB with 4 KiB pages, and
    filling them at start takes a page fault per 4 KiB (16,384 for the
    index alone, each a TLB shootdown across the service's threads). On
    2 MiB pages (transparent huge pages, asked for with madvise: Debian's
    default is `madvise`) both mostly go away. Where the kernel gives no
    huge pages the memory is the same, on small pages.

    Only a table made empty (the load sizes each for everything it will
    hold before filling it) is put on huge pages: for a madvised region the
    kernel may compact memory on the spot to find a huge page, and a table
    that grows while votes are served must not hold the loop for that (a
    vote index growing at 786,432 votes waited ~100 ms).
*/
#include "voting.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define S_HUGE_PAGE (2u << 20)

void *
voting_memory_table (size_t bytes, bool empty)
{
    if (bytes < S_HUGE_PAGE || !empty)
        return calloc (1, bytes);       //  fresh pages, zeroed as first used
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
