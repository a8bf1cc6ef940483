/*  wsis_log: one line per event on stderr, tagged with the service name.

    A thin layer over CZMQ's zsys logging so every service and libwsis log
    the same way: "wsis-voting I: 26-11-28 16:20:01 message".
*/
#ifndef WSIS_LOG_H
#define WSIS_LOG_H

#include <czmq.h>

//  Names the process in every line and sends the log to stderr.
void wsis_log_init (const char *service);

#define wsis_log_info(...)    zsys_info (__VA_ARGS__)
#define wsis_log_notice(...)  zsys_notice (__VA_ARGS__)
#define wsis_log_warning(...) zsys_warning (__VA_ARGS__)
#define wsis_log_error(...)   zsys_error (__VA_ARGS__)
#define wsis_log_debug(...)   zsys_debug (__VA_ARGS__)

#endif
