/*  gateway_people: the addresses sign-in codes may go to, learnt from
    wsis-submissions' stakeholder.registered (the gateway's one source). */
#include "gateway.h"
#include "wsis_log.h"

#include <ctype.h>

void
gateway_people_normalize (const char *email, size_t length, char *buffer, size_t size)
{
    size_t i = 0;
    for (; i < length && i + 1 < size; i++)
        buffer [i] = (char) tolower ((unsigned char) email [i]);
    buffer [i] = 0;
}

//  Copies a string field of the body into buffer; false when it is not
//  there, not a string, empty or too long.
static bool
s_text (const msgpack_object *body, const char *key, char *buffer, size_t size)
{
    const msgpack_object *value = wsis_msg_get (body, key);
    if (!value || value->type != MSGPACK_OBJECT_STR
    ||  value->via.str.size == 0 || value->via.str.size >= size)
        return false;
    memcpy (buffer, value->via.str.ptr, value->via.str.size);
    buffer [value->via.str.size] = 0;
    return true;
}

int
gateway_people_apply (wsis_service_t *service, const wsis_event_t *event)
{
    if (!streq (event->type, "stakeholder.registered"))
        return 0;                   //  the other events of submissions: not ours
    char id [GATEWAY_ID_MAX + 1], email [GATEWAY_EMAIL_MAX + 1], norm [GATEWAY_EMAIL_MAX + 1];
    if (!s_text (event->body, "stakeholder_id", id, sizeof id)
    ||  !s_text (event->body, "email", email, sizeof email))
        return wsis_service_ignore (service, event, "no stakeholder_id or email");
    gateway_people_normalize (email, strlen (email), norm, sizeof norm);
    wsis_store_t *store = wsis_service_store (service);
    sqlite3_stmt *stmt = wsis_store_stmt (store,
        "INSERT OR REPLACE INTO person (email, stakeholder_id) VALUES (?, ?)");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, norm);
    wsis_store_bind_text (stmt, 2, id);
    return wsis_store_run (store, stmt);
}

int
gateway_people_find (wsis_service_t *service, const char *email_norm, char *id, size_t size)
{
    wsis_store_t *store = wsis_service_store (service);
    sqlite3_stmt *stmt = wsis_store_stmt (store, "SELECT stakeholder_id FROM person WHERE email = ?");
    if (!stmt)
        return -1;
    wsis_store_bind_text (stmt, 1, email_norm);
    int rc = wsis_store_row (store, stmt);
    if (rc == 1)
        snprintf (id, size, "%s", wsis_store_text (stmt, 0));
    wsis_store_done (stmt, 0);
    return rc;
}
