/*  fuzz_reporting_events: every event wsis-reporting applies, decoded and
    applied by the real service in-process (fuzz_service.h). reporting
    follows every source, so this reaches the body decoders of every event
    type a read model is built from.
*/
#include "reporting.h"
#include "fuzz_service.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

extern const char reporting_schema_sql [];

//  As services/reporting/main.c defines the service
static const char *const s_follows [] = {
    "bus", "submissions", "nominations", "voting", "notifications", NULL
};

static const wsis_service_def_t s_service = {
    .name = "reporting",
    .version = WSIS_VERSION,
    .schema = reporting_schema_sql,
    .ops = reporting_ops,
    .follows = s_follows,
    .apply = reporting_events_apply,
    .rebuildable = true,
};

static reporting_t s_reporting;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    fuzz_service_start (&s_service, &s_reporting);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    return fuzz_service_apply (data, size);
}
