/*  notifications_outgoing: ready notifications to the delivery actor, and
    its answers back into the store.

    The loop renders a ready notification (template, then an RFC 5322
    message, or the JSON body of a webhook) and hands it to the actor,
    which talks to the outside world; at most notifications/in_flight are
    out at once, so a slow mail server holds up deliveries, never the
    loop. Answers are recorded together, in one transaction a few
    milliseconds after the first of them (or at once when half the
    deliveries in flight have answered), so a fast server is not held to
    one fsync per message:
      - sent: the notification is sent (notification.sent);
      - retry: tried again after retry_base_ms, doubled each time, until
        retry_max retries have failed;
      - failed, or retries run out: failed (notification.failed), and the
        staff who follow its call are told.
    A crash between the channel's acceptance and that commit sends it once
    more on restart, with the same Message-ID, file name and delivery key,
    so the other side can tell it is the same notification.

    What goes to the actors is marked `handed` first, in one commit per
    batch: until then a ready message has reached nobody, and a calendar
    that moves its moment remakes it (notifications_calendar.c); from then
    on it may have reached its channel and is left as it is, until an
    answer that it failed clears the mark.
*/
#include "notifications.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

//  The longest wait between two attempts, however many failed.
#define RETRY_CAP_MS (6 * 3600 * 1000LL)

//  The values of row with `late_note` added, unpacked into *vars (the
//  caller destroys *vars and buffer).
static int
s_vars_with_note (wsis_service_t *service, const notify_row_t *row, msgpack_sbuffer *buffer,
                  msgpack_unpacked *vars)
{
    msgpack_unpacked stored;
    msgpack_unpacked_init (&stored);
    size_t offset = 0;
    int rc = msgpack_unpack_next (&stored, row->vars, row->vars_size, &offset);
    if (rc != MSGPACK_UNPACK_SUCCESS || stored.data.type != MSGPACK_OBJECT_MAP) {
        msgpack_unpacked_destroy (&stored);
        return -1;
    }
    char note [192] = "";
    if (row->late) {
        const wsis_call_t *call = row->call?
            wsis_calendar_call (wsis_service_calendar (service), row->call): NULL;
        char due [WSIS_TIME_ZONED_BUFSIZE];
        wsis_time_format_zoned (call? call->zone: NULL, row->due, due, sizeof due);
        snprintf (note, sizeof note, "This message is late: it was due at %s.", due);
    }
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    const msgpack_object_map *map = &stored.data.via.map;
    msgpack_pack_map (&pk, map->size + 1);
    for (uint32_t i = 0; i < map->size; i++) {
        msgpack_pack_object (&pk, map->ptr [i].key);
        msgpack_pack_object (&pk, map->ptr [i].val);
    }
    wsis_pack_kv_str (&pk, "late_note", note);
    msgpack_unpacked_destroy (&stored);
    msgpack_unpacked_init (vars);
    offset = 0;
    if (msgpack_unpack_next (vars, buffer->data, buffer->size, &offset) != MSGPACK_UNPACK_SUCCESS)
        return -1;
    //  An empty str would keep msgpack-c's NULL ptr (wsis_msg.h)
    wsis_msg_fill_empty (&vars->data);
    return 0;
}

//  The JSON a webhook receives.
static zchunk_t *
s_webhook_body (const notify_row_t *row, const char *subject, const char *body)
{
    char due [WSIS_TIME_BUFSIZE];
    wsis_time_format (row->due, due);
    json_t *json = json_pack ("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:s, s:s, s:b}",
                              "key", row->key, "kind", row->kind, "call", row->call,
                              "phase", row->phase, "to", row->recipient,
                              "name", row->recipient_name? row->recipient_name: "",
                              "subject", subject, "text", body, "due", due, "late", row->late);
    char *text = json? json_dumps (json, JSON_COMPACT | JSON_SORT_KEYS): NULL;
    json_decref (json);
    if (!text)
        return NULL;
    zchunk_t *chunk = zchunk_new (text, strlen (text));
    free (text);
    return chunk;
}

int
notify_outgoing_render (wsis_service_t *service, const notify_row_t *row,
                        char **subject, char **body, zchunk_t **payload)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    *subject = *body = NULL;
    *payload = NULL;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_unpacked vars;
    int rc = s_vars_with_note (service, row, &buffer, &vars);
    if (rc == 0)
        rc = notify_templates_render (self->templates, row->kind, &vars.data, subject, body);
    if (rc == 0 && streq (row->channel, "webhook"))
        *payload = s_webhook_body (row, *subject, *body);
    else
    if (rc == 0) {
        notify_mail_t mail = {
            .from = self->from,
            .to_name = row->recipient_name,
            .to_email = row->recipient,
            .subject = *subject,
            .body = *body,
            .key = row->key,
            .date = wsis_service_now (service),
            .unsubscribe_token = row->unsubscribe_token,
            .unsubscribe_mailto = self->unsubscribe_mailto,
            .unsubscribe_url = self->unsubscribe_url,
        };
        *payload = notify_message_build (&mail);
    }
    if (rc == 0 && !*payload)
        rc = -1;
    if (rc) {
        zstr_free (subject);
        zstr_free (body);
    }
    msgpack_unpacked_destroy (&vars);
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}

//  -------------------------------------------------------------------------
//  Answers: what happened to a notification, recorded

//  What the answer needs of the notification's row.
typedef struct {
    bool found;
    bool ready;
    char kind [64];
    char channel [16];
    char call [64];
    char recipient [NOTIFY_EMAIL_MAX + 1];
    int64_t attempts;
} answered_t;

static int
s_answered (const notify_row_t *row, void *arg)
{
    answered_t *answered = (answered_t *) arg;
    answered->found = true;
    answered->ready = streq (row->status, "ready");
    snprintf (answered->kind, sizeof answered->kind, "%s", row->kind);
    snprintf (answered->channel, sizeof answered->channel, "%s", row->channel);
    snprintf (answered->call, sizeof answered->call, "%s", row->call? row->call: "");
    snprintf (answered->recipient, sizeof answered->recipient, "%s", row->recipient);
    answered->attempts = row->attempts;
    return 0;
}

//  notification.sent / notification.failed {ref, kind, channel, call?,
//  error?}: what was sent and how, never to whom. Keys hold addresses and
//  the bus carries none, so the event names the notification by ref, the
//  first 32 hex digits of the SHA-256 of its key (notify.list shows both).
static int
s_emit (wsis_service_t *service, const char *type, const char *key,
        const answered_t *answered, const char *error)
{
    char ref [NOTIFY_REF_SIZE];
    notify_ref (key, ref);
    msgpack_packer *pk = wsis_service_event (service);
    msgpack_pack_map (pk, 3 + (*answered->call? 1: 0) + (error? 1: 0));
    wsis_pack_kv_str (pk, "ref", ref);
    wsis_pack_kv_str (pk, "kind", answered->kind);
    wsis_pack_kv_str (pk, "channel", answered->channel);
    if (*answered->call)
        wsis_pack_kv_str (pk, "call", answered->call);
    if (error)
        wsis_pack_kv_str (pk, "error", error);
    return wsis_service_event_emit (service, type);
}

//  The staff who follow the call hear of a notification that could not
//  be delivered; a report that fails in turn is not reported again.
static int
s_report (wsis_service_t *service, const char *key, const answered_t *answered,
          const char *error)
{
    if (streq (answered->kind, "delivery_failed"))
        return 0;
    notify_vars_t vars = { .count = 0 };
    notify_vars_add (&vars, "key", key);
    notify_vars_add (&vars, "recipient", answered->recipient);
    notify_vars_add (&vars, "channel", answered->channel);
    notify_vars_addf (&vars, "attempts", "%lld", (long long) answered->attempts + 1);
    notify_vars_add (&vars, "error", error);
    char prefix [NOTIFY_KEY_MAX];
    if (notify_key (prefix, "failed/%s", key))
        return 0;
    int rc = notify_create_for_staff (service, prefix, "delivery_failed",
                                      *answered->call? answered->call: NULL, &vars);
    notify_vars_release (&vars);
    return rc < 0? -1: 0;
}

//  One answer, inside the transaction: "sent", "retry" or "failed".
static int
s_record (wsis_service_t *service, const char *key, const char *status, const char *detail)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    wsis_store_t *store = wsis_service_store (service);
    answered_t answered = { false };
    if (notify_store_get (store, key, s_answered, &answered) < 0)
        return -1;
    //  Gone, or no longer waiting (unsubscribed meanwhile): nothing to do.
    if (!answered.found || !answered.ready)
        return 0;
    if (streq (status, "sent")) {
        if (notify_store_set_status (store, key, "sent", -1, wsis_service_now (service), NULL))
            return -1;
        return s_emit (service, "notification.sent", key, &answered, NULL);
    }
    if (streq (status, "retry") && answered.attempts < self->retry_max) {
        int64_t delay = self->retry_base_ms;
        for (int64_t i = 0; i < answered.attempts && delay < RETRY_CAP_MS; i++)
            delay *= 2;
        if (delay > RETRY_CAP_MS)
            delay = RETRY_CAP_MS;
        int64_t next = zclock_time () + delay;
        if (next < self->next_retry)
            self->next_retry = next;
        return notify_store_attempt_failed (store, key, next, detail);
    }
    wsis_log_warning ("delivery: %s failed after %lld attempts: %s", key,
                      (long long) answered.attempts + 1, detail);
    if (notify_store_set_status (store, key, "failed", -1, 0, detail)
    ||  s_emit (service, "notification.failed", key, &answered, detail))
        return -1;
    return s_report (service, key, &answered, detail);
}

typedef struct {
    char *key;
    char *status;
    char *detail;
} answer_t;

void
notify_answer_destroy (void **item)
{
    answer_t *answer = (answer_t *) *item;
    free (answer->key);
    free (answer->status);
    free (answer->detail);
    free (answer);
    *item = NULL;
}

static void
s_answer_add (zlistx_t *answers, const char *key, const char *status, const char *detail)
{
    answer_t *answer = (answer_t *) zmalloc (sizeof (answer_t));
    answer->key = wsis_strdup (key);
    answer->status = wsis_strdup (status);
    answer->detail = wsis_strdup (detail? detail: "");
    zlistx_add_end (answers, answer);
}

static int
s_record_all (wsis_service_t *service, void *arg)
{
    zlistx_t *answers = (zlistx_t *) arg;
    for (answer_t *answer = (answer_t *) zlistx_first (answers); answer;
         answer = (answer_t *) zlistx_next (answers))
        if (s_record (service, answer->key, answer->status, answer->detail))
            return -1;
    return 0;
}

//  Records the answers in one transaction; the keys are no longer out.
static void
s_conclude (wsis_service_t *service, zlistx_t *answers)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    if (zlistx_size (answers) && wsis_service_transact (service, s_record_all, answers))
        //  Still ready in the store: they go out again, with the same
        //  Message-ID, and are recorded then.
        wsis_log_error ("delivery: %zu answers could not be recorded; they will be sent again",
                        zlistx_size (answers));
    for (answer_t *answer = (answer_t *) zlistx_first (answers); answer;
         answer = (answer_t *) zlistx_next (answers)) {
        size_t worker = (size_t) (uintptr_t) zhashx_lookup (self->sending, answer->key);
        if (worker && self->worker_load [worker - 1])
            self->worker_load [worker - 1]--;
        zhashx_delete (self->sending, answer->key);
    }
}

//  How long an answer may wait for others to share its commit.
#define ANSWERS_WAIT_MS 5

void
notify_outgoing_flush (wsis_service_t *service)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    if (self->answers_timer != -1) {
        zloop_timer_end (wsis_service_loop (service), self->answers_timer);
        self->answers_timer = -1;
    }
    s_conclude (service, self->answers);
    zlistx_purge (self->answers);
}

static int
s_on_answers_timer (zloop_t *loop, int timer_id, void *arg)
{
    wsis_service_t *service = (wsis_service_t *) arg;
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    //  A one-shot timer: zloop forgets it after this call.
    self->answers_timer = -1;
    notify_outgoing_flush (service);
    notify_outgoing_send (service);
    return 0;
}

int
notify_outgoing_on_done (zloop_t *loop, zsock_t *pipe, void *arg)
{
    wsis_service_t *service = (wsis_service_t *) arg;
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    while (zsock_events (pipe) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (pipe);
        if (!msg)
            break;
        char *command = zmsg_popstr (msg);
        char *key = zmsg_popstr (msg);
        char *status = zmsg_popstr (msg);
        char *detail = zmsg_popstr (msg);
        if (command && key && status && streq (command, "DONE"))
            s_answer_add (self->answers, key, status, detail);
        else
            wsis_log_warning ("delivery: a malformed answer from the actor");
        zstr_free (&command);
        zstr_free (&key);
        zstr_free (&status);
        zstr_free (&detail);
        zmsg_destroy (&msg);
    }
    size_t answers = zlistx_size (self->answers);
    if (answers == 0)
        return 0;
    //  Half the deliveries answered, or all of them: record now, and the
    //  room made is filled at once.
    if (answers * 2 >= self->in_flight_max || answers >= zhashx_size (self->sending)) {
        notify_outgoing_flush (service);
        notify_outgoing_send (service);
    }
    else
    if (self->answers_timer == -1)
        self->answers_timer = zloop_timer (loop, ANSWERS_WAIT_MS, 1, s_on_answers_timer, service);
    return 0;
}

//  -------------------------------------------------------------------------
//  Handing over

typedef struct {
    wsis_service_t *service;
    size_t room;                //  how many more may go out now
    bool left;                  //  a ready one stayed for want of room
    zlistx_t *refused;          //  answers made here: nothing to hand over
    zlistx_t *out;              //  DELIVER messages, sent once marked handed
} send_t;

//  Where a notification goes: an address, or a webhook's URL and secret.
static int
s_target (notifications_t *self, const notify_row_t *row, const char **target,
          const char **secret)
{
    *target = row->recipient;
    *secret = "";
    if (!streq (row->channel, "webhook"))
        return 0;
    const notify_staff_member_t *member = notify_staff_find (self->staff, row->recipient);
    if (!member || member->channel != NOTIFY_CHANNEL_WEBHOOK || !member->url)
        return -1;
    *target = member->url;
    *secret = member->secret? member->secret: "";
    return 0;
}

static int
s_send_row (const notify_row_t *row, void *arg)
{
    send_t *send = (send_t *) arg;
    notifications_t *self = (notifications_t *) wsis_service_state (send->service);
    if (zhashx_lookup (self->sending, row->key))
        return 0;
    if (send->room == 0) {
        send->left = true;
        return 0;
    }
    const char *target, *secret;
    if (s_target (self, row, &target, &secret)) {
        s_answer_add (send->refused, row->key, "failed", "no such webhook in the staff file");
        return 0;
    }
    char *subject, *body;
    zchunk_t *payload;
    if (notify_outgoing_render (send->service, row, &subject, &body, &payload)) {
        s_answer_add (send->refused, row->key, "failed", "the message could not be rendered");
        return 0;
    }
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "DELIVER");
    zmsg_addstr (msg, row->key);
    zmsg_addstr (msg, row->channel);
    zmsg_addstr (msg, target);
    zmsg_addstr (msg, secret);
    zmsg_addmem (msg, zchunk_data (payload), zchunk_size (payload));
    zchunk_destroy (&payload);
    zstr_free (&subject);
    zstr_free (&body);
    zlistx_add_end (send->out, msg);
    send->room--;
    return 0;
}

//  The key of a DELIVER message (its second frame).
static char *
s_out_key (zmsg_t *msg)
{
    zframe_t *frame = zmsg_first (msg);
    frame = frame? zmsg_next (msg): NULL;
    return frame? zframe_strdup (frame): NULL;
}

static int
s_mark_handed (wsis_service_t *service, void *arg)
{
    zlistx_t *out = (zlistx_t *) arg;
    for (zmsg_t *msg = (zmsg_t *) zlistx_first (out); msg; msg = (zmsg_t *) zlistx_next (out)) {
        char *key = s_out_key (msg);
        int rc = key? notify_store_handed (wsis_service_store (service), key): -1;
        zstr_free (&key);
        if (rc)
            return -1;
    }
    return 0;
}

//  Each message to the actor with the fewest in hand (a slow delivery
//  holds up one actor, not all of them), once the store says they are
//  handed over; none when it cannot say so (they stay ready, and go out
//  at a later turn).
static int
s_hand_over (wsis_service_t *service, zlistx_t *out)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    int rc = 0;
    if (zlistx_size (out) && wsis_service_transact (service, s_mark_handed, out)) {
        wsis_log_error ("delivery: %zu messages could not be marked handed over; "
                        "trying again", zlistx_size (out));
        rc = -1;
    }
    zmsg_t *msg;
    while ((msg = (zmsg_t *) zlistx_detach (out, NULL))) {
        char *key = rc == 0? s_out_key (msg): NULL;
        size_t worker = 0;
        for (size_t i = 1; i < self->worker_count; i++)
            if (self->worker_load [i] < self->worker_load [worker])
                worker = i;
        if (key && zmsg_send (&msg, self->workers [worker]) == 0) {
            zhashx_update (self->sending, key, (void *) (uintptr_t) (worker + 1));
            self->worker_load [worker]++;
        }
        zmsg_destroy (&msg);
        zstr_free (&key);
    }
    return rc;
}

static int
s_on_send_timer (zloop_t *loop, int timer_id, void *arg)
{
    wsis_service_t *service = (wsis_service_t *) arg;
    ((notifications_t *) wsis_service_state (service))->send_timer = -1;
    notify_outgoing_send (service);
    return 0;
}

void
notify_outgoing_soon (wsis_service_t *service)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    if (self->send_timer == -1)
        self->send_timer = zloop_timer (wsis_service_loop (service), 1, 1, s_on_send_timer, service);
}

void
notify_outgoing_send (wsis_service_t *service)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    if (self->worker_count == 0)
        return;
    int64_t wall = zclock_time ();
    if (!self->ready_waiting && wall < self->next_retry)
        return;
    size_t sending = zhashx_size (self->sending);
    if (sending >= self->in_flight_max)
        return;
    //  The rows in flight come back from the query too: ask for that many
    //  more than there is room for.
    send_t send = { .service = service, .room = self->in_flight_max - sending };
    send.refused = zlistx_new ();
    zlistx_set_destructor (send.refused, notify_answer_destroy);
    send.out = zlistx_new ();
    int limit = (int) (self->in_flight_max + sending);
    int rc = notify_store_ready (wsis_service_store (service), wall, limit, s_send_row, &send);
    if (s_hand_over (service, send.out))
        rc = -1;
    zlistx_destroy (&send.out);
    if (rc >= 0 && rc < limit && !send.left) {
        //  All that is ready now was seen and is out: until something new
        //  becomes ready, only a retry's time can bring more.
        self->ready_waiting = false;
        self->next_retry = notify_store_next_retry (wsis_service_store (service));
    }
    s_conclude (service, send.refused);
    zlistx_destroy (&send.refused);
}
