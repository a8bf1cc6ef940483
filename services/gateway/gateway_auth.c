/*  gateway_auth: sign-in without passwords (docs/protocol.md,
    "wsis-gateway (HTTP)").

        POST   /api/v1/auth/code     {email}        a one-time code by email
        POST   /api/v1/auth/session  {email, code}  the code for a session token
        DELETE /api/v1/auth/session                 signs the session out

    A code goes only to the address of a registered stakeholder, through
    wsis-notifications (notify.sign_in). Everything else is the same for
    an address nobody registered: a code is made and kept (and mailed to
    nobody), wrong tries count and lock it, the answers are the same, and
    so is the work (one commit each), so neither the answer nor its time
    tells whether an address is registered; its code never opens a session. A code is
    six digits, works once, for gateway/code_minutes; five wrong tries
    lock it; an address gets at most one new code a minute. A session
    token is 32 random bytes (base64url), kept only as its SHA-256, and
    lasts gateway/session_hours; with it (Authorization: Bearer) the
    gateway acts for that stakeholder and nobody else.
*/
#include "gateway.h"
#include "wsis_json.h"
#include "wsis_log.h"
#include "wsis_valid.h"

#include <sodium.h>

#define CODE_TRIES      5
#define CODE_EVERY_MS   (60 * 1000)
#define TOKEN_BYTES     32

typedef struct {
    const char *email;
    const unsigned char *hash;      //  the code's (or the token's, to sign out)
    const unsigned char *token_hash;    //  a new session's
    int64_t now;
    int64_t expires;
    const char *stakeholder_id;
    int outcome;                    //  set by the transaction
} change_t;

static void
s_hash (const char *text, unsigned char *hash)
{
    crypto_hash_sha256 (hash, (const unsigned char *) text, strlen (text));
}

//  -------------------------------------------------------------------------
//  POST /api/v1/auth/code

//  A new code for the address, unless one was made less than a minute
//  ago: outcome 1 made, 0 not.
static int
s_put_code (wsis_service_t *service, void *arg)
{
    change_t *change = (change_t *) arg;
    wsis_store_t *store = wsis_service_store (service);
    sqlite3_stmt *stmt = wsis_store_stmt (store, "SELECT issued FROM sign_in_code WHERE email = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, change->email);
    int rc = wsis_store_row (store, stmt);
    int64_t issued = rc == 1? sqlite3_column_int64 (stmt, 0): INT64_MIN;
    wsis_store_done (stmt, 0);
    if (rc < 0)
        return -1;
    change->outcome = rc == 0 || change->now - issued >= CODE_EVERY_MS || change->now < issued;
    if (!change->outcome)
        return 0;
    stmt = wsis_store_stmt (store,
        "INSERT OR REPLACE INTO sign_in_code (email, code_hash, issued, expires, tries)"
        " VALUES (?, ?, ?, ?, 0)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, change->email);
    sqlite3_bind_blob (stmt, 2, change->hash, crypto_hash_sha256_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 3, change->now);
    sqlite3_bind_int64 (stmt, 4, change->expires);
    return wsis_store_run (store, stmt);
}

//  The email field of a body, checked and in lower case; NULL after
//  answering the call when it is missing or not an address.
static const char *
s_email (gateway_t *self, gateway_call_t *call, json_t *body, char *norm, size_t size)
{
    const char *email = json_string_value (json_object_get (body, "email"));
    if (!email || !wsis_valid_email (email, strlen (email)) || strlen (email) > GATEWAY_EMAIL_MAX) {
        gateway_http_fail (self->http, call, 422, "validation", "email",
                           "'email' must be an email address");
        return NULL;
    }
    gateway_people_normalize (email, strlen (email), norm, size);
    return norm;
}

static void
s_code (gateway_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    json_t *body = gateway_api_body (self, call, request);
    char norm [GATEWAY_EMAIL_MAX + 1], id [GATEWAY_ID_MAX + 1];
    if (!body || !s_email (self, call, body, norm, sizeof norm)) {
        json_decref (body);
        return;
    }
    json_decref (body);
    wsis_config_t *config = wsis_service_config (self->service);
    int64_t minutes = wsis_config_int (config, "gateway/code_minutes");
    int found = gateway_people_find (self->service, norm, id, sizeof id);
    if (found < 0) {
        gateway_http_fail (self->http, call, 503, "unavailable", NULL, "the store failed; try again");
        return;
    }
    //  The same work whether the address is registered or not.
    char code [8];
    snprintf (code, sizeof code, "%06u", (unsigned) randombytes_uniform (1000000));
    unsigned char hash [crypto_hash_sha256_BYTES];
    s_hash (code, hash);
    int64_t now = wsis_service_now (self->service);
    change_t change = { norm, hash, NULL, now, now + minutes * 60 * 1000, NULL, 0 };
    if (wsis_service_transact (self->service, s_put_code, &change)) {
        sodium_memzero (code, sizeof code);
        gateway_http_fail (self->http, call, 503, "unavailable", NULL,
                           "the code could not be kept; try again");
        return;
    }
    if (found && change.outcome)
        gateway_mail_code (self->mail, norm, code, minutes);
    sodium_memzero (code, sizeof code);
    //  The same answer whether the address is registered or not.
    gateway_http_answer (self->http, call, 202, json_pack (
        "{s:s, s:I}", "message", "if this address is registered, a code is on its way",
        "minutes", (json_int_t) minutes));
}

//  -------------------------------------------------------------------------
//  POST /api/v1/auth/session

enum { CODE_NONE, CODE_EXPIRED, CODE_LOCKED, CODE_WRONG, CODE_RIGHT };

//  Checks the code and acts on the verdict in one transaction: a wrong
//  try counts, a right one is spent and becomes a session.
static int
s_use_code (wsis_service_t *service, void *arg)
{
    change_t *change = (change_t *) arg;
    wsis_store_t *store = wsis_service_store (service);
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT code_hash, expires, tries FROM sign_in_code WHERE email = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, change->email);
    int rc = wsis_store_row (store, stmt);
    if (rc <= 0) {
        wsis_store_done (stmt, 0);
        change->outcome = CODE_NONE;
        return rc;
    }
    //  An unregistered address's code is never right (nobody got it).
    bool right = change->stakeholder_id
              && sqlite3_column_bytes (stmt, 0) == crypto_hash_sha256_BYTES
              && sodium_memcmp (sqlite3_column_blob (stmt, 0), change->hash,
                                crypto_hash_sha256_BYTES) == 0;
    int64_t expires = sqlite3_column_int64 (stmt, 1);
    int64_t tries = sqlite3_column_int64 (stmt, 2);
    wsis_store_done (stmt, 0);
    change->outcome = change->now >= expires? CODE_EXPIRED: tries >= CODE_TRIES? CODE_LOCKED:
                      right? CODE_RIGHT: CODE_WRONG;
    if (change->outcome == CODE_WRONG) {
        stmt = wsis_store_stmt (store, "UPDATE sign_in_code SET tries = tries + 1 WHERE email = ?");
        if (!stmt)
            return -1;
        wsis_store_bind_text (stmt, 1, change->email);
        return wsis_store_run (store, stmt);
    }
    if (change->outcome != CODE_RIGHT)
        return 0;
    stmt = wsis_store_stmt (store, "DELETE FROM sign_in_code WHERE email = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, change->email);
    if (wsis_store_run (store, stmt))
        return -1;
    stmt = wsis_store_stmt (store,
        "INSERT INTO session (token_hash, stakeholder_id, expires) VALUES (?, ?, ?)");
    if (!stmt)
        return -1;
    sqlite3_bind_blob (stmt, 1, change->token_hash, crypto_hash_sha256_BYTES, SQLITE_TRANSIENT);
    wsis_store_bind_text (stmt, 2, change->stakeholder_id);
    sqlite3_bind_int64 (stmt, 3, change->expires);
    return wsis_store_run (store, stmt);
}

static void
s_session (gateway_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    json_t *body = gateway_api_body (self, call, request);
    char norm [GATEWAY_EMAIL_MAX + 1], id [GATEWAY_ID_MAX + 1];
    if (!body || !s_email (self, call, body, norm, sizeof norm)) {
        json_decref (body);
        return;
    }
    const char *code = json_string_value (json_object_get (body, "code"));
    if (!code || strlen (code) != 6 || strspn (code, "0123456789") != 6) {
        json_decref (body);
        gateway_http_fail (self->http, call, 422, "validation", "code",
                           "'code' must be the six digits of the message");
        return;
    }
    unsigned char code_hash [crypto_hash_sha256_BYTES], token_hash [crypto_hash_sha256_BYTES];
    s_hash (code, code_hash);
    json_decref (body);
    unsigned char token_bytes [TOKEN_BYTES];
    randombytes_buf (token_bytes, sizeof token_bytes);
    char token [sodium_base64_ENCODED_LEN (TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64 (token, sizeof token, token_bytes, sizeof token_bytes,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero (token_bytes, sizeof token_bytes);
    s_hash (token, token_hash);

    int found = gateway_people_find (self->service, norm, id, sizeof id);
    int64_t now = wsis_service_now (self->service);
    int64_t hours = wsis_config_int (wsis_service_config (self->service), "gateway/session_hours");
    change_t change = { norm, code_hash, token_hash, now, now + hours * 3600 * 1000,
                        found > 0? id: NULL, CODE_NONE };
    if (found < 0 || wsis_service_transact (self->service, s_use_code, &change)) {
        gateway_http_fail (self->http, call, 503, "unavailable", NULL, "the store failed; try again");
        return;
    }
    if (change.outcome == CODE_LOCKED)
        gateway_http_fail (self->http, call, 429, "rate_limited", "code",
                           "%d wrong codes: this one is locked; ask for a new one", CODE_TRIES);
    else
    if (change.outcome != CODE_RIGHT)
        gateway_http_fail (self->http, call, 401, "forbidden", "code",
                           "the code is wrong or has expired; ask for a new one if it has");
    else {
        gateway_sessions_put (self->sessions, token_hash, id, change.expires, now);
        char until [WSIS_TIME_BUFSIZE];
        wsis_time_format (change.expires, until);
        gateway_http_answer (self->http, call, 201, json_pack (
            "{s:s, s:s, s:s}", "token", token, "stakeholder_id", id, "expires", until));
    }
    sodium_memzero (token, sizeof token);
}

//  -------------------------------------------------------------------------
//  Sessions

//  The token of an "Authorization: Bearer <token>" header, or NULL.
const char *
gateway_auth_bearer (const char *authorization)
{
    if (!authorization || strncasecmp (authorization, "Bearer ", 7))
        return NULL;
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    return *token? token: NULL;
}

int
gateway_auth_session (gateway_t *self, const char *authorization, char *id, size_t size)
{
    const char *token = gateway_auth_bearer (authorization);
    if (!token || strlen (token) > 128)
        return 0;
    unsigned char hash [crypto_hash_sha256_BYTES];
    s_hash (token, hash);
    int64_t now = wsis_service_now (self->service);
    if (gateway_sessions_find (self->sessions, hash, now, id, size))
        return 1;
    wsis_store_t *store = wsis_service_store (self->service);
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "SELECT stakeholder_id, expires FROM session WHERE token_hash = ? AND expires > ?");
    if (!stmt)
        return -1;
    sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 2, now);
    int rc = wsis_store_row (store, stmt);
    if (rc == 1) {
        snprintf (id, size, "%s", wsis_store_text (stmt, 0));
        gateway_sessions_put (self->sessions, hash, id, sqlite3_column_int64 (stmt, 1), now);
    }
    wsis_store_done (stmt, 0);
    return rc;
}

static int
s_delete_session (wsis_service_t *service, void *arg)
{
    change_t *change = (change_t *) arg;
    wsis_store_t *store = wsis_service_store (service);
    sqlite3_stmt *stmt = wsis_store_stmt (store, "DELETE FROM session WHERE token_hash = ?");
    if (!stmt)
        return -1;
    sqlite3_bind_blob (stmt, 1, change->hash, crypto_hash_sha256_BYTES, SQLITE_TRANSIENT);
    if (wsis_store_run (store, stmt))
        return -1;
    change->outcome = sqlite3_changes (wsis_store_db (store)) > 0;
    return 0;
}

static void
s_sign_out (gateway_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    const char *token = gateway_auth_bearer (request->authorization);
    if (!token) {
        gateway_http_fail (self->http, call, 401, "forbidden", NULL,
                           "sign out with the session's Authorization: Bearer header");
        return;
    }
    unsigned char hash [crypto_hash_sha256_BYTES];
    s_hash (token, hash);
    gateway_sessions_forget (self->sessions, hash);
    change_t change = { NULL, hash, NULL, 0, 0, NULL, 0 };
    if (wsis_service_transact (self->service, s_delete_session, &change))
        gateway_http_fail (self->http, call, 503, "unavailable", NULL, "the store failed; try again");
    else
    if (!change.outcome)
        gateway_http_fail (self->http, call, 401, "forbidden", NULL, "no such session");
    else
        gateway_http_answer (self->http, call, 200, json_pack ("{s:b}", "signed_out", true));
}

//  Expired codes and sessions leave the store (they already work no more).
static int
s_forget_expired (wsis_service_t *service, void *arg)
{
    int64_t now = *(int64_t *) arg;
    wsis_store_t *store = wsis_service_store (service);
    sqlite3_stmt *stmt = wsis_store_stmt (store, "DELETE FROM session WHERE expires <= ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, now);
    if (wsis_store_run (store, stmt))
        return -1;
    stmt = wsis_store_stmt (store, "DELETE FROM sign_in_code WHERE expires <= ?");
    if (!stmt)
        return -1;
    sqlite3_bind_int64 (stmt, 1, now);
    return wsis_store_run (store, stmt);
}

void
gateway_auth_tick (wsis_service_t *service)
{
    gateway_t *self = (gateway_t *) wsis_service_state (service);
    int64_t now = wsis_service_now (service);
    //  Once a minute of the service clock, or at once after it jumped
    if (self->forgotten && now >= self->forgotten && now - self->forgotten < 60 * 1000)
        return;
    gateway_sessions_expire (self->sessions, now);
    if (wsis_service_transact (service, s_forget_expired, &now) == 0)
        self->forgotten = now;
}

bool
gateway_auth_route (gateway_t *self, gateway_call_t *call, const gateway_request_t *request)
{
    bool post = streq (request->method, "POST");
    bool ours = streq (request->url, "/api/v1/auth/code") || streq (request->url, "/api/v1/auth/session");
    if (ours && post && gateway_limited (self, call, request, "sign_in", self->sign_in_per_minute, NULL))
        return true;
    if (streq (request->url, "/api/v1/auth/code")) {
        if (post)
            s_code (self, call, request);
        else
            gateway_http_fail (self->http, call, 405, "bad_request", NULL, "auth/code takes POST");
        return true;
    }
    if (streq (request->url, "/api/v1/auth/session")) {
        if (post)
            s_session (self, call, request);
        else
        if (streq (request->method, "DELETE"))
            s_sign_out (self, call, request);
        else
            gateway_http_fail (self->http, call, 405, "bad_request", NULL,
                               "auth/session takes POST (sign in) or DELETE (sign out)");
        return true;
    }
    return false;
}
