/*  submissions_contest: where a WSIS Prizes project or a Photo Contest
    entry stands, shown in its record as contest_status.

    The contest is run by other services; this one learns its outcome from
    their events, as it learns previous winners (docs/design.md: no service
    reads another's database):
      nominations.published {call, categories}   (nominations)
          the projects listed are `nominated`, every other prize project of
          the call `not_nominated`;
      voting.closed {call, champions}            (voting)
          the top five per category are `champion`;
      winners.selected {call, winner, champions} (nominations)
          the winner is `winner`, the champions `champion`;
      photo.winners.selected {call, winners}     (nominations)
          the chosen photos are `winner`.
    A status only ever rises (submissions_store_contest_raise): the two
    sources are followed with a cursor each and may be caught up in either
    order after a restart, and the end state must not depend on it. An
    event naming a project that is not ours, or a body of the wrong shape,
    is logged and skipped: it changes nothing, like any event we cannot use.
*/
#include "submissions.h"
#include "wsis_log.h"

#include <string.h>

#define RANK_LISTED     1       //  nominated or not_nominated
#define RANK_CHAMPION   2
#define RANK_WINNER     3

//  The call of an event's body into buffer; false when absent or too long.
static bool
s_call (const wsis_event_t *event, char *buffer, size_t size)
{
    const msgpack_object *call = wsis_msg_get (event->body, "call");
    if (!call || call->type != MSGPACK_OBJECT_STR || call->via.str.size == 0
    ||  call->via.str.size >= size) {
        wsis_log_warning ("%s:%llu %s without a call; skipped", event->source,
                          (unsigned long long) event->seq, event->type);
        return false;
    }
    memcpy (buffer, call->via.str.ptr, call->via.str.size);
    buffer [call->via.str.size] = 0;
    return true;
}

//  Raises one id ("sub-<n>"); anything else in the list is skipped.
static int
s_raise_one (wsis_service_t *service, const char *call, const msgpack_object *id,
             const char *status, int rank)
{
    if (id->type != MSGPACK_OBJECT_STR)
        return 0;
    int64_t submission = submissions_id_parse ("sub", id->via.str.ptr, id->via.str.size);
    if (!submission)
        return 0;
    return submissions_store_contest_raise (wsis_service_store (service), call, submission,
                                            status, rank);
}

//  Raises every id of an array.
static int
s_raise_array (wsis_service_t *service, const char *call, const msgpack_object *ids,
               const char *status, int rank)
{
    if (!ids || ids->type != MSGPACK_OBJECT_ARRAY)
        return 0;
    for (uint32_t i = 0; i < ids->via.array.size; i++)
        if (s_raise_one (service, call, &ids->via.array.ptr [i], status, rank))
            return -1;
    return 0;
}

//  Raises every id of a map {category: [ids]} (nominations, champions).
static int
s_raise_by_category (wsis_service_t *service, const char *call, const msgpack_object *map,
                     const char *status, int rank)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return 0;
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (s_raise_array (service, call, &map->via.map.ptr [i].val, status, rank))
            return -1;
    return 0;
}

int
submissions_contest_apply (wsis_service_t *service, const wsis_event_t *event)
{
    bool from_nominations = streq (event->source, "nominations");
    bool published = from_nominations && streq (event->type, "nominations.published");
    bool winners = from_nominations && streq (event->type, "winners.selected");
    bool photo_winners = from_nominations && streq (event->type, "photo.winners.selected");
    bool closed = streq (event->source, "voting") && streq (event->type, "voting.closed");
    if (!published && !winners && !photo_winners && !closed)
        return 0;

    char call [128];
    if (!s_call (event, call, sizeof call))
        return 0;
    const msgpack_object *body = event->body;
    if (published) {
        //  The listed first: the rest is whatever is still unlisted
        if (s_raise_by_category (service, call, wsis_msg_get (body, "categories"),
                                 "nominated", RANK_LISTED))
            return -1;
        return submissions_store_contest_raise (wsis_service_store (service), call, 0,
                                                "not_nominated", RANK_LISTED);
    }
    if (closed)
        return s_raise_by_category (service, call, wsis_msg_get (body, "champions"),
                                    "champion", RANK_CHAMPION);
    if (photo_winners)
        return s_raise_array (service, call, wsis_msg_get (body, "winners"),
                              "winner", RANK_WINNER);
    const msgpack_object *winner = wsis_msg_get (body, "winner");
    if (s_raise_array (service, call, wsis_msg_get (body, "champions"),
                       "champion", RANK_CHAMPION)
    ||  (winner && s_raise_one (service, call, winner, "winner", RANK_WINNER)))
        return -1;
    return 0;
}
