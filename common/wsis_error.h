/*  wsis_error: why a request or an envelope was refused.

    A code from docs/protocol.md section 2 ("validation"), a message for
    people, and the dotted field it is about ("contact.email", "" when
    none). Decoders fill one in and return -1; the command endpoint turns
    it into the error reply.
*/
#ifndef WSIS_ERROR_H
#define WSIS_ERROR_H

#include <stdarg.h>

typedef struct {
    const char *code;           //  static text
    char message [640];        //  room for the operations of a service
    char field [128];
} wsis_error_t;

//  Sets an error; returns -1 so callers can `return wsis_error_set (...)`.
//  field may be NULL. The message is cut at 639 bytes.
int wsis_error_set (wsis_error_t *error, const char *code, const char *field,
                    const char *format, ...) __attribute__ ((format (printf, 4, 5)));

//  The same with a va_list, for functions that take a format of their own.
int wsis_error_vset (wsis_error_t *error, const char *code, const char *field,
                     const char *format, va_list args) __attribute__ ((format (printf, 4, 0)));

#endif
