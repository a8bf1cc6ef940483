/*  fuzz_nominations_events: the events wsis-nominations applies (the
    projects of submissions, the champions of voting), decoded and applied
    by the real service in-process (fuzz_service.h).
*/
#include "nominations.h"
#include "fuzz_service.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

extern const char nominations_schema_sql [];

//  As services/nominations/main.c defines the service
static const char *const s_follows [] = { "submissions", "voting", NULL };

static int
s_start (wsis_service_t *service)
{
    nominations_t *self = (nominations_t *) wsis_service_state (service);
    self->max_nominated = wsis_config_int (wsis_service_config (service), "nominations/max_nominated");
    return 0;
}

static const wsis_service_def_t s_service = {
    .name = "nominations",
    .version = WSIS_VERSION,
    .schema = nominations_schema_sql,
    .ops = nominations_ops,
    .follows = s_follows,
    .start = s_start,
    .apply = nominations_events_apply,
};

static nominations_t s_nominations;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    fuzz_service_start (&s_service, &s_nominations);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_service_apply (data, size);
}
