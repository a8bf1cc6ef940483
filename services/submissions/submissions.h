/*  wsis-submissions: stakeholders, WSIS Prizes projects, Stocktaking
    entries, Photo Contest entries, Open Consultation (OCP) inputs and the
    profiles of the Repository of Women in Tech (docs/protocol.md section 8).

    Files, one concern each:
      submissions_ops.c      the operation table, stakeholder.register and
                             the reads (submission.get, submission.list)
      submissions_write_ops.c  submission.create / update / withdraw
      submissions_kinds.c    the fields of each kind: read, check, and pack
                             them into the canonical map that is stored
      submissions_record.c   the public record (replies and events)
      submissions_winners.c  previous WSIS Prize winners (config + events)
      submissions_contest.c  where a contest entry stands (contest_status)
      submissions_stakeholder_ops.c  stakeholder.get / stakeholder.list
      submissions_store.c    every SQL statement of the service

    All state lives in the store; nothing is kept in memory between
    requests, so a rolled back batch needs no repair.
*/
#ifndef SUBMISSIONS_H
#define SUBMISSIONS_H

#include "wsis_service.h"
#include "wsis_fields.h"
#include "wsis_valid.h"

#include <stdbool.h>
#include <stdint.h>

//  The schema (schema.sql, embedded by the Makefile).
extern const char submissions_schema_sql [];

//  Photo images: at most 4 MiB, JPEG or PNG (the contest's rules).
#define SUBMISSION_IMAGE_MAX (4 * 1024 * 1024)

//  submission.list pages.
#define SUBMISSION_PAGE_DEFAULT 100
#define SUBMISSION_PAGE_MAX 500

//  -------------------------------------------------------------------------
//  submissions_ops.c, submissions_write_ops.c: one handler per operation.

extern const wsis_op_t submissions_ops [];

int submissions_stakeholder_op_register (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int submissions_op_create (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int submissions_op_get (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int submissions_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int submissions_op_update (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int submissions_op_withdraw (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int submissions_stakeholder_op_get (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int submissions_stakeholder_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);

//  A page of a listing being filled: the store is asked for one row more
//  than the page takes, which tells whether another page follows.
typedef struct {
    size_t room;                //  records the page takes
    size_t packed;
    int64_t last_id;            //  of the last record packed
    bool more;                  //  a row past the page was seen
} submissions_page_t;

//  True when the page has no room left for a row, which means another
//  page follows (noted in page->more).
bool submissions_page_full (submissions_page_t *page);

//  The reply of a listing, {items, next}: items holds the page's packed
//  records (it is destroyed here); next is "<prefix>-<last_id>" when more
//  follow, else nil.
void submissions_page_reply (wsis_reply_t *reply, msgpack_sbuffer *items,
                             const submissions_page_t *page, const char *prefix);

//  stakeholder.list pages.
#define STAKEHOLDER_PAGE_DEFAULT 100
#define STAKEHOLDER_PAGE_MAX 500

//  Ids on the wire: "stk-<n>" and "sub-<n>", n >= 1 without leading
//  zeros. Parse returns n, or 0 when text is not such an id.
int64_t submissions_id_parse (const char *prefix, const char *text, size_t len);
void submissions_id_format (char *buffer, size_t size, const char *prefix, int64_t id);
#define SUBMISSIONS_ID_BUFSIZE 32

//  -------------------------------------------------------------------------
//  submissions_kinds.c: the fields of each kind.

typedef enum {
    SUBMISSION_PRIZE = 0,
    SUBMISSION_STOCKTAKING,
    SUBMISSION_PHOTO,
    SUBMISSION_OCP,
    SUBMISSION_REPOSITORY,      //  a profile of the Repository of Women in Tech
    SUBMISSION_KIND_COUNT
} submission_kind_t;

//  The kind a call of that calendar kind takes, or -1 (hltf and ambassador
//  calls take nominations, not submissions).
int submissions_kind_of_call (const char *call_kind);
const char *submissions_kind_name (submission_kind_t kind);

//  A submission's fields, read and checked. fields is the canonical map
//  that is stored (only the kind's own fields, values normalised: SDGs
//  and action lines sorted, persons with exactly name, email, gender).
typedef struct {
    submission_kind_t kind;
    msgpack_sbuffer fields;
    //  Prize: the one category and the normalised keys of the duplicate
    //  rules (heap strings, NULL for other kinds).
    char category [16];
    char *entity_key;
    char *title_key;
    char *description_key;
    //  The categories the submission is filed under (prize: its category;
    //  stocktaking and OCP: the action lines).
    const char *categories [WSIS_CATEGORY_COUNT];
    size_t category_count;
    //  Photo: the image given in this request (NULL on an update that
    //  keeps the stored one), its type.
    const void *image;
    size_t image_size;
    const char *image_type;
} submission_draft_t;

void submissions_draft_init (submission_draft_t *draft, submission_kind_t kind);
void submissions_draft_release (submission_draft_t *draft);

//  Reads the kind's fields from map (a request body, or the stored fields
//  merged with an update). Fails the reply with `validation` naming the
//  first bad field, in the order docs/protocol.md lists them. need_image:
//  a photo's image must be in map (create), or may be absent (update).
int submissions_draft_read (submission_draft_t *draft, const msgpack_object *map,
                           bool need_image, wsis_reply_t *reply);

//  The stored fields (a msgpack map) with the changes of an update laid
//  over them: keys of changes replace stored ones, a nil removes an
//  optional field. Keys in skip (NULL-terminated) are not fields. The
//  merged map points into stored and changes, and into *zone, which the
//  caller initialises and destroys.
int submissions_fields_merge (const msgpack_object *stored, const msgpack_object *changes,
                             const char *const *skip, msgpack_zone *zone, msgpack_object *merged);

//  -------------------------------------------------------------------------
//  submissions_store.c: every SQL statement.

typedef struct {
    const char *name;
    const char *email;
    const char *email_key;
    const char *type;
    const char *country;
    const char *region;
    const char *gender;         //  NULL when not given
    const char *organization;   //  NULL when not given
} stakeholder_t;

//  One submission as stored, with what the record borrows from its
//  stakeholder. Strings point into the statement: valid only during the
//  callback that receives it.
typedef struct {
    int64_t id;
    const char *call;
    const char *kind;
    int64_t stakeholder_id;
    const char *status;
    const char *category;
    const char *entity_key;
    const char *title_key;
    const char *description_key;
    const char *image_type;     //  photo, else NULL
    int64_t image_size;
    const void *fields;
    size_t fields_size;
    int64_t created_at;
    int64_t updated_at;
    //  The stakeholder who submitted it.
    const char *stakeholder_type;
    const char *stakeholder_country;
    const char *stakeholder_region;
    const char *stakeholder_organization;
    const char *stakeholder_name;
    const char *stakeholder_email;
    const char *stakeholder_gender;     //  NULL when not given
    const char *contest_status; //  NULL: submitted (or not a contest entry)
} submission_row_t;

typedef int (submission_row_fn) (const submission_row_t *row, void *arg);

typedef struct {
    const char *call;
    const char *category;       //  NULL: any
    const char *status;         //  NULL: any
    int64_t stakeholder_id;     //  0: any
    bool live;                  //  leave withdrawn submissions out
    int64_t after;              //  ids above this one
    int64_t limit;
} submission_filter_t;

//  A registered stakeholder as stored (stakeholder.email_key is NULL
//  here). Strings point into the statement: valid only during the
//  callback that receives it.
typedef struct {
    int64_t id;
    stakeholder_t stakeholder;
    int64_t created_at;
} stakeholder_row_t;

typedef int (stakeholder_row_fn) (const stakeholder_row_t *row, void *arg);

//  Calls fn with the stakeholder; 1 found, 0 not found, -1 failure.
int submissions_store_stakeholder_get (wsis_store_t *store, int64_t id,
                                       stakeholder_row_fn *fn, void *arg);
//  Calls fn for each stakeholder with an id above after whose name,
//  organization or email holds q (NULL: any), in id order, at most limit;
//  the number of rows, or -1.
int submissions_store_stakeholder_list (wsis_store_t *store, const char *q, int64_t after,
                                        int64_t limit, stakeholder_row_fn *fn, void *arg);

//  Contest standing (schema.sql, version 2): sets the status of the
//  prize or photo entry id of the call if rank is above its current one;
//  id 0: of every prize project of the call below rank.
int submissions_store_contest_raise (wsis_store_t *store, const char *call, int64_t id,
                                     const char *status, int rank);

//  1 when found/true, 0 when not, -1 when the store failed.
//  email_taken: 1 with *id the stakeholder registered with that address.
int submissions_store_email_taken (wsis_store_t *store, const char *email_key, int64_t *id);
int submissions_store_stakeholder_insert (wsis_store_t *store, const stakeholder_t *stakeholder,
                                          int64_t now, int64_t *id);
int submissions_store_stakeholder_exists (wsis_store_t *store, int64_t id);

//  Inserts or rewrites a submission from a draft (fields, keys, category,
//  image type/size when the draft has an image). insert sets *id.
int submissions_store_submission_insert (wsis_store_t *store, const char *call, int64_t stakeholder_id,
                                         const submission_draft_t *draft, int64_t now, int64_t *id);
int submissions_store_submission_rewrite (wsis_store_t *store, const char *call, int64_t id,
                                          const submission_draft_t *draft, int64_t now);
int submissions_store_submission_withdraw (wsis_store_t *store, int64_t id, int64_t now);

//  Calls fn with the submission; 1 found (fn's -1 is passed on), 0 not found.
int submissions_store_submission_get (wsis_store_t *store, int64_t id,
                                      submission_row_fn *fn, void *arg);
//  Calls fn for each submission of the filter in id order; the number
//  of rows, or -1 (store failure or fn's -1).
int submissions_store_submission_list (wsis_store_t *store, const submission_filter_t *filter,
                                       submission_row_fn *fn, void *arg);

//  The photo's image, copied into a new zchunk the caller owns; NULL when none.
int submissions_store_image_get (wsis_store_t *store, int64_t id, zchunk_t **image);

//  WSIS Prizes rules: the id of another live project of the call that
//  takes the same slot or is the same project (excluding exclude_id), 0
//  when none, -1 on failure.
int64_t submissions_store_slot_taken (wsis_store_t *store, const char *call, const char *entity_key,
                                      const char *category, int64_t exclude_id);
int64_t submissions_store_same_title (wsis_store_t *store, const char *call, const char *entity_key,
                                      const char *title_key, int64_t exclude_id);
int64_t submissions_store_same_description (wsis_store_t *store, const char *call,
                                            const char *description_key, int64_t exclude_id);

//  The Repository of Women in Tech: the id of the stakeholder's live
//  profile in the call, 0 when none, -1 on failure.
int64_t submissions_store_live_profile (wsis_store_t *store, const char *call, int64_t stakeholder_id);

//  Previous winners: 1 when the project (by entity + title, or by short
//  description for a winner we saw submitted) won in a call other than
//  `call`, 0 when not, -1 on failure.
int submissions_store_previous_winner (wsis_store_t *store, const char *call, const char *entity_key,
                                       const char *title_key, const char *description_key);
int submissions_store_winners_clear_config (wsis_store_t *store);
int submissions_store_winner_add (wsis_store_t *store, const char *origin, const char *call,
                                  int64_t submission_id, const char *entity_key,
                                  const char *title_key, const char *description_key);

//  -------------------------------------------------------------------------
//  submissions_record.c: the public record.

#define SUBMISSION_RECORD_EMAILS 1  //  contact, photographer, organizer emails
#define SUBMISSION_RECORD_IMAGE  2  //  the photo's image as bin (image given)
#define SUBMISSION_RECORD_CONTEST 4 //  contest_status (replies; events leave it out)

//  Packs the record of row as one map. image: the photo's bytes when
//  SUBMISSION_RECORD_IMAGE is set (may be NULL: no image key then).
int submissions_record_pack (msgpack_packer *pk, const submission_row_t *row, unsigned flags,
                            const zchunk_t *image);

//  Emits submission.received or submission.updated with the whole record
//  of the stored submission id (never the image).
int submissions_record_emit (wsis_service_t *service, const char *type, int64_t id);

//  -------------------------------------------------------------------------
//  submissions_winners.c: previous WSIS Prize winners.

//  Reloads the config list (submissions/previous_winners) into the store;
//  a missing file is an empty list, a malformed one stops the service.
int submissions_winners_load (wsis_service_t *service);

//  winners.selected from nominations: the winning project may not enter
//  a later call.
int submissions_winners_apply (wsis_service_t *service, const wsis_event_t *event);

//  -------------------------------------------------------------------------
//  submissions_contest.c: where each contest entry stands.

//  nominations.published, winners.selected and photo.winners.selected from
//  nominations, voting.closed from voting: raises the contest_status of
//  the projects they name. Other events: nothing.
int submissions_contest_apply (wsis_service_t *service, const wsis_event_t *event);

#endif
