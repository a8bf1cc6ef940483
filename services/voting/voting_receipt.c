/*  voting_receipt: the receipt a voter gets for a vote.

    HMAC-SHA256 (libsodium, already linked through libzmq's CURVE) with the
    receipt key (voting_key.c) over the vote's call, category,
    submission_id and the voter's pseudonym, so nobody without the key can
    forge a receipt or tell from one who voted. The pseudonym, not the
    voter_id, because vote.verify makes the HMAC again from the log's row,
    which holds no voter_id (receipts given before version 2 of the schema
    were over the voter_id; the log keeps theirs as they were given). It
    is prefixed with the vote's number in the log, which lets vote.verify
    find the vote with one primary-key read instead of an index of
    receipts; the number says only where the vote stands in the log, which
    the vote.cast event's seq says anyway.
*/
#include "voting.h"

#include <sodium.h>
#include <string.h>

int
voting_receipt_init (void)
{
    return sodium_init () < 0? -1: 0;
}

void
voting_receipt_mac (const crypto_auth_hmacsha256_state *keyed,
                    const char *call, const char *category,
                    const char *submission_id, size_t submission_len,
                    const void *voter, size_t voter_len,
                    unsigned char mac [VOTING_MAC_SIZE])
{
    //  Fields separated by a NUL, which none of the texts may contain, and
    //  the voter last, so two different votes never hash the same bytes.
    static const unsigned char zero = 0;
    crypto_auth_hmacsha256_state state = *keyed;
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) call, strlen (call));
    crypto_auth_hmacsha256_update (&state, &zero, 1);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) category, strlen (category));
    crypto_auth_hmacsha256_update (&state, &zero, 1);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) submission_id, submission_len);
    crypto_auth_hmacsha256_update (&state, &zero, 1);
    crypto_auth_hmacsha256_update (&state, (const unsigned char *) voter, voter_len);
    crypto_auth_hmacsha256_final (&state, mac);
}

//  A receipt is no secret to the voter it is given to, so its digits need
//  no constant-time encoding (sodium_bin2hex costs a vote ~1,000
//  instructions for these 40 bytes).
static char *
s_hex (char *out, const unsigned char *bytes, size_t size)
{
    static const char digits [] = "0123456789abcdef";
    for (size_t i = 0; i < size; i++) {
        *out++ = digits [bytes [i] >> 4];
        *out++ = digits [bytes [i] & 15];
    }
    return out;
}

void
voting_receipt_format (uint64_t vote_no, const unsigned char mac [VOTING_MAC_SIZE], char *out)
{
    unsigned char number [8];
    for (int i = 0; i < 8; i++)
        number [i] = (unsigned char) (vote_no >> (56 - 8 * i));
    out = s_hex (out, number, sizeof number);
    out = s_hex (out, mac, VOTING_MAC_SIZE);
    *out = 0;
}

int
voting_receipt_parse (const char *text, size_t len, uint64_t *vote_no)
{
    if (len != VOTING_RECEIPT_LEN)
        return -1;
    uint64_t number = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text [i];
        int digit = c >= '0' && c <= '9'? c - '0': c >= 'a' && c <= 'f'? c - 'a' + 10: -1;
        if (digit < 0)
            return -1;
        if (i < 16)
            number = (number << 4) | (uint64_t) digit;
    }
    *vote_no = number;
    return 0;
}

bool
voting_receipt_equal (const char *a, const char *b)
{
    return sodium_memcmp (a, b, VOTING_RECEIPT_LEN) == 0;
}
