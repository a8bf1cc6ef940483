/*  wsis-nominations: phases 2 and 4 of the WSIS Prizes, the Photo Contest
    winners, and the High-Level Track Facilitator and Gender Trendsetter
    nominations (docs/protocol.md section 9).

    What it knows of projects comes only from the events of wsis-submissions
    (submission.received / updated / withdrawn), and the champions only from
    voting.closed of wsis-voting: no service reads another's database. All
    state lives in its own SQLite store, none in memory, so a rolled-back
    batch needs no repair.

    Files: main.c (the def), nominations_ops.c (the op table and the checks
    every area shares), nominations_review_ops.c (phase 2: review, publish,
    list), nominations_nominee_ops.c (HLTF and Trendsetter nominations),
    nominations_selection_ops.c (phase 4: experts, scores, winners; photo
    winners), nominations_events.c (the events it learns from),
    nominations_store.c (every SQL statement).
*/
#ifndef NOMINATIONS_H
#define NOMINATIONS_H

#include "wsis_fields.h"
#include "wsis_service.h"
#include "wsis_valid.h"

#include <stdbool.h>
#include <stdint.h>

#define NOMINATIONS_ID_MAX 64           //  submission, expert, nomination ids
#define NOMINATIONS_CALL_MAX 64
#define NOMINATIONS_CRITERIA 7          //  selection.score criteria

//  The seven criteria the ITU Expert Group scores a champion on (0-10
//  each), in the order they are stored.
extern const char *const nominations_criteria [NOMINATIONS_CRITERIA];

typedef struct {
    int64_t max_nominated;      //  nominations/max_nominated: per category
} nominations_t;

//  -------------------------------------------------------------------------
//  nominations_ops.c: the table and shared checks

extern const wsis_op_t nominations_ops [];

//  Reads the field `call` and finds it in the calendar; the call must be of
//  `kind` ("prize", "photo", ...). Fails the reply with `validation` on
//  the field otherwise. The call is owned by the calendar.
const wsis_call_t *nominations_call_field (wsis_service_t *service, wsis_fields_t *body,
                                           const char *kind);

//  Fails the reply unless `phase` of call is open now: `phase_not_open`
//  before its start, `deadline_passed` at or after its end. 0 or -1.
int nominations_require_open (wsis_service_t *service, wsis_reply_t *reply,
                              const wsis_call_t *call, const char *phase);

//  Fails the reply with `phase_not_open` unless `phase` of call has ended
//  (require_passed) or at least started (require_started). 0 or -1.
int nominations_require_passed (wsis_service_t *service, wsis_reply_t *reply,
                                const wsis_call_t *call, const char *phase);
int nominations_require_started (wsis_service_t *service, wsis_reply_t *reply,
                                 const wsis_call_t *call, const char *phase);

//  Fails the reply with `deadline_passed` once `phase` of call has ended.
int nominations_require_not_passed (wsis_service_t *service, wsis_reply_t *reply,
                                    const wsis_call_t *call, const char *phase);

//  A store failure: `internal`; the batch goes on, this request changes
//  nothing (its savepoint is rolled back). Returns -1.
int nominations_fail_internal (wsis_reply_t *reply);

//  Who did it, for the record: the actor id, or the role when absent.
const char *nominations_actor (const wsis_request_t *request);

//  An array packed while its length is not yet known (rows of a query):
//  elements go into their own buffer, and pack writes header + elements.
typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    uint32_t count;
} nominations_array_t;

void nominations_array_init (nominations_array_t *self);
//  Writes the array into out and releases the buffer.
void nominations_array_pack (nominations_array_t *self, msgpack_packer *out);
//  The same for a map: count is the number of key/value pairs packed.
void nominations_map_pack (nominations_array_t *self, msgpack_packer *out);
void nominations_array_release (nominations_array_t *self);

//  -------------------------------------------------------------------------
//  Operations, one function each, named after the operation

//  nominations_review_ops.c
int nominations_review_op_decide (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_review_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_op_publish (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);

//  nominations_nominee_ops.c
int nominations_hltf_op_nominate (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_hltf_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_ambassador_op_nominate (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_ambassador_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);

//  nominations_selection_ops.c
int nominations_expert_op_register (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_selection_op_score (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_selection_op_standings (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_selection_op_finalize (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);
int nominations_photo_op_winners_select (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply);

//  -------------------------------------------------------------------------
//  nominations_events.c: the apply hook

int nominations_events_apply (wsis_service_t *service, const wsis_event_t *event);

//  -------------------------------------------------------------------------
//  nominations_store.c: every SQL statement of the service.
//
//  Lookups return 0 (found), 1 (no such row) or -1 (the store failed).
//  Writes return 0 or -1. Strings in row structs handed to callbacks point
//  into SQLite and live only during the callback.

//  A project (prize) or entry (photo) as wsis-submissions announced it.
typedef struct {
    char submission_id [NOMINATIONS_ID_MAX + 1];
    char call [NOMINATIONS_CALL_MAX + 1];
    char kind [16];             //  prize | photo
    char category [16];         //  prize: one of the 18; photo: ""
    char status [16];           //  received, ..., withdrawn
    char country [8];
    char *entity_norm;          //  wsis_valid_normalize of the entity; heap, freed by
                                //  nominations_project_release
    char *title;                //  heap, the same
} nominations_project_t;

void nominations_project_release (nominations_project_t *project);

//  What an event says of a project; strings need not be NUL-terminated.
typedef struct {
    const char *submission_id; size_t submission_id_len;
    const char *call; size_t call_len;
    const char *kind; size_t kind_len;
    const char *category; size_t category_len;     //  NULL when none
    const char *status; size_t status_len;
    const char *title; size_t title_len;           //  NULL when none
    const char *entity; size_t entity_len;         //  NULL when none
    const char *country; size_t country_len;       //  NULL when none
    const char *entity_norm;                       //  NUL-terminated or NULL
} nominations_project_event_t;

int nominations_store_project_upsert (wsis_store_t *store, const nominations_project_event_t *project);
//  Marks a project withdrawn (creating the row from what the event says
//  when the project was never seen).
int nominations_store_project_withdraw (wsis_store_t *store, const nominations_project_event_t *project);
int nominations_store_project (wsis_store_t *store, const char *submission_id,
                               nominations_project_t *project);

//  Review decisions (phase 2).
typedef struct {
    const char *submission_id;
    const char *category;
    const char *title;
    const char *status;
    const char *decision;       //  NULL: not reviewed yet
    const char *reason;         //  NULL when none
    int64_t position;           //  the paging cursor of review.list
} nominations_review_row_t;

//  The decision of a project: 0 with decision ("nominate"/"reject") and
//  reason (may be "") copied, 1 when not reviewed.
int nominations_store_review (wsis_store_t *store, const char *submission_id,
                              char *decision, size_t decision_size,
                              char **reason);
int nominations_store_review_set (wsis_store_t *store, const char *submission_id,
                                  const char *decision, const char *reason,
                                  const char *decided_by, int64_t now);
//  Prize projects of a call with their decisions, after `after`,
//  at most limit. category / decision ("nominate", "reject", "pending")
//  may be NULL. Returns the number of rows or -1.
int nominations_store_review_each (wsis_store_t *store, const char *call, const char *category,
                                   const char *decision, int64_t after, int64_t limit,
                                   void (*fn) (const nominations_review_row_t *row, void *arg),
                                   void *arg);
//  Nominated projects of a call in one category (non-withdrawn, in the
//  order they were submitted): the draft list before publication.
int nominations_store_draft_each (wsis_store_t *store, const char *call, const char *category,
                                  void (*fn) (const char *submission_id, const char *title, void *arg),
                                  void *arg);
//  How many projects of a category are nominated in the draft.
int64_t nominations_store_draft_count (wsis_store_t *store, const char *call, const char *category);

//  Publication: 0 published (when), 1 not yet.
int nominations_store_published (wsis_store_t *store, const char *call, int64_t *published_at);
int nominations_store_publish (wsis_store_t *store, const char *call, const char *published_by,
                               int64_t now);
int nominations_store_nominated_add (wsis_store_t *store, const char *call, const char *category,
                                     int position, const char *submission_id);
//  The published list of one category, in order.
int nominations_store_nominated_each (wsis_store_t *store, const char *call, const char *category,
                                      void (*fn) (const char *submission_id, const char *title, void *arg),
                                      void *arg);

//  HLTF and Gender Trendsetter nominations.
typedef struct {
    const char *call;
    const char *stakeholder_type;   //  hltf
    const char *name;
    const char *title;              //  hltf
    const char *organization;
    const char *country;            //  ambassador
    const char *email;
    const char *gender;
    const char *nominator_name;     //  hltf
    const char *nominator_email;    //  hltf
    const char *objectives;         //  ambassador: "1,3,6"
    const char *motivation;         //  ambassador
    int64_t nominated_at;
    int64_t number;                 //  the n of "hltf-<n>" / "amb-<n>"
} nominations_nominee_t;

//  1 when that nominee e-mail is already nominated in the call, 0 when
//  not, -1 failed.
int nominations_store_hltf_exists (wsis_store_t *store, const char *call, const char *email_norm);
//  Inserts; *number is the n of its id.
int nominations_store_hltf_add (wsis_store_t *store, const nominations_nominee_t *nominee,
                                const char *email_norm, int64_t *number);
int nominations_store_hltf_each (wsis_store_t *store, const char *call, const char *stakeholder_type,
                                 void (*fn) (const nominations_nominee_t *nominee, void *arg),
                                 void *arg);
int nominations_store_ambassador_exists (wsis_store_t *store, const char *call, const char *email_norm);
int nominations_store_ambassador_add (wsis_store_t *store, const nominations_nominee_t *nominee,
                                      const char *email_norm, int64_t *number);
int nominations_store_ambassador_each (wsis_store_t *store, const char *call,
                                       void (*fn) (const nominations_nominee_t *nominee, void *arg),
                                       void *arg);

//  The expert group of a call (phase 4).
typedef struct {
    char country [8];
    char *entity_norm;          //  heap; nominations_expert_release
} nominations_expert_t;

void nominations_expert_release (nominations_expert_t *expert);
int nominations_store_expert (wsis_store_t *store, const char *call, const char *expert_id,
                              nominations_expert_t *expert);
int nominations_store_expert_add (wsis_store_t *store, const char *call, const char *expert_id,
                                  const char *name, const char *country, const char *entity,
                                  const char *entity_norm, const char *registered_by, int64_t now);

//  Champions from voting.closed: 1 when the call has none recorded.
int nominations_store_champions_known (wsis_store_t *store, const char *call);
int nominations_store_champion_add (wsis_store_t *store, const char *call, const char *category,
                                    const char *submission_id, int rank, int64_t votes);
//  0 with the category of a champion of the call, 1 when not a champion.
int nominations_store_champion (wsis_store_t *store, const char *call, const char *submission_id,
                                char *category, size_t size);

//  One champion of a category with its scores so far.
typedef struct {
    const char *submission_id;
    int rank;
    int64_t votes;
    int64_t experts;            //  how many experts scored it
    int64_t total;              //  the sum of every expert's total (0-70 each)
    bool withdrawn;
} nominations_standing_t;

int nominations_store_standings_each (wsis_store_t *store, const char *call, const char *category,
                                      void (*fn) (const nominations_standing_t *standing, void *arg),
                                      void *arg);

//  1 when the expert scored that project before, 0 when not, -1 failed.
int nominations_store_score_exists (wsis_store_t *store, const char *call, const char *submission_id,
                                    const char *expert_id);
int nominations_store_score_set (wsis_store_t *store, const char *call, const char *submission_id,
                                 const char *expert_id, const int64_t scores [NOMINATIONS_CRITERIA],
                                 int64_t now);

//  Winners: 0 with the winner copied, 1 when the category is not decided.
int nominations_store_winner (wsis_store_t *store, const char *call, const char *category,
                              char *winner, size_t size);
int nominations_store_winner_set (wsis_store_t *store, const char *call, const char *category,
                                  const char *submission_id, bool tie, const char *decided_by,
                                  int64_t now);

//  Photo Contest winners: 1 when the call has none yet.
int nominations_store_photo_selected (wsis_store_t *store, const char *call);
int nominations_store_photo_winner_add (wsis_store_t *store, const char *call, int rank,
                                        const char *submission_id, const char *selected_by,
                                        int64_t now);

#endif
