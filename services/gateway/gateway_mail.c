/*  gateway_mail: the sign-in codes' mails, asked of wsis-notifications
    (notify.sign_in) until it takes them.

    A code is made and kept in one commit before its answer (202) goes
    out; its mail is a request of its own. When wsis-notifications does
    not answer (it restarts, or is too busy to answer within
    gateway/upstream_timeout_ms) the request is sent again, with the same
    request id, so it is done once: every MAIL_RETRY_MS, MAIL_TRIES times
    at most (past that the person asks for a new code). The code stays in
    memory only until then and is wiped.
*/
#include "gateway.h"
#include "wsis_log.h"

#include <sodium.h>

#define MAIL_TRIES      30
#define MAIL_RETRY_MS   2000

typedef struct {
    gateway_mail_t *owner;
    char email [GATEWAY_EMAIL_MAX + 1];
    char code [8];
    int64_t minutes;
    char id [48];               //  the request id of every try
    unsigned tries;
    int timer;                  //  the next try's, or -1
    void *handle;               //  in owner->pending
} mailing_t;

struct _gateway_mail_t {
    gateway_t *gateway;
    zloop_t *loop;
    zlistx_t *pending;          //  mailings not taken yet
    bool closing;               //  the gateway stops: no more tries
    uint64_t made;
};

static void s_send (mailing_t *mailing);

static void
s_forget (mailing_t *mailing)
{
    gateway_mail_t *self = mailing->owner;
    if (mailing->timer != -1)
        zloop_timer_end (self->loop, mailing->timer);
    zlistx_delete (self->pending, mailing->handle);
    sodium_memzero (mailing, sizeof (mailing_t));
    free (mailing);
}

static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    mailing_t *mailing = (mailing_t *) arg;
    mailing->timer = -1;
    s_send (mailing);
    return 0;
}

//  Tries again later, or gives up after the last try.
static void
s_later (mailing_t *mailing, const char *why)
{
    gateway_mail_t *self = mailing->owner;
    if (self->closing || mailing->tries >= MAIL_TRIES) {
        wsis_log_warning ("auth: a sign-in code for %s was not mailed (%s, %u tries%s)", mailing->email,
                          why, mailing->tries, self->closing? ", the gateway stops": "");
        s_forget (mailing);
        return;
    }
    wsis_log_info ("auth: a sign-in code for %s is asked of wsis-notifications again in %d ms "
                   "(%s; try %u of %d)", mailing->email, MAIL_RETRY_MS, why, mailing->tries + 1, MAIL_TRIES);
    mailing->timer = zloop_timer (self->loop, MAIL_RETRY_MS, 1, s_on_timer, mailing);
}

static void
s_on_reply (void *arg, const msgpack_object *reply)
{
    mailing_t *mailing = (mailing_t *) arg;
    if (!reply)
        s_later (mailing, "wsis-notifications did not answer");
    else {
        if (!wsis_msg_true (wsis_msg_get (reply, "ok")))
            wsis_log_warning ("auth: wsis-notifications refused a sign-in code for %s", mailing->email);
        s_forget (mailing);
    }
}

static void
s_send (mailing_t *mailing)
{
    mailing->tries++;
    json_t *mail = json_pack ("{s:s, s:s, s:I}", "email", mailing->email, "code", mailing->code,
                              "minutes", (json_int_t) mailing->minutes);
    int rc = gateway_api_send (mailing->owner->gateway, "notifications", "notify.sign_in", "gateway",
                               "gateway", mail, mailing->id, s_on_reply, mailing);
    //  The JSON's copy of the code is wiped before it is freed.
    json_t *code = json_object_get (mail, "code");
    if (code)
        sodium_memzero ((char *) json_string_value (code), strlen (json_string_value (code)));
    json_decref (mail);
    if (rc)
        s_later (mailing, "wsis-notifications cannot be reached");
}

gateway_mail_t *
gateway_mail_new (gateway_t *gateway, zloop_t *loop)
{
    gateway_mail_t *self = (gateway_mail_t *) zmalloc (sizeof (gateway_mail_t));
    self->gateway = gateway;
    self->loop = loop;
    self->pending = zlistx_new ();
    randombytes_buf (&self->made, sizeof self->made);
    return self;
}

void
gateway_mail_close (gateway_mail_t *self)
{
    if (self)
        self->closing = true;
}

void
gateway_mail_destroy (gateway_mail_t **self_p)
{
    if (self_p && *self_p) {
        gateway_mail_t *self = *self_p;
        self->closing = true;
        mailing_t *mailing;
        while ((mailing = (mailing_t *) zlistx_first (self->pending)))
            s_later (mailing, "not sent yet");
        zlistx_destroy (&self->pending);
        free (self);
        *self_p = NULL;
    }
}

void
gateway_mail_code (gateway_mail_t *self, const char *email, const char *code, int64_t minutes)
{
    mailing_t *mailing = (mailing_t *) zmalloc (sizeof (mailing_t));
    mailing->owner = self;
    snprintf (mailing->email, sizeof mailing->email, "%s", email);
    snprintf (mailing->code, sizeof mailing->code, "%s", code);
    mailing->minutes = minutes;
    snprintf (mailing->id, sizeof mailing->id, "gw-sign-in-%016llx",
              (unsigned long long) ++self->made);
    mailing->timer = -1;
    mailing->handle = zlistx_add_end (self->pending, mailing);
    s_send (mailing);
}
