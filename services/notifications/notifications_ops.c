/*  notifications_ops: the notify.* operations (docs/protocol.md section 11).

    Staff and operators look at what is scheduled and what happened to
    each notification, see a message as it would be sent, and retry a
    failed one. Anyone may subscribe an address to the reminders of open
    calls, with double opt-in: the token that confirms it is mailed to the
    address and never appears in a reply, so nobody can subscribe someone
    else; the same token, in every reminder, unsubscribes it.
*/
#include "notifications.h"
#include "wsis_fields.h"
#include "wsis_valid.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

#define STAFF_OR_OPERATOR (WSIS_ROLE_STAFF | WSIS_ROLE_OPERATOR)
#define TOKEN_LEN 32            //  hex digits of 16 random bytes
#define LIST_LIMIT 1000

//  -------------------------------------------------------------------------
//  Rows in replies

static void
s_pack_time (msgpack_packer *pk, const char *key, int64_t ms)
{
    char text [WSIS_TIME_BUFSIZE];
    wsis_time_format (ms, text);
    wsis_pack_kv_str (pk, key, text);
}

//  {key, ref, due, due_local?, kind, call?, phase?, to, channel, status,
//  late, attempts, error?, sent_at?}. due_local is the wall time of the
//  call's zone ("2022-03-24 23:00 Europe/Geneva"): staff read a schedule
//  by it, as the calendar is written.
static void
s_pack_row (msgpack_packer *pk, const notify_row_t *row, wsis_calendar_t *calendar)
{
    char ref [NOTIFY_REF_SIZE];
    notify_ref (row->key, ref);
    const wsis_call_t *call = row->call? wsis_calendar_call (calendar, row->call): NULL;
    char local [32], due_local [96] = "";
    if (call && wsis_time_format_local (call->zone, row->due, local, sizeof local) == 0)
        snprintf (due_local, sizeof due_local, "%s %s", local, call->zone);
    msgpack_pack_map (pk, 9 + (*due_local? 1: 0) + (row->call? 1: 0) + (row->phase? 1: 0)
                         + (row->last_error? 1: 0) + (row->sent_at? 1: 0));
    wsis_pack_kv_str (pk, "key", row->key);
    wsis_pack_kv_str (pk, "ref", ref);
    s_pack_time (pk, "due", row->due);
    if (*due_local)
        wsis_pack_kv_str (pk, "due_local", due_local);
    wsis_pack_kv_str (pk, "kind", row->kind);
    if (row->call)
        wsis_pack_kv_str (pk, "call", row->call);
    if (row->phase)
        wsis_pack_kv_str (pk, "phase", row->phase);
    wsis_pack_kv_str (pk, "to", row->recipient);
    wsis_pack_kv_str (pk, "channel", row->channel);
    wsis_pack_kv_str (pk, "status", row->status);
    wsis_pack_kv_bool (pk, "late", row->late);
    wsis_pack_kv_int (pk, "attempts", row->attempts);
    if (row->last_error)
        wsis_pack_kv_str (pk, "error", row->last_error);
    if (row->sent_at)
        s_pack_time (pk, "sent_at", row->sent_at);
}

//  Rows of a page, counted as they come: the array is packed after.
typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    uint32_t count;
    char last [NOTIFY_KEY_MAX];
    wsis_calendar_t *calendar;  //  the calls' zones
} page_t;

static int
s_page_row (const notify_row_t *row, void *arg)
{
    page_t *page = (page_t *) arg;
    s_pack_row (&page->pk, row, page->calendar);
    page->count++;
    snprintf (page->last, sizeof page->last, "%s", row->key);
    return 0;
}

static void
s_page_init (page_t *page, wsis_service_t *service)
{
    page->calendar = wsis_service_calendar (service);
    page->count = 0;
    page->last [0] = 0;
    msgpack_sbuffer_init (&page->buffer);
    msgpack_packer_init (&page->pk, &page->buffer, msgpack_sbuffer_write);
}

//  {items: [...], next: key or nil}: next when the page was full.
static void
s_pack_page (msgpack_packer *pk, page_t *page, uint64_t limit)
{
    msgpack_pack_map (pk, 2);
    wsis_pack_str (pk, "items");
    msgpack_pack_array (pk, page->count);
    wsis_pack_raw (pk, page->buffer.data, page->buffer.size);
    wsis_pack_str (pk, "next");
    if (page->count == limit)
        wsis_pack_str (pk, page->last);
    else
        msgpack_pack_nil (pk);
}

//  The reply of a listing whose rows the store gave (rc their count, or
//  -1), and the page freed.
static int
s_page_reply (page_t *page, int rc, uint64_t limit, wsis_reply_t *reply)
{
    if (rc >= 0)
        s_pack_page (&reply->pk, page, limit);
    msgpack_sbuffer_destroy (&page->buffer);
    return rc < 0? wsis_reply_fail (reply, "internal", NULL, "the store could not be read"): 0;
}

//  The optional filters of a listing; a call must be one of the calendar.
static int
s_call_filter (wsis_service_t *service, wsis_fields_t *body, char *call, size_t size)
{
    int rc = wsis_fields_text (body, "call", WSIS_OPTIONAL, 1, size - 1, call, size);
    if (rc == 0 && !wsis_calendar_call (wsis_service_calendar (service), call))
        return wsis_fields_fail (body, "call", "is not a call of the calendar");
    return rc;
}

//  The paging fields of a listing: after (a key, into a NOTIFY_KEY_MAX
//  buffer) and limit. 0 or -1.
static int
s_paging (wsis_fields_t *body, char *after, uint64_t *limit)
{
    if (wsis_fields_text (body, "after", WSIS_OPTIONAL, 1, NOTIFY_KEY_MAX - 1, after,
                          NOTIFY_KEY_MAX) < 0
    ||  wsis_fields_uint (body, "limit", WSIS_OPTIONAL, 1, 10000, limit) < 0)
        return -1;
    return 0;
}

//  notify.schedule {call?, after?, limit?} -> {items, next}: the calendar's
//  notifications in the order they fall due.
static int
s_op_schedule (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char call [65], after [NOTIFY_KEY_MAX] = "";
    uint64_t limit = LIST_LIMIT;
    int has_call = s_call_filter (service, &body, call, sizeof call);
    if (has_call < 0 || s_paging (&body, after, &limit))
        return -1;
    page_t page;
    s_page_init (&page, service);
    int rc = notify_store_schedule (wsis_service_store (service), has_call == 0? call: NULL,
                                    after, (int) limit, s_page_row, &page);
    return s_page_reply (&page, rc, limit, reply);
}

//  "pending" is the protocol's word (section 11) for what is owed and not
//  yet delivered: scheduled and ready together; the others are a row's own.
static const char *const s_statuses [] = {
    "pending", "scheduled", "ready", "sent", "failed", "skipped", NULL
};

//  notify.list {status?, call?, kind?, after?, limit?} -> {items, next},
//  by key.
static int
s_op_list (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char status [16], call [65], kind [65], after [NOTIFY_KEY_MAX] = "";
    uint64_t limit = LIST_LIMIT;
    int has_status = wsis_fields_choice_text (&body, "status", WSIS_OPTIONAL, s_statuses, SIZE_MAX,
                                              status, sizeof status);
    if (has_status < 0)
        return -1;
    int has_call = s_call_filter (service, &body, call, sizeof call);
    int has_kind = has_call < 0? -1:
        wsis_fields_text (&body, "kind", WSIS_OPTIONAL, 1, 64, kind, sizeof kind);
    if (has_kind < 0 || s_paging (&body, after, &limit))
        return -1;
    page_t page;
    s_page_init (&page, service);
    int rc = notify_store_list (wsis_service_store (service), has_status == 0? status: NULL,
                                has_call == 0? call: NULL, has_kind == 0? kind: NULL,
                                after, (int) limit, s_page_row, &page);
    return s_page_reply (&page, rc, limit, reply);
}

//  -------------------------------------------------------------------------
//  One notification by key: retry, preview

static int
s_key_field (wsis_fields_t *body, char *key, size_t size)
{
    return wsis_fields_text (body, "key", WSIS_REQUIRED, 1, size - 1, key, size);
}

//  The status of key into status ("" when there is no such notification).
static int
s_status_of (const notify_row_t *row, void *arg)
{
    snprintf ((char *) arg, 16, "%s", row->status);
    return 0;
}

//  notify.retry {key}: a failed notification goes out again.
static int
s_op_retry (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char key [NOTIFY_KEY_MAX], status [16] = "";
    if (s_key_field (&body, key, sizeof key))
        return -1;
    int rc = notify_store_retry (wsis_service_store (service), key);
    if (rc == 0 && notify_store_get (wsis_service_store (service), key, s_status_of, status) < 0)
        rc = -1;
    if (rc < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (rc == 0 && !*status)
        return wsis_reply_fail (reply, "not_found", "key", "no notification has that key");
    if (rc == 0)
        return wsis_reply_fail (reply, "conflict", "key",
                                "only a failed notification can be retried; this one is %s", status);
    self->ready_waiting = true;
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_str (&reply->pk, "key", key);
    wsis_pack_kv_str (&reply->pk, "status", "ready");
    return 0;
}

typedef struct {
    wsis_service_t *service;
    wsis_reply_t *reply;
    int rc;
    bool secret;                //  a sign-in code: never shown
} preview_t;

static int
s_preview_row (const notify_row_t *row, void *arg)
{
    preview_t *preview = (preview_t *) arg;
    if (streq (row->kind, "sign_in_code")) {
        preview->secret = true;
        return 0;
    }
    msgpack_packer *pk = &preview->reply->pk;
    if (streq (row->channel, "event")) {
        //  An event of the calendar: its body is what will be published.
        msgpack_pack_map (pk, 5);
        wsis_pack_kv_str (pk, "key", row->key);
        wsis_pack_kv_str (pk, "kind", row->kind);
        wsis_pack_kv_str (pk, "channel", row->channel);
        wsis_pack_kv_str (pk, "status", row->status);
        wsis_pack_str (pk, "body");
        wsis_pack_raw (pk, row->vars, row->vars_size);
        return 0;
    }
    char *subject, *body;
    zchunk_t *payload;
    if (notify_outgoing_render (preview->service, row, &subject, &body, &payload)) {
        preview->rc = -1;
        return 0;
    }
    msgpack_pack_map (pk, 8);
    wsis_pack_kv_str (pk, "key", row->key);
    wsis_pack_kv_str (pk, "kind", row->kind);
    wsis_pack_kv_str (pk, "channel", row->channel);
    wsis_pack_kv_str (pk, "to", row->recipient);
    wsis_pack_kv_str (pk, "status", row->status);
    wsis_pack_kv_str (pk, "subject", subject);
    wsis_pack_kv_str (pk, "body", body);
    wsis_pack_str (pk, "message");
    wsis_pack_strn (pk, (const char *) zchunk_data (payload), zchunk_size (payload));
    zstr_free (&subject);
    zstr_free (&body);
    zchunk_destroy (&payload);
    return 0;
}

//  notify.preview {key} -> {key, kind, channel, to, status, subject, body,
//  message}: the message as it would be sent now.
static int
s_op_preview (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char key [NOTIFY_KEY_MAX];
    if (s_key_field (&body, key, sizeof key))
        return -1;
    preview_t preview = { service, reply, 0, false };
    int rc = notify_store_get (wsis_service_store (service), key, s_preview_row, &preview);
    if (rc > 0 && preview.secret)
        return wsis_reply_fail (reply, "forbidden", "key",
                                "a sign-in code is shown to nobody but its addressee");
    if (rc < 0 || preview.rc < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the message could not be rendered");
    if (rc == 0)
        return wsis_reply_fail (reply, "not_found", "key", "no notification has that key");
    return 0;
}

//  -------------------------------------------------------------------------
//  Subscriptions

//  A copy of a subscription out of its query.
typedef struct {
    bool found;
    char email [NOTIFY_EMAIL_MAX + 1];
    char token [TOKEN_LEN + 1];
    char calls [1024];
    char status [16];
} subscription_t;

static int
s_subscription (const notify_subscription_t *subscription, void *arg)
{
    subscription_t *copy = (subscription_t *) arg;
    copy->found = true;
    snprintf (copy->email, sizeof copy->email, "%s", subscription->email);
    snprintf (copy->token, sizeof copy->token, "%s", subscription->token);
    snprintf (copy->calls, sizeof copy->calls, "%s", subscription->calls);
    snprintf (copy->status, sizeof copy->status, "%s", subscription->status);
    return 0;
}

static void
s_lower (const char *text, char *buffer, size_t size)
{
    size_t i = 0;
    for (; text [i] && i + 1 < size; i++)
        buffer [i] = (char) tolower ((unsigned char) text [i]);
    buffer [i] = 0;
}

//  The `calls` of a subscription: ids of the calendar, space-separated
//  into buffer ("" when absent: every call).
static int
s_calls_field (wsis_service_t *service, wsis_fields_t *body, char *buffer, size_t size)
{
    buffer [0] = 0;
    const msgpack_object_array *calls;
    int rc = wsis_fields_array (body, "calls", WSIS_OPTIONAL, 1, 32, &calls);
    if (rc)
        return rc < 0? -1: 0;
    size_t used = 0;
    for (uint32_t i = 0; i < calls->size; i++) {
        char id [65], field [24];
        snprintf (field, sizeof field, "calls.%u", i);
        if (wsis_msg_copy_str (&calls->ptr [i], id, 1, sizeof id - 1))
            return wsis_fields_fail (body, field, "must be a call id");
        if (!wsis_calendar_call (wsis_service_calendar (service), id))
            return wsis_fields_fail (body, field, "'%s' is not a call of the calendar", id);
        used += (size_t) snprintf (buffer + used, size - used, "%s%s", used? " ": "", id);
    }
    return 0;
}

static void
s_new_token (char *token)
{
    unsigned char bytes [TOKEN_LEN / 2];
    randombytes_buf (bytes, sizeof bytes);
    sodium_bin2hex (token, TOKEN_LEN + 1, bytes, sizeof bytes);
}

//  notify.subscribe {email, calls?} -> {email, status}: a confirmation is
//  mailed (double opt-in); an active subscription is left as it is.
static int
s_op_subscribe (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char email [NOTIFY_EMAIL_MAX + 1], email_norm [NOTIFY_EMAIL_MAX + 1], calls [1024];
    if (wsis_fields_text (&body, "email", WSIS_REQUIRED, 3, NOTIFY_EMAIL_MAX, email, sizeof email))
        return -1;
    if (!wsis_valid_email (email, strlen (email)))
        return wsis_fields_fail (&body, "email", "is not an email address");
    if (s_calls_field (service, &body, calls, sizeof calls))
        return -1;
    s_lower (email, email_norm, sizeof email_norm);
    subscription_t existing = { false };
    if (notify_store_subscription_by_email (store, email_norm, s_subscription, &existing) < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    const char *status = "pending";
    if (existing.found && streq (existing.status, "active"))
        status = "active";
    else {
        //  A pending one keeps its token: asking again sends nothing new
        //  (the confirmation's key is the same), so nobody can flood an
        //  address by subscribing it over and over.
        char token [TOKEN_LEN + 1];
        if (existing.found && streq (existing.status, "pending"))
            snprintf (token, sizeof token, "%s", existing.token);
        else
            s_new_token (token);
        notify_subscription_t subscription = {
            .email = email, .token = token, .calls = calls, .status = "pending"
        };
        char key [NOTIFY_KEY_MAX];
        if (notify_key (key, "subscribe/%s/%s", email_norm, token))
            return wsis_reply_fail (reply, "internal", NULL, "the key is too long");
        notify_vars_t vars = { .count = 0 };
        notify_vars_add (&vars, "token", token);
        notify_vars_add (&vars, "calls", *calls? calls: "every call");
        notify_vars_addf (&vars, "unsubscribe_url", "%s%s", self->unsubscribe_url, token);
        notify_new_t item = {
            .key = key, .kind = "subscribe_confirm", .channel = self->people_channel,
            .recipient = email, .unsubscribe_token = token,
        };
        int rc = notify_store_subscription_put (store, email_norm, &subscription,
                                                wsis_service_now (service));
        if (rc == 0)
            rc = notify_create (service, &item, &vars);
        notify_vars_release (&vars);
        if (rc < 0)
            return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    }
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_str (&reply->pk, "email", email);
    wsis_pack_kv_str (&reply->pk, "status", status);
    return 0;
}

//  notify.sign_in {email, code, minutes} -> {sent: true}: the one-time
//  code wsis-gateway made for a person signing in, mailed to them alone
//  (the people's channel). Only the gateway asks; each request is a
//  message of its own. The code is in no event and no preview.
static int
s_op_sign_in (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char email [NOTIFY_EMAIL_MAX + 1], email_norm [NOTIFY_EMAIL_MAX + 1], code [16];
    uint64_t minutes = 0;
    if (wsis_fields_text (&body, "email", WSIS_REQUIRED, 3, NOTIFY_EMAIL_MAX, email, sizeof email)
    ||  wsis_fields_text (&body, "code", WSIS_REQUIRED, 4, 12, code, sizeof code)
    ||  wsis_fields_uint (&body, "minutes", WSIS_REQUIRED, 1, 1440, &minutes) < 0)
        return -1;
    if (!wsis_valid_email (email, strlen (email)))
        return wsis_fields_fail (&body, "email", "is not an email address");
    for (const char *c = code; *c; c++)
        if (*c < '0' || *c > '9')
            return wsis_fields_fail (&body, "code", "must be digits");
    s_lower (email, email_norm, sizeof email_norm);
    char nonce [TOKEN_LEN + 1], key [NOTIFY_KEY_MAX];
    s_new_token (nonce);
    if (notify_key (key, "sign-in/%s/%s", email_norm, nonce))
        return wsis_reply_fail (reply, "internal", NULL, "the key is too long");
    notify_vars_t vars = { .count = 0 };
    notify_vars_add (&vars, "code", code);
    notify_vars_addf (&vars, "minutes", "%llu", (unsigned long long) minutes);
    notify_new_t item = {
        .key = key, .kind = "sign_in_code", .channel = self->people_channel, .recipient = email,
    };
    int rc = notify_create (service, &item, &vars);
    notify_vars_release (&vars);
    if (rc < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    msgpack_pack_map (&reply->pk, 1);
    wsis_pack_kv_bool (&reply->pk, "sent", true);
    return 0;
}

static int
s_token_field (wsis_fields_t *body, wsis_need_t need, char *token)
{
    int rc = wsis_fields_text (body, "token", need, 1, TOKEN_LEN, token, TOKEN_LEN + 1);
    if (rc == 0 && strlen (token) != TOKEN_LEN)
        return wsis_fields_fail (body, "token", "is not a token of this service");
    return rc;
}

static void
s_pack_subscription (msgpack_packer *pk, const subscription_t *subscription, const char *status)
{
    msgpack_pack_map (pk, 3);
    wsis_pack_kv_str (pk, "email", subscription->email);
    wsis_pack_kv_str (pk, "calls", subscription->calls);
    wsis_pack_kv_str (pk, "status", status);
}

//  notify.confirm {token} -> {email, calls, status: "active"}: future
//  reminders of those calls go to the address from now on.
static int
s_op_confirm (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char token [TOKEN_LEN + 1];
    if (s_token_field (&body, WSIS_REQUIRED, token))
        return -1;
    subscription_t subscription = { false };
    if (notify_store_subscription_by_token (store, token, s_subscription, &subscription) < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (!subscription.found)
        return wsis_reply_fail (reply, "not_found", "token", "no subscription has that token");
    if (streq (subscription.status, "removed"))
        return wsis_reply_fail (reply, "conflict", "token",
                                "this subscription was removed; subscribe again");
    if (streq (subscription.status, "pending")) {
        notify_subscription_t active = {
            .email = subscription.email, .token = subscription.token,
            .calls = subscription.calls, .status = "active"
        };
        if (notify_store_subscription_status (store, token, "active", wsis_service_now (service))
        ||  notify_calendar_subscribe (service, &active))
            return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    }
    s_pack_subscription (&reply->pk, &subscription, "active");
    return 0;
}

//  notify.unsubscribe {token} (anyone holding it) or {email} (staff,
//  operator) -> {email, calls, status: "removed"}: nothing more is sent.
static int
s_op_unsubscribe (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_store_t *store = wsis_service_store (service);
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char token [TOKEN_LEN + 1], email [NOTIFY_EMAIL_MAX + 1], email_norm [NOTIFY_EMAIL_MAX + 1];
    int has_token = s_token_field (&body, WSIS_OPTIONAL, token);
    int has_email = has_token < 0? -1:
        wsis_fields_text (&body, "email", WSIS_OPTIONAL, 3, NOTIFY_EMAIL_MAX, email, sizeof email);
    if (has_email < 0)
        return -1;
    if ((has_token == 0) == (has_email == 0))
        return wsis_fields_fail (&body, "token", "give either a token or an email");
    subscription_t subscription = { false };
    int rc;
    if (has_email == 0) {
        //  An address alone proves nothing of who asks: staff only.
        if (!(request->role & STAFF_OR_OPERATOR))
            return wsis_reply_fail (reply, "forbidden", "email",
                                    "unsubscribing by address is for staff and operators; "
                                    "use the token from any of the messages");
        s_lower (email, email_norm, sizeof email_norm);
        rc = notify_store_subscription_by_email (store, email_norm, s_subscription, &subscription);
    }
    else
        rc = notify_store_subscription_by_token (store, token, s_subscription, &subscription);
    if (rc < 0)
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    if (!subscription.found)
        return wsis_reply_fail (reply, "not_found", has_email == 0? "email": "token",
                                "no subscription has that %s", has_email == 0? "address": "token");
    if (!streq (subscription.status, "removed")
    &&  (notify_store_subscription_status (store, subscription.token, "removed",
                                           wsis_service_now (service))
    ||   notify_store_skip_token (store, subscription.token, "unsubscribed")))
        return wsis_reply_fail (reply, "internal", NULL, "the store failed");
    s_pack_subscription (&reply->pk, &subscription, "removed");
    return 0;
}

const wsis_op_t notifications_ops [] = {
    { "notify.schedule",    s_op_schedule,    STAFF_OR_OPERATOR, 0,
      "call? after? limit?" },
    { "notify.list",        s_op_list,        STAFF_OR_OPERATOR, 0,
      "status? call? kind? after? limit?" },
    { "notify.preview",     s_op_preview,     STAFF_OR_OPERATOR, 0,
      "key" },
    { "notify.retry",       s_op_retry,       STAFF_OR_OPERATOR, WSIS_OP_WRITES,
      "key" },
    { "notify.subscribe",   s_op_subscribe,   WSIS_ROLE_PUBLIC, WSIS_OP_WRITES,
      "email calls?" },
    { "notify.sign_in",     s_op_sign_in,     WSIS_ROLE_GATEWAY, WSIS_OP_WRITES,
      "email code minutes" },
    { "notify.confirm",     s_op_confirm,     WSIS_ROLE_PUBLIC, WSIS_OP_WRITES,
      "token" },
    { "notify.unsubscribe", s_op_unsubscribe, WSIS_ROLE_PUBLIC, WSIS_OP_WRITES,
      "token? email?" },
    { NULL }
};
