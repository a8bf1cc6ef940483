/*  wsis_error: error values of decoders and handlers. */
#include "wsis_error.h"

#include <stdio.h>

int
wsis_error_vset (wsis_error_t *error, const char *code, const char *field,
                 const char *format, va_list args)
{
    error->code = code;
    vsnprintf (error->message, sizeof error->message, format, args);
    snprintf (error->field, sizeof error->field, "%s", field? field: "");
    return -1;
}

int
wsis_error_set (wsis_error_t *error, const char *code, const char *field,
                const char *format, ...)
{
    va_list args;
    va_start (args, format);
    wsis_error_vset (error, code, field, format, args);
    va_end (args);
    return -1;
}
