/*  fuzz_config: the configuration file (ZPL through zconfig_str_load, then
    wsis_config's option table: sections, names, types and bounds), read
    from memory with wsis_config_parse. Whatever loads is read back as the
    services read it.
*/
#include "fuzz_text.h"
#include "wsis_config.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = fuzz_text (data, size);
    char *error = NULL;
    wsis_config_t *config = wsis_config_parse (text, &error);
    if (config) {
        char *check = NULL;
        wsis_config_check_exposure (config, &check);
        free (check);
        char *endpoint = wsis_config_endpoint (config, "voting", "port", false);
        free (endpoint);
        wsis_config_int (config, "wsis/max_request");
        wsis_config_bool (config, "notifications/require_staff");
    }
    fuzz_text_answered (config, error);
    wsis_config_destroy (&config);
    free (text);
    return 0;
}
