/*  bus_ops: the journal's operations (docs/protocol.md section 13). */
#include "bus.h"
#include "wsis_fields.h"

#include <string.h>

//  A topic is an event type: lower-case words joined by dots
//  ("forum.speaker.registered"). "sys." is the system's own.
static bool
s_valid_topic (const char *topic)
{
    if (!*topic || *topic == '.' || strncmp (topic, "sys.", 4) == 0)
        return false;
    for (const char *c = topic; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')
           || *c == '.' || *c == '_' || *c == '-'))
            return false;
    return topic [strlen (topic) - 1] != '.';
}

//  The first word of every event type an internal service emits. An outside
//  system may not journal those: a "vote.cast" with source bus would look,
//  to a consumer that checks only the type, like a vote.
static const char *const s_reserved [] = {
    "stakeholder", "submission", "review", "nominations", "hltf", "ambassador",
    "expert", "selection", "winners", "photo", "vote", "voting", "phase",
    "deadline", "notification", NULL
};

//  The reserved word the topic starts with, or NULL.
static const char *
s_reserved_word (const char *topic)
{
    for (const char *const *word = s_reserved; *word; word++) {
        size_t len = strlen (*word);
        if (strncmp (topic, *word, len) == 0 && topic [len] == '.')
            return *word;
    }
    return NULL;
}

//  publish {topic, body, origin} -> {seq}: journalled in the bus outbox in
//  the batch transaction, published after the commit.
static int
s_op_publish (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char topic [128], origin [65];
    wsis_fields_t event;
    if (wsis_fields_text (&body, "topic", WSIS_REQUIRED, 1, 127, topic, sizeof topic)
    ||  wsis_fields_text (&body, "origin", WSIS_REQUIRED, 1, 64, origin, sizeof origin)
    ||  wsis_fields_map (&body, "body", WSIS_REQUIRED, &event))
        return -1;
    if (!s_valid_topic (topic))
        return wsis_fields_fail (&body, "topic",
                                 "must be lower-case words joined by dots, not starting with 'sys.'");
    const char *reserved = s_reserved_word (topic);
    if (reserved)
        return wsis_fields_fail (&body, "topic", "may not start with '%s.': that is an event type "
                                 "of a wsis service", reserved);

    //  The event body is the publisher's map as it came, plus who sent it.
    msgpack_packer *pk = wsis_service_event (service);
    const msgpack_object_map *map = &event.map->via.map;
    bool has_origin = wsis_msg_get (event.map, "origin") != NULL;
    msgpack_pack_map (pk, map->size + (has_origin? 0: 1));
    for (uint32_t i = 0; i < map->size; i++) {
        msgpack_pack_object (pk, map->ptr [i].key);
        msgpack_pack_object (pk, map->ptr [i].val);
    }
    if (!has_origin)
        wsis_pack_kv_str (pk, "origin", origin);
    int rc = wsis_service_event_emit (service, topic);
    if (rc)
        return wsis_reply_fail (reply, "internal", NULL, "the journal could not be written");

    msgpack_pack_map (&reply->pk, 1);
    wsis_pack_kv_uint (&reply->pk, "seq", wsis_service_last_seq (service));
    return 0;
}

const wsis_op_t bus_ops [] = {
    { "publish", s_op_publish, WSIS_ROLE_PUBLISHER | WSIS_ROLE_OPERATOR, WSIS_OP_WRITES,
      "topic body origin" },
    { NULL }
};
