/*  wsis-notifications: staff reminded of every deadline, and the people
    concerned told what happened to them (docs/protocol.md section 11).

    Two sources of notifications, one table of them:
      - the calendar: every phase start and end of every call, deadline
        reminders at offsets before each phase end (14 days, 7 days, 1 day,
        1 hour by default; days in the call's zone, hours elapsed), and
        reminders before each OCP meeting; for the staff who follow the
        call (configs/staff.cfg) and for public subscribers;
      - the events of the other services: a confirmation to the contact of
        a submission received, the result of the nominations to every
        submitter, champions, winners, photo winners, acknowledgements to
        nominators.

    Every notification is a row with a deterministic key (what, for whom,
    which deadline or event): created in the same transaction as the event
    or the schedule that caused it, so it exists exactly once; due at an
    instant of the service clock; delivered by a channel (file, smtp,
    webhook) from a delivery actor that never blocks the loop; marked sent
    in a transaction of its own once the channel accepted it. A failure is
    retried with exponential backoff, then marked failed and reported to
    staff. Moments of the calendar also publish phase.opened, phase.closed
    and deadline.reminder, once each, in order.

    Files: main.c (the def), notifications_ops.c (notify.* operations),
    notifications_events.c (what other services' events cause),
    notifications_due.c (the clock: what is due is made ready, skipped or
    published), notifications_outgoing.c (ready notifications rendered and
    handed to the delivery actor, results recorded), notifications_delivery.c
    (the actor: file, smtp, webhook), notifications_schedule.c (the
    reminder moments of a calendar), notifications_staff.c
    (configs/staff.cfg: who follows what, through which channel, and the
    offsets), notifications_templates.c (configs/templates/),
    notifications_message.c (RFC 5322 messages), notifications_calendar.c
    (the schedule written into the store), notifications_create.c (adding
    a notification), notifications_store.c (every SQL statement),
    schema.sql.
*/
#ifndef NOTIFICATIONS_H
#define NOTIFICATIONS_H

#include "wsis_calendar.h"
#include "wsis_service.h"

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#define NOTIFY_KEY_MAX 640
#define NOTIFY_EMAIL_MAX 254

//  -------------------------------------------------------------------------
//  notifications_staff.c: configs/staff.cfg

typedef enum {
    NOTIFY_CHANNEL_FILE,        //  an RFC 5322 message in <data_dir>/outbox/
    NOTIFY_CHANNEL_SMTP,        //  mail through notifications/smtp_url
    NOTIFY_CHANNEL_WEBHOOK      //  HTTP POST of JSON, signed
} notify_channel_t;

//  "file", "smtp", "webhook".
const char *notify_channel_name (notify_channel_t channel);
//  0 and *channel, or -1 for an unknown name.
int notify_channel_parse (const char *name, notify_channel_t *channel);

//  An offset before an instant: 7 days (calendar days in the call's zone)
//  or 1 hour (elapsed time).
typedef struct {
    int amount;
    char unit;                  //  'd' or 'h'
} notify_offset_t;

#define NOTIFY_OFFSETS_MAX 8

//  "14d 7d 1d 1h" into offsets (at most NOTIFY_OFFSETS_MAX, each 1-366
//  days or 1-8784 hours). The number parsed, or -1 when malformed.
int notify_offsets_parse (const char *text, notify_offset_t *offsets, size_t max);
//  "7d", "1h" into buffer (>= 8 bytes).
void notify_offset_format (const notify_offset_t *offset, char *buffer, size_t size);

//  One recipient of configs/staff.cfg.
typedef struct {
    const char *name;           //  "WSIS Prizes team"
    const char *email;          //  the address (smtp, file); for a webhook, a label
    notify_channel_t channel;
    const char *url;            //  webhook: where to POST, else NULL
    const char *secret;         //  webhook: the HMAC key (read from secret_file), else NULL
    //  What it follows: call ids, "kind:<kind>" (every call of that kind),
    //  "edition:<year>" (every call whose id ends in -<year>), or "*".
    const char *const *follows;
    size_t follow_count;
} notify_staff_member_t;

typedef struct _notify_staff_t notify_staff_t;

//  Loads the staff file. Sections:
//
//      staff                       one per recipient
//          name = "WSIS Prizes team"
//          email = wsis-prizes@example.org
//          calls = "prizes-2022 kind:photo edition:2023 *"
//          channel = file | smtp | webhook
//          url = https://hooks.example.org/wsis      (webhook)
//          secret_file = configs/hook.secret          (webhook)
//      reminders                   optional, one per call kind or "*"
//          kind = prize
//          before = "14d 7d 1d 1h"                    (phase ends)
//          meetings = "1d 1h"                         (meeting starts)
//
//  Every call of the calendar that no staff member follows is an error
//  when require_all is true (a new edition must not leave staff without
//  reminders): NULL with *error one line naming the file, the section and
//  the value (caller frees).
notify_staff_t *notify_staff_load (const char *path, wsis_calendar_t *calendar,
                                   bool require_all, char **error);
//  The same from ZPL text (tests).
notify_staff_t *notify_staff_parse (const char *text, wsis_calendar_t *calendar,
                                    bool require_all, char **error);
void notify_staff_destroy (notify_staff_t **self_p);

size_t notify_staff_size (notify_staff_t *self);
//  The member at index, or NULL. Owned by the list.
const notify_staff_member_t *notify_staff_at (notify_staff_t *self, size_t index);
//  The member with that email (first one), or NULL.
const notify_staff_member_t *notify_staff_find (notify_staff_t *self, const char *email);
//  Whether member follows call.
bool notify_staff_follows (const notify_staff_member_t *member, const wsis_call_t *call);

//  The offsets before phase ends, and before meetings, for a call kind:
//  its own `reminders` section, else the "*" one, else the defaults
//  (14d 7d 1d 1h; meetings 1d 1h). Owned by the list; *count set.
const notify_offset_t *notify_staff_offsets (notify_staff_t *self, const char *kind, size_t *count);
const notify_offset_t *notify_staff_meeting_offsets (notify_staff_t *self, const char *kind,
                                                     size_t *count);

//  -------------------------------------------------------------------------
//  notifications_schedule.c: the moments of a calendar

typedef enum {
    NOTIFY_MOMENT_OPENED,       //  a phase starts: phase.opened
    NOTIFY_MOMENT_REMINDER,     //  an offset before a phase end: deadline.reminder
    NOTIFY_MOMENT_CLOSED,       //  a phase ends: phase.closed
    NOTIFY_MOMENT_MEETING       //  an offset before an OCP meeting starts
} notify_moment_kind_t;

typedef struct {
    char key [NOTIFY_KEY_MAX];  //  "prizes-2022/voting/reminder/7d": unique, stable
    notify_moment_kind_t kind;
    const wsis_call_t *call;    //  owned by the calendar
    const wsis_phase_t *phase;
    size_t phase_index;         //  in call->phases (meetings share a name)
    int64_t due;                //  when it happens, UTC ms
    //  When a late one is no longer worth sending: the phase end for a
    //  reminder, the meeting start for a meeting reminder, INT64_MAX for
    //  the start and end notices (facts are told late rather than never).
    int64_t expires;
    notify_offset_t before;     //  reminder, meeting: the offset; else 0
    //  Order among moments due at the same instant: a phase's end before
    //  the next phase's start, reminders between.
    int rank;
} notify_moment_t;

//  Calls fn for every moment of every call of the calendar, with the
//  offsets of staff (notify_staff_offsets, notify_staff_meeting_offsets),
//  in (due, rank, key) order. A phase without an end has no reminders and
//  no end notice. fn returns 0 to go on, -1 to stop (returned).
typedef int (notify_moment_fn) (const notify_moment_t *moment, void *arg);
int notify_schedule_each (wsis_calendar_t *calendar, notify_staff_t *staff,
                          notify_moment_fn *fn, void *arg);

//  The event type of a moment ("phase.opened", "deadline.reminder",
//  "phase.closed", "meeting.reminder") and the template kind of its mail
//  ("phase_opened", "deadline_reminder", "phase_closed", "meeting_reminder").
const char *notify_moment_event (notify_moment_kind_t kind);
const char *notify_moment_template (notify_moment_kind_t kind);

//  -------------------------------------------------------------------------
//  notifications_templates.c: configs/templates/<kind>.txt

//  A template file is "Subject: <line>", a blank line, then the body.
//  {placeholder} is replaced by its value; {{ and }} are literal braces.
//  Each kind has its own list of placeholders: a template that uses
//  another one, or a kind without a file, stops the service at start.
typedef struct _notify_templates_t notify_templates_t;

notify_templates_t *notify_templates_load (const char *folder, char **error);
void notify_templates_destroy (notify_templates_t **self_p);

//  The template kinds, NULL-terminated, and the placeholders each allows.
extern const char *const notify_template_kinds [];
//  NULL-terminated list of the placeholders of kind, or NULL for an
//  unknown kind.
const char *const *notify_template_placeholders (const char *kind);

//  Renders kind with vars (a msgpack map of str, int or uint values; a
//  placeholder without a value, or with a value of another type, renders
//  as ""). A line of nothing but placeholders that all rendered empty is
//  left out, with the blank line after it when it was a paragraph of its
//  own: an empty {late_note} leaves no gap. *subject and *body are
//  UTF-8 (the body's lines end in \n; line ends in a subject's values are
//  spaces); the caller frees both. 0, or -1 for an unknown kind.
int notify_templates_render (notify_templates_t *self, const char *kind,
                             const msgpack_object *vars, char **subject, char **body);

//  -------------------------------------------------------------------------
//  notifications_message.c: an RFC 5322 message

typedef struct {
    const char *from;           //  "WSIS Forum <noreply@wsis.example.org>"
    const char *to_name;        //  UTF-8, may be NULL
    const char *to_email;
    const char *subject;        //  UTF-8
    const char *body;           //  UTF-8, \n line ends
    const char *key;            //  the notification's key: Message-ID, X-WSIS-Key
    int64_t date;               //  UTC ms, for the Date header
    //  Subscribers only (NULL for staff and people concerned): RFC 8058
    //  List-Unsubscribe with a mailto: and an https one-click URL ending
    //  in the token, and List-Unsubscribe-Post.
    const char *unsubscribe_token;
    const char *unsubscribe_mailto;     //  "unsubscribe@wsis.example.org"
    const char *unsubscribe_url;        //  "https://wsis.example.org/unsubscribe?token="
} notify_mail_t;

//  The whole message, CRLF line ends, headers encoded per RFC 2047 where
//  they hold other than ASCII, the body quoted-printable when it does (or
//  has a line over 76 octets), else 7bit. No input can add a header: a
//  control character (CR, LF) in a name or the subject is a space, an
//  address ends at its first character that is not of an address, the
//  key and the token are percent-escaped. Returns a zchunk the caller
//  destroys.
zchunk_t *notify_message_build (const notify_mail_t *mail);

//  "<" 32 hex digits of SHA-256 of key "@" the domain of from ">", into
//  buffer (>= 128 bytes): the same key, the same Message-ID, so a resend
//  after a crash can be recognised. "localhost" when from has no domain.
void notify_message_id (const char *key, const char *from, char *buffer, size_t size);

//  -------------------------------------------------------------------------
//  notifications_delivery.c: the actor that talks to the outside world

//  What the actor is configured with; copied by the actor.
typedef struct {
    const char *outbox_dir;     //  file channel: <data_dir>/outbox
    const char *smtp_url;       //  "smtp://127.0.0.1:2525", "smtps://...", or NULL
    //  smtp://: require STARTTLS (notifications/smtp_starttls), false only
    //  for a local test server; smtps:// is TLS from the start anyway.
    bool starttls;
    //  The CAs the server's certificate is checked against (a private
    //  CA, a test's own), or NULL for the system's. Never unchecked.
    const char *smtp_ca_file;
    const char *smtp_user;      //  or NULL
    const char *smtp_password;  //  or NULL
    const char *smtp_from;      //  envelope sender (an address)
    int64_t timeout_ms;         //  per delivery
} notify_delivery_config_t;

//  zactor_new (notify_delivery_actor, &config). Protocol on the pipe,
//  one message at a time each way, in order:
//
//      loop -> actor:  "DELIVER" key channel target secret payload
//                      (strings; payload a frame: the RFC 5322 message for
//                      file and smtp, the JSON body for a webhook; target
//                      the address, or the URL; secret "" unless webhook)
//      actor -> loop:  "DONE" key status detail
//                      status "sent", or "retry" (worth trying again: a
//                      connection refused, a 4xx, a timeout), or "failed"
//                      (never worth it: a 5xx SMTP reply to RCPT, a
//                      malformed address); detail one line for people
//
//  A malformed command is logged and answered DONE <its key or ""> failed
//  <why>. Deliveries are sequential; the loop keeps a bounded number in
//  flight. $TERM (zactor_destroy) ends the actor within about a second,
//  even in the middle of a delivery to a slow server.
//  A file is written to a temporary name and renamed to <key as file
//  name>.eml, so a reader never sees half a message and a resend replaces
//  it. SMTP reuses its connection between messages. A webhook is an HTTP
//  POST with Content-Type: application/json, X-WSIS-Delivery: <key> and
//  X-WSIS-Signature: sha256=<hex HMAC-SHA256 of the body with secret>;
//  only a 2xx counts as sent.
void notify_delivery_actor (zsock_t *pipe, void *config);

//  -------------------------------------------------------------------------
//  The service: what it keeps in memory (all of it rebuilt from the store
//  and the configuration at start)

typedef struct {
    notify_staff_t *staff;
    notify_templates_t *templates;
    notify_delivery_config_t delivery_config;
    char *smtp_password;        //  read from notifications/smtp_password_file
    char *smtp_from;            //  the address of notifications/from
    char *outbox_dir;
    //  The delivery actors, each with its own SMTP and HTTP connections,
    //  and how many deliveries each has in hand.
#define NOTIFY_WORKERS_MAX 16
    zactor_t *workers [NOTIFY_WORKERS_MAX];
    size_t worker_load [NOTIFY_WORKERS_MAX];
    size_t worker_count;
    //  Options, pointing into the service's configuration.
    const char *from;
    const char *unsubscribe_mailto;
    const char *unsubscribe_url;
    notify_channel_t people_channel;    //  smtp when a server is set, else file
    int64_t retry_base_ms;
    int64_t retry_max;
    size_t in_flight_max;
    //  Keys handed to an actor and not answered yet (the value is the
    //  actor's index + 1); answers
    //  received and not recorded yet (recorded together, one commit for
    //  many, a few milliseconds later: see notifications_outgoing.c).
    zhashx_t *sending;
    zlistx_t *answers;
    int answers_timer;          //  zloop timer id, or -1
    int send_timer;             //  notify_outgoing_soon's timer, or -1
    //  The earliest `due` of a scheduled notification (service clock), so
    //  the clock is compared with one number, not the database.
    int64_t next_due;
    //  Notifications may be ready to hand over: set when rows become
    //  ready, cleared when a look found none; and the earliest retry
    //  (wall clock) among those waiting for one.
    bool ready_waiting;
    int64_t next_retry;
} notifications_t;

//  A template's values, or an event body: str pairs packed into one map.
#define NOTIFY_VARS_MAX 24
typedef struct {
    const char *keys [NOTIFY_VARS_MAX];
    char *values [NOTIFY_VARS_MAX];     //  owned
    size_t count;
} notify_vars_t;

void notify_vars_add (notify_vars_t *self, const char *key, const char *value);
void notify_vars_addn (notify_vars_t *self, const char *key, const char *value, size_t len);
void notify_vars_addf (notify_vars_t *self, const char *key, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));
void notify_vars_pack (const notify_vars_t *self, msgpack_packer *pk);
void notify_vars_release (notify_vars_t *self);

//  A notification key into key (NOTIFY_KEY_MAX bytes). Every part of a key
//  is bounded (ids of 64 bytes, addresses of 254), so a key never fills
//  it; one that would is refused (-1, logged) rather than cut, since two
//  cut keys could be taken for one notification.
int notify_key (char *key, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

//  The ref of a key: 32 hex digits of its SHA-256, how events name a
//  notification without the address its key holds.
#define NOTIFY_REF_SIZE 33
void notify_ref (const char *key, char *ref);


//  -------------------------------------------------------------------------
//  notifications_store.c: every SQL statement

//  A notification as stored; text points into the statement (valid until
//  the next step) when read, into the caller's memory when written.
typedef struct {
    const char *key;
    const char *kind;
    const char *call;           //  may be NULL
    const char *phase;          //  may be NULL
    const char *moment;         //  may be NULL
    int64_t due;
    int64_t expires;            //  INT64_MAX: never
    int64_t rank;
    const char *channel;
    const char *recipient;
    const char *recipient_name;
    const void *vars;
    size_t vars_size;
    const char *unsubscribe_token;      //  may be NULL
    const char *status;
    bool late;
    int64_t attempts;
    int64_t next_attempt;       //  0: none
    const char *last_error;     //  may be NULL
    int64_t created_at;
    int64_t sent_at;            //  0: not sent
} notify_row_t;

typedef int (notify_row_fn) (const notify_row_t *row, void *arg);

//  Adds a notification unless its key exists. 1 added, 0 it was there, -1.
int notify_store_add (wsis_store_t *store, const notify_row_t *row);
//  The row of key through fn: 1 found, 0 not, -1 error.
int notify_store_get (wsis_store_t *store, const char *key, notify_row_fn *fn, void *arg);
//  A scheduled row's due, expires, rank and vars replaced (a reload of the
//  calendar or staff file moved it); a ready one never handed over to its
//  channel is scheduled again with them, as new. 0 or -1.
int notify_store_reschedule (wsis_store_t *store, const notify_row_t *row);
//  Where a row stands, for the schedule: 1 found, 0 not, -1 error.
typedef struct {
    bool scheduled;
    int64_t due;
    int64_t expires;            //  INT64_MAX: never
    int64_t rank;
    bool unhanded;              //  ready, its message never handed to a channel
} notify_state_t;
int notify_store_state (wsis_store_t *store, const char *key, notify_state_t *state);
//  A ready row's message is about to go to a delivery actor. 0 or -1.
int notify_store_handed (wsis_store_t *store, const char *key);
//  Calendar rows still owed (scheduled, due or not: one can fall due
//  while the service is down; or ready and never handed over): key,
//  moment, call, phase, due and expires through fn. 0 or -1.
int notify_store_owed_moments (wsis_store_t *store, notify_row_fn *fn, void *arg);
int notify_store_delete (wsis_store_t *store, const char *key);
//  Calendar rows no longer scheduled (sent, ready, skipped, failed) with
//  row's call, phase, kind, channel, recipient, due and expires: their
//  moment through fn, until fn returns 1. 1 fn found one, 0 not, -1.
int notify_store_made_twins (wsis_store_t *store, const notify_row_t *row,
                             int (*fn) (const char *moment, void *arg), void *arg);
//  Scheduled rows due at or before now, in (due, rank, key) order, at most
//  limit. The count, or -1.
int notify_store_due (wsis_store_t *store, int64_t now, int limit, notify_row_fn *fn, void *arg);
//  The earliest due of a scheduled row, or INT64_MAX.
int64_t notify_store_next_due (wsis_store_t *store);
//  Ready rows whose retry time has come (wall clock), in (due, rank, key)
//  order, at most limit.
int notify_store_ready (wsis_store_t *store, int64_t wall_now, int limit,
                        notify_row_fn *fn, void *arg);
//  The earliest next_attempt of a ready row, or INT64_MAX.
int64_t notify_store_next_retry (wsis_store_t *store);
//  Status changes. late 0 or 1, or -1 to keep it; sent_at is kept when 0;
//  error may be NULL (kept).
int notify_store_set_status (wsis_store_t *store, const char *key, const char *status,
                             int late, int64_t sent_at, const char *error);
//  A failed attempt that will be tried again at next_attempt (wall clock).
int notify_store_attempt_failed (wsis_store_t *store, const char *key, int64_t next_attempt,
                                 const char *error);
//  A failed notification made ready again (notify.retry). 1, 0 not failed, -1.
int notify_store_retry (wsis_store_t *store, const char *key);
//  Rows for notify.list (any filter NULL; status "pending" is scheduled
//  and ready together) and notify.schedule (calendar rows only, by due),
//  after the key `after` ("" from the start). count.
int notify_store_list (wsis_store_t *store, const char *status, const char *call,
                       const char *kind, const char *after, int limit,
                       notify_row_fn *fn, void *arg);
int notify_store_schedule (wsis_store_t *store, const char *call, const char *after, int limit,
                           notify_row_fn *fn, void *arg);
//  Every notification to a subscriber that is not sent yet: skipped.
int notify_store_skip_token (wsis_store_t *store, const char *token, const char *why);

typedef struct {
    const char *email;
    const char *token;
    const char *calls;          //  space-separated ids, "" every call
    const char *status;         //  pending | active | removed
} notify_subscription_t;

typedef int (notify_subscription_fn) (const notify_subscription_t *subscription, void *arg);

//  By address (lower-case) or by token: 1 found (through fn), 0 not, -1.
int notify_store_subscription_by_email (wsis_store_t *store, const char *email_norm,
                                        notify_subscription_fn *fn, void *arg);
int notify_store_subscription_by_token (wsis_store_t *store, const char *token,
                                        notify_subscription_fn *fn, void *arg);
//  Active subscriptions, through fn.
int notify_store_subscriptions_active (wsis_store_t *store, notify_subscription_fn *fn, void *arg);
//  Creates or renews a pending subscription. 0 or -1.
int notify_store_subscription_put (wsis_store_t *store, const char *email_norm,
                                   const notify_subscription_t *subscription, int64_t now);
int notify_store_subscription_status (wsis_store_t *store, const char *token, const char *status,
                                      int64_t now);

typedef struct {
    const char *submission_id;
    const char *call;
    const char *kind;
    const char *category;       //  may be NULL
    const char *title;
    const char *contact_name;
    const char *contact_email;
    bool withdrawn;
} notify_submission_t;

typedef int (notify_submission_fn) (const notify_submission_t *submission, void *arg);

int notify_store_submission_put (wsis_store_t *store, const notify_submission_t *submission);
int notify_store_submission_withdraw (wsis_store_t *store, const char *submission_id);
//  1 found (through fn), 0 not, -1.
int notify_store_submission_get (wsis_store_t *store, const char *submission_id,
                                 notify_submission_fn *fn, void *arg);
//  The live submissions of a call of a kind, through fn.
int notify_store_submissions_of (wsis_store_t *store, const char *call, const char *kind,
                                 notify_submission_fn *fn, void *arg);
int notify_store_review_put (wsis_store_t *store, const char *submission_id,
                             const char *decision, const char *reason);
//  The reason of a rejection into buffer ("" when none). 0 or -1.
int notify_store_review_reason (wsis_store_t *store, const char *submission_id,
                                char *buffer, size_t size);

//  -------------------------------------------------------------------------
//  notifications_create.c: adding notifications, from wherever they come

//  What a new notification is about; NULL fields are absent.
typedef struct {
    const char *key;
    const char *kind;           //  template kind
    const char *call;
    const char *phase;
    const char *moment;
    int64_t due;                //  0: now
    int64_t expires;            //  0: never
    int rank;
    notify_channel_t channel;
    const char *recipient;
    const char *recipient_name;
    const char *unsubscribe_token;
    //  An event of the calendar to publish (channel "event", no
    //  recipient; vars is the event body as is), not a message.
    bool event;
    //  Due before it was ever scheduled (a calendar or staff change at
    //  start): recorded as skipped rather than sent late.
    bool skip_past;
    //  A moment whose key was made for another instant (notifications_
    //  renumber.c), due already: scheduled all the same, so the clock
    //  sends it late, until this instant (its phase end, its meeting
    //  start); skipped when that has passed too. 0: skip_past decides.
    int64_t catch_up_until;
} notify_new_t;

//  Adds a notification with vars (the template's values: the recipient's
//  name and email, the call and its title are added here unless vars has
//  them); ready at once when due has come (or skipped, with skip_past).
//  1 added, 0 the key existed, -1 the store failed.
int notify_create (wsis_service_t *service, const notify_new_t *item, const notify_vars_t *vars);

//  A message to every staff member who follows call (all staff when call
//  is NULL): key "<prefix>/staff/<email>". The count added, or -1.
int notify_create_for_staff (wsis_service_t *service, const char *prefix, const char *kind,
                             const char *call, const notify_vars_t *vars);

//  -------------------------------------------------------------------------
//  notifications_renumber.c: a calendar key that now stands for another instant

//  Whether item's moment (a calendar row) was made already, under another
//  number of its phase, for the same instants, and is no longer scheduled:
//  1 yes, 0 no, -1 the store failed.
int notify_renumber_made (wsis_store_t *store, const notify_new_t *item);

//  The key of item's moment at its own instant ("<moment>@<due, UTC>" then
//  the rest of item's key) into key (NOTIFY_KEY_MAX bytes). 0 or -1.
int notify_renumber_key (const notify_new_t *item, char *key);

//  What identifies a calendar moment whatever number its phase has now:
//  call, phase name, what it says ("meeting/1d") and instants, with the
//  recipient's part of the key in `owed`. A set of the moments still owed
//  (notify_store_owed_moments), or NULL when the store failed.
zhashx_t *notify_renumber_owed (wsis_store_t *store);
//  Adds moment (recipients aside) to a set of what the calendar has now.
void notify_renumber_present (zhashx_t *present, const notify_moment_t *moment);
//  Whether item's moment, at item's instants, was owed before this start.
bool notify_renumber_was_owed (zhashx_t *owed, const notify_new_t *item);
//  Whether the row under item's key, made for the instants due and
//  expires, belongs to another moment the calendar still has (a meeting
//  put before it or removed before it gave its key to another).
bool notify_renumber_elsewhere (zhashx_t *present, const notify_new_t *item,
                                int64_t due, int64_t expires);

//  -------------------------------------------------------------------------
//  notifications_calendar.c: the schedule written into the store

//  At start: every moment of the calendar for the staff who follow it and
//  the active subscribers, plus the event of each; future rows of moments
//  that are gone deleted; what was due before it was ever scheduled
//  recorded as skipped. In its own transaction. 0 or -1.
int notify_calendar_sync (wsis_service_t *service);

//  The subscriber's rows for every future moment of the calls they follow
//  (inside the caller's transaction). 0 or -1.
int notify_calendar_subscribe (wsis_service_t *service, const notify_subscription_t *subscription);

//  -------------------------------------------------------------------------
//  notifications_due.c: the clock

//  Called every second and after sys.clock.set: when the service clock
//  has passed next_due, what is due becomes ready (or is skipped, or, for
//  an event, published), in order, in one transaction; then hands ready
//  notifications to the delivery actor.
void notify_due_tick (wsis_service_t *service);

//  -------------------------------------------------------------------------
//  notifications_outgoing.c: ready notifications to the actor and back

//  Renders what is ready (up to the in-flight bound) and hands it over.
void notify_outgoing_send (wsis_service_t *service);
//  The same as soon as the loop is free: after the transaction in hand
//  (which made something ready) has committed.
void notify_outgoing_soon (wsis_service_t *service);
//  The actor's answers: collected, then recorded in one transaction (sent,
//  retried with backoff, or failed and reported to staff). zloop reader of
//  the actor.
int notify_outgoing_on_done (zloop_t *loop, zsock_t *pipe, void *arg);
//  Records the answers collected so far (at stop: nothing is left behind).
void notify_outgoing_flush (wsis_service_t *service);
//  The destructor of the answers list (zlistx_destructor_fn).
void notify_answer_destroy (void **item);
//  Renders a notification: subject, body (caller frees), and the message
//  or JSON body it would be sent as (caller destroys). 0 or -1.
int notify_outgoing_render (wsis_service_t *service, const notify_row_t *row,
                            char **subject, char **body, zchunk_t **payload);

//  -------------------------------------------------------------------------
//  notifications_events.c and notifications_ops.c

int notify_events_apply (wsis_service_t *service, const wsis_event_t *event);
extern const wsis_op_t notifications_ops [];

#endif
