/*  wsis_quick_check: SQLite's PRAGMA quick_check of a service's database
    at start, on a connection and a thread of its own, so that it walks
    the file while the service loads its state on the other core (on
    wsis-voting's year of votes, a second of each; bench/NOTES.md).

    quick_check proves every page of every b-tree and the free list well
    formed, in O(N) (not integrity_check's O(N log N) match of indexes to
    tables). The service answers nothing before it has the verdict: a
    damaged file stops it with one line naming the file.
*/
#ifndef WSIS_QUICK_CHECK_H
#define WSIS_QUICK_CHECK_H

typedef struct _wsis_quick_check_t wsis_quick_check_t;

//  Starts the check of the database at path (which the caller has open:
//  its WAL is read too). NULL with *error one line (caller frees) when the
//  thread cannot start.
wsis_quick_check_t *wsis_quick_check_start (const char *path, char **error);

//  Waits for the check and destroys it: 0 when the file is well formed
//  (logged with its pages and the time it took), or -1 with *error one
//  line naming the file and SQLite's first complaint (caller frees).
//  Nothing to do (0) when *self_p is NULL.
int wsis_quick_check_finish (wsis_quick_check_t **self_p, char **error);

#endif
