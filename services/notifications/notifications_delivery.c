/*  notifications_delivery: the actor that hands a notification to the
    outside world (a file, a mail server, a webhook) and says how it went.

    The loop never waits on a mail server or a webhook (docs/design.md,
    "One thread per service"): it sends DELIVER on the pipe and goes on;
    this actor, a thread of its own, delivers one notification at a time
    with libcurl's easy interface and answers DONE. Each network channel
    keeps one easy handle for the life of the actor, so libcurl reuses the
    SMTP session and the HTTP connection from one delivery to the next.

    The status is what the loop needs to decide: "sent" (the other side
    took it), "retry" (it may take it later: down, busy, slow, a 4xx, or
    our own login or TLS settings refused), "failed" (it never will: an
    SMTP 5xx about the message, an HTTP 4xx other than 408 and 429, a
    redirect, a malformed address, a URL we do not call). When in doubt, retry: a needless retry costs a delay and ends
    as failed after notifications/retry_max anyway, while a wrong "failed"
    loses the message at once.

    $TERM is honoured during a delivery too. libcurl's progress callback,
    called at least once a second even while a server keeps us waiting,
    reads the pipe, so stopping the service never waits for a slow
    server's timeout; commands read there keep their turn for after.
*/
#include "notifications.h"
#include "wsis_alloc.h"
#include "wsis_log.h"
#include "wsis_valid.h"

#include <curl/curl.h>
#include <sodium.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DETAIL_MAX 256

//  The actor's state, named as in CZMQ's own actors (zbeacon, zproxy).
typedef struct {
    zsock_t *pipe;              //  to the loop; zactor owns it
    //  Copies of the configuration, since the caller's may be gone once
    //  zactor_new returns. NULL for an option left empty.
    char *outbox_dir;
    char *smtp_url;
    char *smtp_user;
    char *smtp_password;
    char *smtp_from;
    bool starttls;
    char *smtp_ca_file;
    long timeout_ms;
    //  The proxy settings of the environment, read once before the
    //  service runs: libcurl reads them with getenv at every transfer
    //  otherwise, which races with the service's thread setting TZ
    //  (wsis_clock) and crashed in getenv. "" when unset: no proxy.
    char *proxy_http;           //  http_proxy, else all_proxy
    char *proxy_https;          //  https_proxy, else all_proxy
    char *proxy_all;            //  all_proxy (SMTP)
    char *no_proxy;
    CURL *smtp;                 //  made at first use, then kept: see the top
    CURL *webhook;
    zlist_t *waiting;           //  zmsg_t read from the pipe during a delivery
    bool terminated;            //  $TERM seen
    char error [CURL_ERROR_SIZE];   //  libcurl's words for its last failure
    char reply [128];           //  the last line the SMTP server said
} self_t;

//  One DELIVER, its strings owned by the caller of the channel.
typedef struct {
    const char *key;
    const char *target;         //  the address, or the URL
    const char *secret;         //  "" unless webhook
    const byte *payload;
    size_t size;
} delivery_t;

//  What DONE says after the key.
typedef struct {
    const char *status;         //  "sent", "retry", "failed"
    char detail [DETAIL_MAX];   //  one line for people
} outcome_t;

typedef void (channel_fn) (self_t *self, const delivery_t *delivery, outcome_t *outcome);

static void s_deliver_file (self_t *self, const delivery_t *delivery, outcome_t *outcome);
static void s_deliver_smtp (self_t *self, const delivery_t *delivery, outcome_t *outcome);
static void s_deliver_webhook (self_t *self, const delivery_t *delivery, outcome_t *outcome);

//  By the names of notify_channel_name: the loop sends those.
static const struct {
    const char *name;
    channel_fn *deliver;
} s_channels [] = {
    { "file", s_deliver_file },
    { "smtp", s_deliver_smtp },
    { "webhook", s_deliver_webhook },
};

//  Sets the outcome. The detail goes into a log and a staff report as one
//  line, and may quote a server or a key, so control characters become '?'.
static void __attribute__ ((format (printf, 3, 4)))
s_outcome (outcome_t *outcome, const char *status, const char *format, ...)
{
    outcome->status = status;
    va_list args;
    va_start (args, format);
    vsnprintf (outcome->detail, sizeof outcome->detail, format, args);
    va_end (args);
    for (char *c = outcome->detail; *c; c++)
        if ((unsigned char) *c < 0x20 || *c == 0x7f)
            *c = '?';
}

//  An empty option is no option.
static char *
s_option (const char *value)
{
    return value && *value? wsis_strdup (value): NULL;
}

//  The first of two variables that is set and not empty (libcurl's
//  names: lower case first, upper case where it takes it), else fallback.
static const char *
s_env (const char *name, const char *upper, const char *fallback)
{
    const char *value = getenv (name);
    if ((!value || !*value) && upper)
        value = getenv (upper);
    return value && *value? value: fallback;
}

static self_t *
s_self_new (zsock_t *pipe, const notify_delivery_config_t *config)
{
    self_t *self = (self_t *) zmalloc (sizeof (self_t));
    self->pipe = pipe;
    self->outbox_dir = s_option (config->outbox_dir);
    self->smtp_url = s_option (config->smtp_url);
    self->smtp_user = s_option (config->smtp_user);
    self->smtp_password = s_option (config->smtp_password);
    self->smtp_from = s_option (config->smtp_from);
    self->starttls = config->starttls;
    self->smtp_ca_file = s_option (config->smtp_ca_file);
    self->timeout_ms = (long) config->timeout_ms;
    //  The service's thread waits in zactor_new meanwhile: nothing sets
    //  the environment while it is read here.
    self->proxy_all = wsis_strdup (s_env ("all_proxy", "ALL_PROXY", ""));
    self->proxy_http = wsis_strdup (s_env ("http_proxy", NULL, self->proxy_all));
    self->proxy_https = wsis_strdup (s_env ("https_proxy", "HTTPS_PROXY", self->proxy_all));
    self->no_proxy = wsis_strdup (s_env ("no_proxy", "NO_PROXY", ""));
    self->waiting = zlist_new ();
    //  Both are reference counted and thread-safe (this libcurl has the
    //  "threadsafe" feature, 7.84 and later), so an actor may call them
    //  while the service's thread runs.
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
        wsis_log_error ("delivery: libcurl cannot be initialised");
    if (sodium_init () < 0)
        wsis_log_error ("delivery: libsodium cannot be initialised");
    return self;
}

static void
s_self_destroy (self_t **self_p)
{
    if (*self_p) {
        self_t *self = *self_p;
        curl_easy_cleanup (self->smtp);
        curl_easy_cleanup (self->webhook);
        curl_global_cleanup ();
        zmsg_t *msg;
        while ((msg = (zmsg_t *) zlist_pop (self->waiting)))
            zmsg_destroy (&msg);
        zlist_destroy (&self->waiting);
        if (self->smtp_password)
            sodium_memzero (self->smtp_password, strlen (self->smtp_password));
        free (self->proxy_all);
        free (self->proxy_http);
        free (self->proxy_https);
        free (self->no_proxy);
        free (self->outbox_dir);
        free (self->smtp_url);
        free (self->smtp_user);
        free (self->smtp_password);
        free (self->smtp_from);
        free (self->smtp_ca_file);
        free (self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  The file channel

//  The key as a file name: [A-Za-z0-9._-] kept, every other byte %XX, so
//  "prizes-2022/voting/reminder/7d" is "prizes-2022%2Fvoting%2Freminder%2F7d"
//  and the key can be read back from the name. A leading dot is escaped
//  too: a message is never a hidden file, nor taken for a temporary one.
//  0, or -1 when the name does not fit size.
static int
s_file_name (const char *key, char *name, size_t size)
{
    static const char hex [] = "0123456789ABCDEF";
    size_t length = 0;
    for (const char *c = key; *c; c++) {
        unsigned char byte = (unsigned char) *c;
        bool keep = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z')
                 || (byte >= '0' && byte <= '9') || byte == '-' || byte == '_'
                 || (byte == '.' && c != key);
        if (length + (keep? 1: 3) >= size)
            return -1;
        if (keep)
            name [length++] = (char) byte;
        else {
            name [length++] = '%';
            name [length++] = hex [byte >> 4];
            name [length++] = hex [byte & 15];
        }
    }
    name [length] = 0;
    return 0;
}

static int
s_write_all (int handle, const byte *data, size_t size)
{
    while (size > 0) {
        ssize_t written = write (handle, data, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        data += written;
        size -= (size_t) written;
    }
    return 0;
}

//  Written whole under a temporary name, synced, then renamed, the folder
//  synced last so that the rename survives a power cut too. NULL, or the
//  step that failed with errno saying why.
static const char *
s_write_durably (const char *folder, const char *temporary, const char *final,
                 const delivery_t *delivery)
{
    //  Several delivery actors may make the folder at the same moment: the
    //  folder being there is what counts.
    if (zsys_dir_create ("%s", folder)) {
        int mode = zsys_file_mode (folder);
        if (mode == -1 || !(mode & S_IFDIR))
            return "cannot make the folder";
    }
    //  0600: a message holds a person's name and address.
    int handle = open (temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (handle < 0)
        return "cannot create";
    const char *step = NULL;
    if (s_write_all (handle, delivery->payload, delivery->size))
        step = "cannot write";
    else
    if (fsync (handle))
        step = "cannot sync";
    int error = errno;
    if (close (handle) && !step) {
        step = "cannot close";
        error = errno;
    }
    if (!step && rename (temporary, final)) {
        step = "cannot rename";
        error = errno;
    }
    if (step) {
        unlink (temporary);
        errno = error;
        return step;
    }
    int handle_folder = open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (handle_folder < 0)
        return "cannot open the folder";
    step = fsync (handle_folder)? "cannot sync the folder": NULL;
    error = errno;
    close (handle_folder);
    errno = error;
    return step;
}

//  A reader of the outbox never sees half a message, and a resend of the
//  key (after a crash between the rename and the loop's commit) replaces
//  the first copy instead of adding a second. A failure to write is
//  worth a retry: a full disk or a permission is fixed by people, not by
//  the message.
static void
s_deliver_file (self_t *self, const delivery_t *delivery, outcome_t *outcome)
{
    //  ".<name>.tmp" must fit in NAME_MAX.
    char name [NAME_MAX - 5 + 1];
    if (!self->outbox_dir) {
        s_outcome (outcome, "failed", "no outbox folder configured");
        return;
    }
    if (s_file_name (delivery->key, name, sizeof name)) {
        s_outcome (outcome, "failed", "key too long for a file name");
        return;
    }
    char *temporary = zsys_sprintf ("%s/.%s.tmp", self->outbox_dir, name);
    char *final = zsys_sprintf ("%s/%s.eml", self->outbox_dir, name);
    const char *step = s_write_durably (self->outbox_dir, temporary, final, delivery);
    if (step)
        s_outcome (outcome, "retry", "outbox %s: %s: %s", self->outbox_dir, step,
                   strerror (errno));
    else
        s_outcome (outcome, "sent", "written as %s.eml", name);
    free (temporary);
    free (final);
}

//  --------------------------------------------------------------------------
//  What SMTP and the webhook share: a libcurl easy handle per channel

//  See the top: a command read here is kept in order, $TERM ends the
//  transfer (a non-zero return aborts it).
static int
s_on_progress (void *arg, curl_off_t download_total, curl_off_t downloaded,
               curl_off_t upload_total, curl_off_t uploaded)
{
    self_t *self = (self_t *) arg;
    while (!self->terminated && (zsock_events (self->pipe) & ZMQ_POLLIN)) {
        zmsg_t *msg = zmsg_recv (self->pipe);
        if (!msg)
            break;
        if (zframe_streq (zmsg_first (msg), "$TERM")) {
            self->terminated = true;
            zmsg_destroy (&msg);
        }
        else
            zlist_append (self->waiting, msg);
    }
    return self->terminated? 1: 0;
}

//  The channel's handle, made at first use, else reset: curl_easy_reset
//  forgets the last delivery's options but keeps the live connections,
//  which is why the handle is kept; proxy the one for this transfer ("":
//  none). NULL when libcurl has no memory.
static CURL *
s_self_curl (self_t *self, CURL **handle_p, const char *proxy)
{
    if (*handle_p)
        curl_easy_reset (*handle_p);
    else
        *handle_p = curl_easy_init ();
    CURL *curl = *handle_p;
    self->error [0] = 0;
    self->reply [0] = 0;
    if (curl) {
        //  No signals: this is one thread among others, and DNS is
        //  resolved in a thread of libcurl's own (AsynchDNS).
        curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt (curl, CURLOPT_PROXY, proxy);
        curl_easy_setopt (curl, CURLOPT_NOPROXY, self->no_proxy);
        curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, self->timeout_ms);
        curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, self->error);
        curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, s_on_progress);
        curl_easy_setopt (curl, CURLOPT_XFERINFODATA, self);
    }
    return curl;
}

//  A transfer that failed without a reply that decides. Our own URL
//  wrong is never worth a retry; anything else (refused, timed out, cut
//  off, TLS) may pass. The detail is libcurl's error buffer when it
//  wrote one.
static void
s_unanswered (self_t *self, CURLcode code, const char *channel, outcome_t *outcome)
{
    const char *why = self->error [0]? self->error: curl_easy_strerror (code);
    if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL)
        s_outcome (outcome, "failed", "%s url: %s", channel, why);
    else
        s_outcome (outcome, "retry", "%s: %s", channel, why);
}

//  The transfer, over one of protocols only ("http,https"); *response
//  the last reply code of the server (SMTP or HTTP), 0 when there was none.
static CURLcode
s_perform (CURL *curl, const char *protocols, long *response)
{
    CURLcode code = curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, protocols);
    if (code == CURLE_OK)
        code = curl_easy_perform (curl);
    *response = 0;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, response);
    return code;
}

//  Appends a copy of item; the list is left as it was on failure.
static int
s_list_add (struct curl_slist **list_p, const char *item)
{
    struct curl_slist *list = curl_slist_append (*list_p, item);
    if (!list)
        return -1;
    *list_p = list;
    return 0;
}

//  --------------------------------------------------------------------------
//  The smtp channel

typedef struct {
    const byte *data;
    size_t size;
    size_t offset;
} upload_t;

static size_t
s_on_upload (char *buffer, size_t size, size_t count, void *arg)
{
    upload_t *upload = (upload_t *) arg;
    size_t chunk = upload->size - upload->offset;
    if (chunk > size * count)
        chunk = size * count;
    memcpy (buffer, upload->data + upload->offset, chunk);
    upload->offset += chunk;
    return chunk;
}

//  Keeps the last line the server said, for the detail: "451 4.3.0 try
//  again later" tells staff more than libcurl's "Failed sending data".
//  Only what comes in: what goes out holds the AUTH credentials.
static int
s_on_debug (CURL *curl, curl_infotype type, char *data, size_t size, void *arg)
{
    self_t *self = (self_t *) arg;
    if (type == CURLINFO_HEADER_IN) {
        while (size > 0 && (data [size - 1] == '\n' || data [size - 1] == '\r'))
            size--;
        if (size >= sizeof self->reply)
            size = sizeof self->reply - 1;
        memcpy (self->reply, data, size);
        self->reply [size] = 0;
    }
    return 0;
}

//  The reply code decides when the server gave one (RFC 5321 4.2.1: 4yz
//  is transient, 5yz permanent: a 550 to RCPT or DATA is the server's last
//  word on this message), whatever command it answered. Except AUTH: a
//  535 there says our user or password is wrong, which staff fix in the
//  configuration and which no message can change, so it is retried like
//  a server that is down, and the messages of the meantime are not lost
//  to it at once (they fail after retry_max like any other).
static void
s_smtp_outcome (self_t *self, CURLcode code, long reply, outcome_t *outcome)
{
    if (code == CURLE_OK)
        s_outcome (outcome, "sent", "smtp: %s", self->reply);
    else
    if (code == CURLE_LOGIN_DENIED)
        s_outcome (outcome, "retry", "smtp: login refused: %s", self->reply);
    else
    if (reply >= 500 && reply < 600)
        s_outcome (outcome, "failed", "smtp: %s", self->reply);
    else
    if (reply >= 400 && reply < 500)
        s_outcome (outcome, "retry", "smtp: %s", self->reply);
    else
        s_unanswered (self, code, "smtp", outcome);
}

static void
s_deliver_smtp (self_t *self, const delivery_t *delivery, outcome_t *outcome)
{
    if (!self->smtp_url) {
        s_outcome (outcome, "failed", "no mail server configured (notifications/smtp_url)");
        return;
    }
    if (!self->smtp_from) {
        s_outcome (outcome, "failed", "no envelope sender configured");
        return;
    }
    if (!wsis_valid_email (delivery->target, strlen (delivery->target))) {
        s_outcome (outcome, "failed", "malformed address");
        return;
    }
    struct curl_slist *recipients = NULL;
    CURL *curl = s_self_curl (self, &self->smtp, self->proxy_all);
    if (!curl || s_list_add (&recipients, delivery->target)) {
        s_outcome (outcome, "retry", "smtp: out of memory");
        return;
    }
    upload_t upload = { delivery->payload, delivery->size, 0 };
    curl_easy_setopt (curl, CURLOPT_URL, self->smtp_url);
    curl_easy_setopt (curl, CURLOPT_MAIL_FROM, self->smtp_from);
    curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt (curl, CURLOPT_READFUNCTION, s_on_upload);
    curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) delivery->size);
    //  Mail holds people's addresses: over smtp:// it goes encrypted or
    //  not at all, unless the configuration says this is a test server.
    curl_easy_setopt (curl, CURLOPT_USE_SSL,
                      self->starttls? (long) CURLUSESSL_ALL: (long) CURLUSESSL_NONE);
    //  A private CA is trusted instead of the system's, never in place of
    //  checking: libcurl verifies the peer and its name either way.
    if (self->smtp_ca_file)
        curl_easy_setopt (curl, CURLOPT_CAINFO, self->smtp_ca_file);
    if (self->smtp_user) {
        curl_easy_setopt (curl, CURLOPT_USERNAME, self->smtp_user);
        curl_easy_setopt (curl, CURLOPT_PASSWORD, self->smtp_password? self->smtp_password: "");
    }
    curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, s_on_debug);
    curl_easy_setopt (curl, CURLOPT_DEBUGDATA, self);

    long reply;
    CURLcode code = s_perform (curl, "smtp,smtps", &reply);
    s_smtp_outcome (self, code, reply, outcome);
    curl_slist_free_all (recipients);
}

//  --------------------------------------------------------------------------
//  The webhook channel

//  The receiver's answer decides: 2xx taken; 408 and 429 (it asks us to
//  come back) and 5xx retried; a redirect (never followed: the
//  configuration names the URL) or another 4xx will not change by itself.
static void
s_webhook_outcome (self_t *self, CURLcode code, long status, outcome_t *outcome)
{
    if (code == CURLE_OK) {
        if (status >= 200 && status < 300)
            s_outcome (outcome, "sent", "webhook: %ld", status);
        else
        if (status == 408 || status == 429 || (status >= 500 && status < 600))
            s_outcome (outcome, "retry", "webhook: %ld", status);
        else
            s_outcome (outcome, "failed", "webhook: %ld", status);
    }
    else
        s_unanswered (self, code, "webhook", outcome);
}

//  A response body is not read: the status says it all.
static size_t
s_on_response (char *data, size_t size, size_t count, void *arg)
{
    return size * count;
}

//  "X-WSIS-Signature: sha256=<hex>" of the body into header: the receiver
//  knows the message came from us and was not changed on the way. The
//  streaming API, because a secret_file holds a key of any length (HMAC
//  hashes a long one), where crypto_auth_hmacsha256 takes 32 bytes.
static void
s_sign (const char *secret, const delivery_t *delivery, char *header, size_t size)
{
    crypto_auth_hmacsha256_state state;
    unsigned char mac [crypto_auth_hmacsha256_BYTES];
    char hex [crypto_auth_hmacsha256_BYTES * 2 + 1];
    crypto_auth_hmacsha256_init (&state, (const unsigned char *) secret, strlen (secret));
    crypto_auth_hmacsha256_update (&state, delivery->payload, delivery->size);
    crypto_auth_hmacsha256_final (&state, mac);
    sodium_memzero (&state, sizeof state);
    sodium_bin2hex (hex, sizeof hex, mac, sizeof mac);
    snprintf (header, size, "X-WSIS-Signature: sha256=%s", hex);
}

static void
s_deliver_webhook (self_t *self, const delivery_t *delivery, outcome_t *outcome)
{
    //  An unsigned webhook could be forged by anyone who finds the URL.
    if (!*delivery->secret) {
        s_outcome (outcome, "failed", "webhook without a secret");
        return;
    }
    char signature [128];
    s_sign (delivery->secret, delivery, signature, sizeof signature);
    char *key = zsys_sprintf ("X-WSIS-Delivery: %s", delivery->key);
    struct curl_slist *headers = NULL;
    CURL *curl = s_self_curl (self, &self->webhook, strncasecmp (delivery->target, "https:", 6) == 0?
                                                    self->proxy_https: self->proxy_http);
    //  An empty Expect: a body over 1 MiB would otherwise wait a second
    //  for a "100 Continue" that simple receivers never send.
    if (!curl
    ||  s_list_add (&headers, "Content-Type: application/json")
    ||  s_list_add (&headers, key)
    ||  s_list_add (&headers, signature)
    ||  s_list_add (&headers, "Expect:")) {
        s_outcome (outcome, "retry", "webhook: out of memory");
        curl_slist_free_all (headers);
        free (key);
        return;
    }
    curl_easy_setopt (curl, CURLOPT_URL, delivery->target);
    curl_easy_setopt (curl, CURLOPT_POST, 1L);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, delivery->payload);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) delivery->size);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_USERAGENT, "wsis-notifications");
    curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_on_response);

    //  The URL comes from configs/staff.cfg: only the web, never file://
    //  or another protocol libcurl happens to speak.
    long status;
    CURLcode code = s_perform (curl, "http,https", &status);
    s_webhook_outcome (self, code, status, outcome);
    curl_slist_free_all (headers);
    free (key);
}

//  --------------------------------------------------------------------------
//  The pipe

//  The frame as a C string, or NULL when it is missing or holds a NUL
//  (which would cut it short). The caller frees it.
static char *
s_frame_string (zframe_t *frame)
{
    if (!frame || memchr (zframe_data (frame), 0, zframe_size (frame)))
        return NULL;
    return zframe_strdup (frame);
}

//  A key goes into a file name (escaped) and an HTTP header (as is): no
//  control characters, so no header can be smuggled in after it.
static bool
s_key_valid (const char *key)
{
    if (!key || !*key || strlen (key) >= NOTIFY_KEY_MAX)
        return false;
    for (const char *c = key; *c; c++)
        if ((unsigned char) *c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

//  msg holds the frames after "DELIVER": key channel target secret payload.
static void
s_self_deliver (self_t *self, zmsg_t *msg)
{
    outcome_t outcome = { NULL, "" };
    size_t frames = zmsg_size (msg);
    char *key = s_frame_string (zmsg_first (msg));
    char *channel = s_frame_string (zmsg_next (msg));
    char *target = s_frame_string (zmsg_next (msg));
    char *secret = s_frame_string (zmsg_next (msg));
    zframe_t *payload = zmsg_next (msg);

    channel_fn *deliver = NULL;
    for (size_t index = 0; channel && index < sizeof s_channels / sizeof s_channels [0]; index++)
        if (streq (channel, s_channels [index].name))
            deliver = s_channels [index].deliver;

    //  The loop's bug, not the message's: logged, and failed so that the
    //  loop, which waits for a DONE per DELIVER, is not left waiting.
    if (frames != 5)
        s_outcome (&outcome, "failed", "malformed DELIVER: %zu frames after it, not 5", frames);
    else
    if (!s_key_valid (key))
        s_outcome (&outcome, "failed", "malformed DELIVER: bad key");
    else
    if (!deliver)
        s_outcome (&outcome, "failed", "malformed DELIVER: unknown channel %.32s",
                   channel? channel: "(not a string)");
    else
    if (!target || !secret)
        s_outcome (&outcome, "failed", "malformed DELIVER: bad target or secret");
    else
    if (zframe_size (payload) == 0)
        s_outcome (&outcome, "failed", "malformed DELIVER: empty payload");

    if (outcome.status)
        wsis_log_warning ("delivery: %s", outcome.detail);
    else {
        delivery_t delivery = {
            key, target, secret, zframe_data (payload), zframe_size (payload)
        };
        deliver (self, &delivery, &outcome);
    }
    //  After $TERM nobody reads the answer: the loop is destroying us.
    if (!self->terminated)
        zstr_sendx (self->pipe, "DONE", key? key: "", outcome.status, outcome.detail, NULL);
    zstr_free (&key);
    zstr_free (&channel);
    zstr_free (&target);
    if (secret)
        sodium_memzero (secret, strlen (secret));
    zstr_free (&secret);
}

static void
s_self_handle (self_t *self, zmsg_t **msg_p)
{
    zmsg_t *msg = *msg_p;
    char *command = s_frame_string (zmsg_first (msg));
    zframe_t *frame = zmsg_pop (msg);
    zframe_destroy (&frame);
    if (command && streq (command, "$TERM"))
        self->terminated = true;
    else
    if (command && streq (command, "DELIVER"))
        s_self_deliver (self, msg);
    else {
        wsis_log_warning ("delivery: unknown command %.32s", command? command: "(not a string)");
        zstr_sendx (self->pipe, "DONE", "", "failed", "unknown command", NULL);
    }
    zstr_free (&command);
    zmsg_destroy (msg_p);
}

void
notify_delivery_actor (zsock_t *pipe, void *config)
{
    self_t *self = s_self_new (pipe, (const notify_delivery_config_t *) config);
    //  Ready only once the configuration is copied.
    zsock_signal (pipe, 0);
    while (!self->terminated) {
        //  What arrived during the last delivery first: the order is the
        //  loop's.
        zmsg_t *msg = (zmsg_t *) zlist_pop (self->waiting);
        if (!msg)
            msg = zmsg_recv (pipe);
        if (!msg)
            break;              //  interrupted: the process is stopping
        s_self_handle (self, &msg);
    }
    s_self_destroy (&self);
}
