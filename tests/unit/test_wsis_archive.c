/*  test_wsis_archive: outbox retention (docs/design.md, "Outbox
    retention"): old events move from the outbox to a gzip file per month,
    the database stays bounded, and events.since serves every event from
    the first, wherever it is.

    The main test runs a year of a producer: 300 events a day, each day
    one commit, then what a service's retention does each day (move what
    is older than 30 days), and checks the outbox holds only the last
    month, the database file stopped growing after the first months, the
    archive has a file per month, and events.since from 0 gives back every
    event, in order, byte for byte what was appended, also after a
    restart. The others: a chunk written but never committed (a crash in
    between), a damaged file, a clock set back, the head event kept, and
    the limits `through` and `before`.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <czmq.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wsis_archive.h"
#include "wsis_event.h"
#include "wsis_msg.h"
#include "wsis_outbox.h"
#include "wsis_pack.h"
#include "wsis_store.h"
#include "test_support.h"

#define DAY_MS  (24 * 3600 * 1000LL)

typedef struct {
    test_store_t base;          //  first: the store, in a file of its temp folder
    char archive_dir [128];
    wsis_archive_t *archive;
    wsis_outbox_t *outbox;
} fixture_t;

//  As a service opens them at start: the outbox, its archive, then one
//  given the other.
static void
s_open (test_store_t *base)
{
    fixture_t *fixture = (fixture_t *) base;
    test_store_file (base, fixture->archive_dir, sizeof fixture->archive_dir, "archive");
    fixture->outbox = wsis_outbox_new (base->store, "voting");
    fixture->archive = wsis_archive_new (base->store, fixture->archive_dir);
    assert_non_null (fixture->outbox);
    assert_non_null (fixture->archive);
    wsis_outbox_set_archive (fixture->outbox, fixture->archive);
}

static void
s_close (test_store_t *base)
{
    fixture_t *fixture = (fixture_t *) base;
    wsis_outbox_destroy (&fixture->outbox);
    wsis_archive_destroy (&fixture->archive);
}

static const test_store_def_t s_fixture = {
    "test_wsis_archive", sizeof (fixture_t), s_open, s_close
};

static int
s_setup (void **state)
{
    return test_store_setup (state, &s_fixture, "voting.db");
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    test_store_close (&fixture->base);
    test_tempdir_remove (fixture->archive_dir);
    return test_store_teardown (state);
}

//  Appends and commits count events with body {n: seq} at ts, and with
//  `pad` bytes more in a string {n, pad} when pad is not 0.
static void
s_commit_padded (fixture_t *fixture, size_t count, int64_t ts, size_t pad)
{
    char *padding = (char *) calloc (1, pad + 1);
    assert_non_null (padding);
    memset (padding, 'x', pad);
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    for (size_t i = 0; i < count; i++) {
        msgpack_sbuffer body;
        msgpack_sbuffer_init (&body);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
        msgpack_pack_map (&pk, pad? 2: 1);
        wsis_pack_kv_uint (&pk, "n", wsis_outbox_last_seq (fixture->outbox) + 1);
        if (pad)
            wsis_pack_kv_str (&pk, "pad", padding);
        assert_int_equal (wsis_outbox_append (fixture->outbox, "vote.cast", ts, body.data, body.size), 0);
        msgpack_sbuffer_destroy (&body);
    }
    assert_int_equal (wsis_store_commit (fixture->base.store), 0);
    wsis_outbox_flush (fixture->outbox);
    free (padding);
}

static void
s_commit_events (fixture_t *fixture, size_t count, int64_t ts)
{
    s_commit_padded (fixture, count, ts, 0);
}

//  Moves everything the rules allow, as the retention's timer does.
static uint64_t
s_archive_all (fixture_t *fixture, uint64_t through, int64_t before)
{
    uint64_t moved = 0;
    int rc;
    while ((rc = wsis_outbox_archive (fixture->outbox, through, before, 1024)) > 0)
        moved += (uint64_t) rc;
    assert_int_equal (rc, 0);
    return moved;
}

//  Reads every event after `after` with events.since pages of `limit`,
//  asserting each is the next seq with body {n: seq}, and the reply's
//  last_seq. Returns how many were read; the count of each page but the
//  last (empty) one in counts (room for max), their number in *pages.
static uint64_t
s_read_pages (fixture_t *fixture, uint64_t after, int limit, uint32_t *counts,
              size_t max, size_t *pages)
{
    uint64_t expected = after + 1;
    size_t page = 0;
    while (true) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
        assert_int_equal (wsis_outbox_since (fixture->outbox, expected - 1, limit, &pk), 0);
        msgpack_unpacked unpacked;
        test_unpack_whole (&unpacked, &buffer);
        const msgpack_object *events = wsis_msg_get (&unpacked.data, "events");
        const msgpack_object *last_seq = wsis_msg_get (&unpacked.data, "last_seq");
        assert_non_null (events);
        assert_int_equal (last_seq->via.u64, wsis_outbox_committed_seq (fixture->outbox));
        uint32_t count = events->via.array.size;
        for (uint32_t i = 0; i < count; i++) {
            wsis_event_t event;
            wsis_error_t error;
            assert_int_equal (wsis_event_from_object (&event, &events->via.array.ptr [i], &error), 0);
            assert_int_equal (event.seq, expected);
            assert_string_equal (event.source, "voting");
            assert_int_equal (wsis_msg_get (event.body, "n")->via.u64, expected);
            wsis_event_release (&event);
            expected++;
        }
        msgpack_unpacked_destroy (&unpacked);
        msgpack_sbuffer_destroy (&buffer);
        if (count == 0)
            break;
        if (counts) {
            assert_true (page < max);
            counts [page] = count;
        }
        page++;
    }
    assert_int_equal (expected - 1, wsis_outbox_committed_seq (fixture->outbox));
    if (pages)
        *pages = page;
    return expected - 1 - after;
}

static uint64_t
s_read_all (fixture_t *fixture, uint64_t after, int limit)
{
    return s_read_pages (fixture, after, limit, NULL, 0, NULL);
}

static int64_t
s_outbox_rows (fixture_t *fixture)
{
    return wsis_store_int (fixture->base.store, "SELECT count(*) FROM outbox", -1);
}

static int64_t
s_pages (fixture_t *fixture)
{
    return wsis_store_int (fixture->base.store, "PRAGMA page_count", -1);
}

static off_t
s_file_size (fixture_t *fixture, const char *month)
{
    char path [256];
    snprintf (path, sizeof path, "%s/%s.events.gz", fixture->archive_dir, month);
    struct stat info;
    return stat (path, &info) == 0? info.st_size: -1;
}

static void
test_year_of_events (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    const size_t per_day = 300;
    const int64_t start = test_utc ("2027-01-01T08:00:00Z");
    int64_t pages_after_q1 = 0;
    for (int day = 0; day < 365; day++) {
        int64_t now = start + day * DAY_MS;
        s_commit_events (fixture, per_day, now);
        //  Every consumer is up to date; events older than 30 days move.
        s_archive_all (fixture, UINT64_MAX, now - 30 * DAY_MS);
        //  The outbox holds the last 30 days, and the head
        assert_true (s_outbox_rows (fixture) <= (int64_t) (31 * per_day));
        if (day == 89) {
            assert_int_equal (wsis_store_exec (fixture->base.store, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
            pages_after_q1 = s_pages (fixture);
        }
    }
    uint64_t total = 365 * per_day;
    assert_int_equal (wsis_outbox_committed_seq (fixture->outbox), total);
    //  Bounded: freed pages are used again, the file does not grow after
    //  the first months although three times as many events came since.
    assert_int_equal (wsis_store_exec (fixture->base.store, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
    assert_true (s_pages (fixture) <= pages_after_q1 + pages_after_q1 / 10);

    //  A file per month: January to November are whole, December's
    //  events are younger than 30 days.
    uint64_t archived = wsis_archive_last_seq (fixture->archive);
    assert_int_equal (archived, total - (uint64_t) s_outbox_rows (fixture));
    assert_int_equal (wsis_archive_events (fixture->archive), archived);
    assert_int_equal (wsis_archive_files (fixture->archive), 11);
    assert_string_equal (wsis_archive_last_month (fixture->archive), "2027-11");
    assert_true (s_file_size (fixture, "2027-01") > 0);
    assert_true (s_file_size (fixture, "2027-11") > 0);
    assert_int_equal (s_file_size (fixture, "2027-12"), -1);
    uint64_t bytes = 0;
    const char *months [] = { "2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06",
                              "2027-07", "2027-08", "2027-09", "2027-10", "2027-11" };
    for (size_t i = 0; i < 11; i++)
        bytes += (uint64_t) s_file_size (fixture, months [i]);
    assert_int_equal (bytes, wsis_archive_bytes (fixture->archive));

    //  Everything from the first event, from the archive then the outbox,
    //  in pages of every width a reader may ask for
    assert_int_equal (s_read_all (fixture, 0, 1000), total);
    assert_int_equal (s_read_all (fixture, 0, 10000), total);
    assert_int_equal (s_read_all (fixture, archived - 5, 7), total - archived + 5);
    assert_int_equal (s_read_all (fixture, archived - 1500, 1), total - archived + 1500);

    //  A restart finds the same, and seq goes on
    test_store_reopen (&fixture->base);
    assert_int_equal (wsis_outbox_committed_seq (fixture->outbox), total);
    assert_int_equal (wsis_archive_last_seq (fixture->archive), archived);
    s_commit_events (fixture, 1, start + 366 * DAY_MS);
    assert_int_equal (s_read_all (fixture, 0, 5000), total + 1);
}

//  A chunk on disk whose commit never came (a crash in between): its
//  events are still in the outbox and the next append cuts it away.
static void
test_uncommitted_chunk (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    int64_t ts = test_utc ("2027-03-10T10:00:00Z");
    s_commit_events (fixture, 50, ts);
    assert_int_equal (s_archive_all (fixture, 20, ts + 1), 20);
    off_t committed = s_file_size (fixture, "2027-03");
    assert_true (committed > 0);

    //  The write happens, then the transaction is rolled back.
    assert_int_equal (wsis_store_begin (fixture->base.store), 0);
    assert_int_equal (wsis_archive_append (fixture->archive, "2027-03", 21, 21, "\x90", 1), 0);
    assert_int_equal (wsis_store_rollback (fixture->base.store), 0);
    wsis_archive_reload (fixture->archive);
    assert_true (s_file_size (fixture, "2027-03") > committed);
    assert_int_equal (wsis_archive_last_seq (fixture->archive), 20);
    assert_int_equal (s_read_all (fixture, 0, 1000), 50);

    //  The next move writes over the stray member: the file holds exactly
    //  the indexed chunks.
    test_store_reopen (&fixture->base);
    assert_int_equal (s_archive_all (fixture, 40, ts + 1), 20);
    assert_int_equal ((uint64_t) s_file_size (fixture, "2027-03"), wsis_archive_bytes (fixture->archive));
    assert_int_equal (s_read_all (fixture, 0, 1000), 50);
    assert_int_equal (s_read_all (fixture, 19, 3), 31);
}

//  A damaged archive is an error naming the file, never a short or wrong
//  page.
static void
test_damaged_file (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    int64_t ts = test_utc ("2027-03-10T10:00:00Z");
    s_commit_events (fixture, 100, ts);
    assert_int_equal (s_archive_all (fixture, 80, ts + 1), 80);
    char path [256];
    snprintf (path, sizeof path, "%s/2027-03.events.gz", fixture->archive_dir);
    int fd = open (path, O_RDWR);
    assert_true (fd >= 0);
    unsigned char byte;
    off_t middle = s_file_size (fixture, "2027-03") / 2;
    assert_int_equal (pread (fd, &byte, 1, middle), 1);
    byte ^= 0x55;
    assert_int_equal (pwrite (fd, &byte, 1, middle), 1);
    close (fd);

    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    assert_int_equal (wsis_outbox_since (fixture->outbox, 0, 1000, &pk), -1);
    msgpack_sbuffer_destroy (&buffer);
    //  What is still in the outbox is served as before
    assert_int_equal (s_read_all (fixture, 80, 1000), 20);

    //  A missing file, the same
    assert_int_equal (unlink (path), 0);
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (wsis_outbox_since (fixture->outbox, 10, 5, &pk), -1);
    msgpack_sbuffer_destroy (&buffer);
}

//  A clock set back does not send events to an earlier month's file: each
//  file keeps a range of seq, after the one before.
static void
test_clock_set_back (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_commit_events (fixture, 10, test_utc ("2027-03-10T10:00:00Z"));
    s_commit_events (fixture, 10, test_utc ("2027-01-05T10:00:00Z"));
    s_commit_events (fixture, 10, test_utc ("2027-04-02T10:00:00Z"));
    s_commit_events (fixture, 1, test_utc ("2027-06-01T10:00:00Z"));
    assert_int_equal (s_archive_all (fixture, UINT64_MAX, test_utc ("2027-05-01T00:00:00Z")), 30);
    assert_int_equal (s_file_size (fixture, "2027-01"), -1);
    assert_true (s_file_size (fixture, "2027-03") > 0);
    assert_true (s_file_size (fixture, "2027-04") > 0);
    assert_int_equal (wsis_archive_files (fixture->archive), 2);
    assert_int_equal (s_read_all (fixture, 0, 1000), 31);
}

//  Only events up to `through` (the slowest consumer) and older than
//  `before` move, oldest first, stopping at the first that may not; the
//  last event always stays, so the outbox is never empty.
static void
test_limits (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    int64_t old = test_utc ("2027-02-01T10:00:00Z");
    int64_t young = test_utc ("2027-05-01T10:00:00Z");
    s_commit_events (fixture, 10, old);
    s_commit_events (fixture, 5, young);
    s_commit_events (fixture, 10, old);         //  a clock set back: old again
    int64_t before = test_utc ("2027-04-01T00:00:00Z");
    assert_int_equal (s_archive_all (fixture, 4, before), 4);
    assert_int_equal (s_archive_all (fixture, 100, before), 6);
    //  Events 11-15 are young: 16-25 wait behind them
    assert_int_equal (s_archive_all (fixture, 100, young + 1), 14);
    assert_int_equal (wsis_archive_last_seq (fixture->archive), 24);
    assert_int_equal (s_outbox_rows (fixture), 1);
    assert_int_equal (s_archive_all (fixture, UINT64_MAX, young + DAY_MS), 0);
    assert_int_equal (s_read_all (fixture, 0, 1000), 25);
    test_store_reopen (&fixture->base);
    assert_int_equal (wsis_outbox_committed_seq (fixture->outbox), 25);
    assert_int_equal (s_read_all (fixture, 0, 3), 25);
}

//  A page ends early once its events hold page_bytes, wherever they come
//  from: the part of a page read from the archive is bounded as the part
//  read from the table is (one event at least, the next page starts where
//  it ended, no event twice, a hole refused).
static void
test_archived_pages_end_past_their_bytes (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    int64_t ts = test_utc ("2027-03-10T10:00:00Z");
    const size_t pad = 64 * 1024;
    s_commit_padded (fixture, 40, ts, pad);
    //  Chunks stop past 1 MiB: 1-16 and 17-32 in the archive, 33-40 in
    //  the table
    assert_int_equal (s_archive_all (fixture, 32, ts + 1), 32);
    assert_int_equal (s_outbox_rows (fixture), 8);
    assert_int_equal (wsis_store_int (fixture->base.store,
        "SELECT count(*) FROM outbox_archive WHERE first_seq IN (1, 17)", -1), 2);

    //  Three events cross three pads: pages of three, the one of 16-18
    //  across two chunks, the one of 31-33 across the archive and the table
    uint32_t counts [64];
    size_t pages;
    wsis_outbox_set_page_bytes (fixture->outbox, 3 * pad);
    assert_int_equal (s_read_pages (fixture, 0, 10000, counts, 64, &pages), 40);
    assert_int_equal (pages, 14);
    for (size_t i = 0; i < 13; i++)
        assert_int_equal (counts [i], 3);
    assert_int_equal (counts [13], 1);
    //  The count still bounds it first
    assert_int_equal (s_read_pages (fixture, 0, 2, counts, 64, &pages), 40);
    assert_int_equal (pages, 20);
    assert_int_equal (counts [0], 2);
    //  One event a page, however small the bound
    wsis_outbox_set_page_bytes (fixture->outbox, 1);
    assert_int_equal (s_read_pages (fixture, 0, 10000, counts, 64, &pages), 40);
    assert_int_equal (pages, 40);
    assert_int_equal (counts [0], 1);
    //  Unbounded, one page of all
    wsis_outbox_set_page_bytes (fixture->outbox, SIZE_MAX);
    assert_int_equal (s_read_pages (fixture, 0, 10000, counts, 64, &pages), 40);
    assert_int_equal (pages, 1);

    //  The second chunk's index row gone: a page that ends before the
    //  hole is served, one that reaches it is refused
    assert_int_equal (wsis_store_exec (fixture->base.store,
                                       "DELETE FROM outbox_archive WHERE first_seq = 17"), 0);
    wsis_outbox_set_page_bytes (fixture->outbox, 3 * pad);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    assert_int_equal (wsis_outbox_since (fixture->outbox, 12, 10000, &pk), 0);
    assert_true (buffer.size > 3 * pad && buffer.size < 4 * pad);
    msgpack_sbuffer_clear (&buffer);
    assert_int_equal (wsis_outbox_since (fixture->outbox, 15, 10000, &pk), -1);
    assert_int_equal (buffer.size, 0);
    msgpack_sbuffer_destroy (&buffer);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_year_of_events, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_uncommitted_chunk, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_damaged_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_clock_set_back, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_limits, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_archived_pages_end_past_their_bytes, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
