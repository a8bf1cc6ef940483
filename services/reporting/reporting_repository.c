/*  reporting_repository: report.women_in_tech {sector?, region?, q?,
    after?, limit?}, the Repository of Women in Tech: the profiles of women
    leaders and practitioners of the ICT industry who agreed to be listed,
    by name. A profile whose submission was withdrawn is gone from every
    listing (withdrawing is withdrawing the consent).
*/
#include "reporting.h"

#include <string.h>

#define PAGE_DEFAULT 100
#define PAGE_MAX 500

typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer pk;
    uint32_t count;
} items_t;

//  (submission_id, name, organization, sector, region, country,
//  expertise, links one per line)
static int
s_item (const char *const *columns, size_t count, void *arg)
{
    items_t *items = (items_t *) arg;
    msgpack_packer *pk = &items->pk;
    const char *keys [] = { "submission_id", "name", "organization", "sector", "region",
                            "country", "expertise" };
    msgpack_pack_map (pk, 8);
    for (int i = 0; i < 7; i++)
        wsis_pack_kv_str (pk, keys [i], columns [i]? columns [i]: "");
    wsis_pack_str (pk, "links");
    const char *links = columns [7]? columns [7]: "";
    size_t n = *links? 1: 0;
    for (const char *c = links; *c; c++)
        n += *c == '\n';
    msgpack_pack_array (pk, n);
    while (*links) {
        size_t len = strcspn (links, "\n");
        wsis_pack_strn (pk, links, len);
        links += len + (links [len] == '\n');
    }
    items->count++;
    return 0;
}

int
report_op_women_in_tech (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    wsis_fields_t body = wsis_fields (reply, request->body, NULL);
    char sector [65], region [33], q [201], offset [24], count [24];
    uint64_t after = 0, limit = PAGE_DEFAULT;
    int has_sector = wsis_fields_text (&body, "sector", WSIS_OPTIONAL, 1, 64, sector, sizeof sector);
    int has_region = has_sector < 0? -1:
        wsis_fields_choice_text (&body, "region", WSIS_OPTIONAL, wsis_regions, 6, region, sizeof region);
    int has_q = has_region < 0? -1: wsis_fields_text (&body, "q", WSIS_OPTIONAL, 1, 200, q, sizeof q);
    if (has_q < 0
    ||  wsis_fields_uint (&body, "after", WSIS_OPTIONAL, 0, INT32_MAX, &after) < 0
    ||  wsis_fields_uint (&body, "limit", WSIS_OPTIONAL, 1, PAGE_MAX, &limit) < 0)
        return -1;
    snprintf (offset, sizeof offset, "%llu", (unsigned long long) after);
    snprintf (count, sizeof count, "%llu", (unsigned long long) limit);
    const char *params [5] = {
        has_sector == 0? sector: NULL, has_region == 0? region: NULL, has_q == 0? q: NULL,
        offset, count
    };
    items_t items = { .count = 0 };
    msgpack_sbuffer_init (&items.buffer);
    msgpack_packer_init (&items.pk, &items.buffer, msgpack_sbuffer_write);
    int rc = report_store_query (wsis_service_store (service), REPORT_Q_PROFILES, params, 5,
                                 s_item, &items);
    if (rc >= 0) {
        msgpack_pack_map (&reply->pk, 2);
        wsis_pack_str (&reply->pk, "items");
        msgpack_pack_array (&reply->pk, items.count);
        wsis_pack_raw (&reply->pk, items.buffer.data, items.buffer.size);
        wsis_pack_str (&reply->pk, "next");
        if (items.count == limit)
            msgpack_pack_uint64 (&reply->pk, after + limit);
        else
            msgpack_pack_nil (&reply->pk);
    }
    msgpack_sbuffer_destroy (&items.buffer);
    return rc < 0? report_fail_store (reply): 0;
}
