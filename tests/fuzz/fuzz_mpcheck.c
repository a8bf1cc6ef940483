/*  fuzz_mpcheck: libFuzzer target for wsis_mpcheck.

    The walker exists so that msgpack-c only ever sees bytes it can unpack
    safely. Whatever the walker accepts is therefore handed to
    msgpack_unpack_next here, as wsis_msg would: a crash, a leak or a huge
    allocation under the sanitizers means the two disagree about what is
    well-formed.
*/
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "wsis_mpcheck.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    //  Small limits so the fuzzer reaches every limit with short inputs
    const wsis_mpcheck_limits_t limits = {
        .max_depth = 8,
        .max_str = 256,
        .max_bin = 256,
        .max_elements = 1024
    };
    size_t offset;
    wsis_mpcheck_result_t result = wsis_mpcheck (data, size, &limits, &offset);
    if (result != WSIS_MPCHECK_OK) {
        //  The blamed object always starts inside the input
        if (size > 0 && offset >= size)
            abort ();
        return 0;
    }
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t consumed = 0;
    msgpack_unpack_return unpack_result =
        msgpack_unpack_next (&unpacked, (const char *) data, size, &consumed);
    //  Accepted means exactly one complete object, nothing left over.
    //  abort, not assert: the verdict must not depend on NDEBUG
    if (unpack_result != MSGPACK_UNPACK_SUCCESS || consumed != size)
        abort ();
    msgpack_unpacked_destroy (&unpacked);
    return 0;
}
