/*  fuzz_text: the bytes of a fuzz input as the NUL-terminated text a
    parser of files takes (ZPL, JSON). An input with a NUL in it stops
    there, as it would in the file's reader. Defines LLVMFuzzerInitialize:
    a target defines only LLVMFuzzerTestOneInput.
*/
#ifndef FUZZ_TEXT_H
#define FUZZ_TEXT_H

#include <czmq.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  No log lines at every refused input. CZMQ's zconfig reports a syntax
//  error on stdout (zclock_log), the rest goes through zsys; libFuzzer and
//  the sanitizers write on stderr.
int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    if (!freopen ("/dev/null", "w", stdout))
        abort ();
    return 0;
}

//  A copy of data with a NUL after it (caller frees), so that ASan sees a
//  read past the text's end.
static inline char *
fuzz_text (const uint8_t *data, size_t size)
{
    char *text = (char *) malloc (size + 1);
    if (!text)
        abort ();
    memcpy (text, data, size);
    text [size] = 0;
    return text;
}

//  What a parser answered: a refusal always says why (abort otherwise).
//  Frees error.
static inline void
fuzz_text_answered (const void *parsed, char *error)
{
    if (!parsed && (!error || !*error))
        abort ();
    free (error);
}

//  A file of configs/ a target needs for every input, loaded once:
//  without it the target stops.
static inline void *
fuzz_text_needs (void *loaded, const char *what, char *error)
{
    if (!loaded) {
        fprintf (stderr, "%s: %s (run from the top of the tree)\n", what, error);
        exit (1);
    }
    return loaded;
}

#endif
