/*  bench_archive: outbox retention at a year's scale (docs/design.md,
    "Outbox retention"), in one process on the real modules.

    A producer's outbox gets N vote.cast events (default 2,000,000, about
    the size of the real ones: voter, category, project, receipt) spread
    over 61 days, committed 10,000 at a time. Then everything older than
    30 days moves to the archive a chunk at a time, as wsis_retention does,
    and a reader pages through every event from seq 0 with events.since
    (1,000 a page, as a consumer catching up asks). Printed: the moving
    rate, the archive's bytes per event, the database's size before and
    after (and its free pages, which the next events reuse), and the rate
    of serving pages from the archive and from the outbox.

        build/bench/bench_archive [events]
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsis_archive.h"
#include "wsis_msg.h"
#include "wsis_outbox.h"
#include "wsis_pack.h"
#include "wsis_store.h"

#define DAY_MS  (24 * 3600 * 1000LL)
#define PAGE    1000

static int64_t
s_int (wsis_store_t *store, const char *sql)
{
    return wsis_store_int (store, sql, -1);
}

static void
s_fail (const char *what)
{
    fprintf (stderr, "bench_archive: %s\n", what);
    exit (1);
}

//  Appends count vote.cast events with ts spread from start over days.
static void
s_fill (wsis_store_t *store, wsis_outbox_t *outbox, uint64_t count, int64_t start, int days)
{
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    for (uint64_t seq = 1; seq <= count; seq++) {
        if (seq % 10000 == 1 && wsis_store_begin (store))
            s_fail ("begin");
        msgpack_sbuffer_clear (&body);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
        char voter [32], project [32], receipt [40];
        snprintf (voter, sizeof voter, "stk-%llu", (unsigned long long) (seq * 7919 % 350000));
        snprintf (project, sizeof project, "sub-%llu", (unsigned long long) (seq % 360));
        snprintf (receipt, sizeof receipt, "%016llx%016llx",
                  (unsigned long long) (seq * 0x9E3779B97F4A7C15ULL),
                  (unsigned long long) (seq * 0xC2B2AE3D27D4EB4FULL));
        msgpack_pack_map (&pk, 5);
        wsis_pack_kv_str (&pk, "call", "prizes-2027");
        wsis_pack_kv_str (&pk, "voter_id", voter);
        wsis_pack_kv_str (&pk, "category", "e-gov");
        wsis_pack_kv_str (&pk, "submission_id", project);
        wsis_pack_kv_str (&pk, "receipt", receipt);
        int64_t ts = start + (int64_t) ((double) seq / (double) count * days * DAY_MS);
        if (wsis_outbox_append (outbox, "vote.cast", ts, body.data, body.size))
            s_fail ("append");
        if (seq % 10000 == 0 || seq == count) {
            if (wsis_store_commit (store))
                s_fail ("commit");
            wsis_outbox_flush (outbox);
        }
    }
    msgpack_sbuffer_destroy (&body);
}

//  Pages through events after..until with events.since; events read.
static uint64_t
s_read (wsis_outbox_t *outbox, uint64_t after, uint64_t until)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    uint64_t read = 0;
    while (after < until) {
        msgpack_sbuffer_clear (&buffer);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
        if (wsis_outbox_since (outbox, after, PAGE, &pk))
            s_fail ("events.since");
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        size_t offset = 0;
        if (msgpack_unpack_next (&unpacked, buffer.data, buffer.size, &offset) != MSGPACK_UNPACK_SUCCESS)
            s_fail ("a page that does not unpack");
        const msgpack_object *events = wsis_msg_get (&unpacked.data, "events");
        uint32_t count = events? events->via.array.size: 0;
        msgpack_unpacked_destroy (&unpacked);
        if (count == 0)
            s_fail ("a short read");
        after += count;
        read += count;
    }
    msgpack_sbuffer_destroy (&buffer);
    return read;
}

int
main (int argc, char *argv [])
{
    uint64_t count = argc > 1? strtoull (argv [1], NULL, 10): 2000000;
    if (count < 10)
        s_fail ("at least 10 events");
    zsys_init ();
    char dir [] = "/tmp/bench_archive_XXXXXX";
    if (!mkdtemp (dir))
        s_fail ("mkdtemp");
    char *path = zsys_sprintf ("%s/voting.db", dir);
    char *archive_dir = zsys_sprintf ("%s/voting-archive", dir);
    char *error = NULL;
    wsis_store_t *store = wsis_store_open (path, NULL, &error);
    if (!store)
        s_fail (error);
    wsis_outbox_t *outbox = wsis_outbox_new (store, "voting");
    wsis_archive_t *archive = wsis_archive_new (store, archive_dir);
    if (!outbox || !archive)
        s_fail ("outbox");
    wsis_outbox_set_archive (outbox, archive);

    int64_t start = 1800000000000LL;            //  2027-01-15
    int64_t began = zclock_usecs ();
    s_fill (store, outbox, count, start, 61);
    double fill_s = (double) (zclock_usecs () - began) / 1e6;
    wsis_store_exec (store, "PRAGMA wal_checkpoint(TRUNCATE)");
    int64_t page_size = s_int (store, "PRAGMA page_size");
    int64_t before_pages = s_int (store, "PRAGMA page_count");
    printf ("archive: %llu vote.cast events over 61 days appended in %.1f s; voting.db %.1f MB "
            "(%.0f bytes per event, outbox and its index)\n",
            (unsigned long long) count, fill_s, before_pages * page_size / 1e6,
            (double) (before_pages * page_size) / (double) count);

    //  Everything older than 30 days, every consumer up to date.
    int64_t before = start + 31 * DAY_MS;
    began = zclock_usecs ();
    uint64_t moved = 0;
    int rc;
    while ((rc = wsis_outbox_archive (outbox, UINT64_MAX, before, 1024)) > 0)
        moved += (uint64_t) rc;
    if (rc < 0)
        s_fail ("moving");
    double move_s = (double) (zclock_usecs () - began) / 1e6;
    wsis_store_exec (store, "PRAGMA wal_checkpoint(TRUNCATE)");
    int64_t after_pages = s_int (store, "PRAGMA page_count");
    int64_t free_pages = s_int (store, "PRAGMA freelist_count");
    uint64_t bytes = wsis_archive_bytes (archive);
    printf ("archive: moved %llu events in %.2f s (%.0f events/s, a chunk of 1,024 a transaction); "
            "%.1f MB in %llu files (%.1f bytes per event)\n",
            (unsigned long long) moved, move_s, moved / (move_s > 0? move_s: 1e-9),
            bytes / 1e6, (unsigned long long) wsis_archive_files (archive),
            (double) bytes / (double) (moved? moved: 1));
    printf ("archive: voting.db %.1f MB after, of which %.1f MB free pages that new events reuse "
            "(%.1f MB in use for %llu events left)\n",
            after_pages * page_size / 1e6, free_pages * page_size / 1e6,
            (after_pages - free_pages) * page_size / 1e6,
            (unsigned long long) (count - moved));

    began = zclock_usecs ();
    uint64_t from_archive = s_read (outbox, 0, moved);
    double archive_s = (double) (zclock_usecs () - began) / 1e6;
    began = zclock_usecs ();
    uint64_t from_outbox = s_read (outbox, moved, count);
    double outbox_s = (double) (zclock_usecs () - began) / 1e6;
    printf ("archive: events.since pages of %d: %.0f events/s from the archive (%.1f s for %llu), "
            "%.0f events/s from the outbox (%.1f s for %llu)\n",
            PAGE, from_archive / (archive_s > 0? archive_s: 1e-9), archive_s,
            (unsigned long long) from_archive,
            from_outbox / (outbox_s > 0? outbox_s: 1e-9), outbox_s,
            (unsigned long long) from_outbox);

    wsis_archive_destroy (&archive);
    wsis_outbox_destroy (&outbox);
    wsis_store_destroy (&store);
    zsys_dir_delete ("%s", archive_dir);
    char *command = zsys_sprintf ("rm -rf '%s'", dir);
    if (system (command) != 0)
        s_fail ("cleaning up");
    zstr_free (&command);
    zstr_free (&archive_dir);
    zstr_free (&path);
    return 0;
}
