/*  submissions_winners: projects that won a WSIS Prize before.

    WSIS Prizes rule: a project that won a WSIS Prize in an earlier call
    may not enter again (`ineligible`). The service learns winners two ways:
      - configs/previous_winners.cfg (option submissions/previous_winners),
        the editions before this system: a list of `winner` sections with
        entity and title, reloaded into the store at every start;
      - winners.selected of nominations: the winning submission of a call,
        which then may not enter any other call.
    Both are matched on the normalised entity + title (case, accents and
    spacing ignored), the way the duplicate rule matches projects.
*/
#include "submissions.h"
#include "wsis_alloc.h"
#include "wsis_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

//  A section's value, "" when absent.
static const char *
s_value (zconfig_t *section, const char *key)
{
    zconfig_t *item = zconfig_locate (section, key);
    const char *value = item? zconfig_value (item): NULL;
    return value? value: "";
}

static int
s_load_list (wsis_store_t *store, const char *path, zconfig_t *root)
{
    if (submissions_store_winners_clear_config (store))
        return -1;
    size_t index = 0;
    for (zconfig_t *section = zconfig_child (root); section; section = zconfig_next (section)) {
        index++;
        if (!streq (zconfig_name (section), "winner")) {
            wsis_log_error ("%s: entry %zu is '%s'; the list holds only 'winner' sections",
                            path, index, zconfig_name (section));
            return -1;
        }
        for (zconfig_t *item = zconfig_child (section); item; item = zconfig_next (item))
            if (!streq (zconfig_name (item), "entity") && !streq (zconfig_name (item), "title")
            &&  !streq (zconfig_name (item), "year") && !streq (zconfig_name (item), "category")) {
                wsis_log_error ("%s: winner %zu: unknown key '%s' (entity, title, year, category)",
                                path, index, zconfig_name (item));
                return -1;
            }
        const char *entity = s_value (section, "entity");
        const char *title = s_value (section, "title");
        char *entity_key = wsis_valid_normalize (entity, strlen (entity));
        char *title_key = wsis_valid_normalize (title, strlen (title));
        int rc = 0;
        if (!entity_key || !title_key || !*entity_key || !*title_key) {
            wsis_log_error ("%s: winner %zu needs both an entity and a title", path, index);
            rc = -1;
        }
        else
            rc = submissions_store_winner_add (store, "config", NULL, 0, entity_key, title_key, NULL);
        free (entity_key);
        free (title_key);
        if (rc)
            return -1;
    }
    wsis_log_info ("%s: %zu previous WSIS Prize winners", path, index);
    return 0;
}

int
submissions_winners_load (wsis_service_t *service)
{
    const char *path = wsis_config_str (wsis_service_config (service), "submissions/previous_winners");
    wsis_store_t *store = wsis_service_store (service);
    zconfig_t *root = NULL;
    FILE *file = fopen (path, "r");
    if (file) {
        fclose (file);
        root = zconfig_load (path);
        if (!root) {
            wsis_log_error ("%s: not valid ZPL (4-space indents, key = \"value\")", path);
            return -1;
        }
    }
    else
    if (errno != ENOENT) {
        wsis_log_error ("%s: cannot read: %s", path, strerror (errno));
        return -1;
    }
    else
        //  No list is an empty list: a new installation has no history.
        wsis_log_notice ("%s: not found; no previous WSIS Prize winners are known", path);

    if (wsis_store_begin (store))
        return -1;
    int rc = root? s_load_list (store, path, root): submissions_store_winners_clear_config (store);
    zconfig_destroy (&root);
    if (rc) {
        wsis_store_rollback (store);
        return -1;
    }
    return wsis_store_commit (store);
}

typedef struct {
    char *entity_key;
    char *title_key;
    char *description_key;
    bool prize;
} s_winner_t;

static int
s_copy_keys (const submission_row_t *row, void *arg)
{
    s_winner_t *winner = (s_winner_t *) arg;
    winner->prize = streq (row->kind, "prize") && row->entity_key && row->title_key;
    if (winner->prize) {
        winner->entity_key = wsis_strdup (row->entity_key);
        winner->title_key = wsis_strdup (row->title_key);
        winner->description_key = wsis_strdup (row->description_key);
    }
    return 0;
}

int
submissions_winners_apply (wsis_service_t *service, const wsis_event_t *event)
{
    if (!streq (event->type, "winners.selected"))
        return 0;               //  nothing else from nominations concerns us
    const msgpack_object *call = wsis_msg_get (event->body, "call");
    const msgpack_object *winner_id = wsis_msg_get (event->body, "winner");
    if (!call || call->type != MSGPACK_OBJECT_STR || !winner_id || winner_id->type != MSGPACK_OBJECT_STR) {
        wsis_log_warning ("%s:%llu winners.selected without call or winner; skipped",
                          event->source, (unsigned long long) event->seq);
        return 0;
    }
    int64_t id = submissions_id_parse ("sub", winner_id->via.str.ptr, winner_id->via.str.size);
    s_winner_t winner = { NULL };
    int rc = id? submissions_store_submission_get (wsis_service_store (service), id, s_copy_keys, &winner): 0;
    if (rc < 0)
        return -1;
    if (rc == 0 || !winner.prize) {
        wsis_log_warning ("%s:%llu winners.selected names %.*s, not a prize project of ours; skipped",
                          event->source, (unsigned long long) event->seq,
                          (int) winner_id->via.str.size, winner_id->via.str.ptr);
        return 0;
    }
    char call_id [128];
    snprintf (call_id, sizeof call_id, "%.*s", (int) call->via.str.size, call->via.str.ptr);
    rc = 0;
    if (!winner.entity_key || !winner.title_key)
        rc = -1;
    else
        rc = submissions_store_winner_add (wsis_service_store (service), "event", call_id, id,
                                           winner.entity_key, winner.title_key, winner.description_key);
    free (winner.entity_key);
    free (winner.title_key);
    free (winner.description_key);
    return rc;
}
