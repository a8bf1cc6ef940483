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
    notifications_message.c (RFC 5322 messages), notifications_store.c
    (every SQL statement), schema.sql.
*/
#ifndef NOTIFICATIONS_H
#define NOTIFICATIONS_H

#include "wsis_calendar.h"
#include "wsis_service.h"

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#define NOTIFY_KEY_MAX 256
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
//  Deliveries are sequential; the loop keeps a bounded number in flight.
//  A file is written to a temporary name and renamed to <key as file
//  name>.eml, so a reader never sees half a message and a resend replaces
//  it. SMTP reuses its connection between messages. A webhook is an HTTP
//  POST with Content-Type: application/json, X-WSIS-Delivery: <key> and
//  X-WSIS-Signature: sha256=<hex HMAC-SHA256 of the body with secret>;
//  only a 2xx counts as sent.
void notify_delivery_actor (zsock_t *pipe, void *config);

#endif
