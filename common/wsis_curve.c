/*  wsis_curve: keys, zauth, and who sent each message. */
#include "wsis_curve.h"
#include "wsis_actor.h"
#include "wsis_alloc.h"
#include "wsis_hash.h"
#include "wsis_log.h"
#include "wsis_secret.h"

#include <dirent.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

//  libzmq's ZMQ_ZAP_ENFORCE_DOMAIN, a draft option in 4.3: without it a
//  CURVE server with no ZAP handler answering accepts any client. We never
//  run a server without zauth, and ask for enforcement where libzmq has it.
#define ZAP_ENFORCE_DOMAIN 93

struct _wsis_curve_t {
    char *public_dir;           //  keys/public: the allow-list
    zcert_t *cert;              //  this program's key pair
    wsis_peer_t self;
    zhashx_t *allowed;          //  public key (Z85) -> wsis_peer_t
    zhashx_t *revoked;          //  keys allowed once and removed since
    zhashx_t *servers;          //  server name -> its public key (Z85), as last read
    uint64_t signature;         //  of keys/public as last read
    int64_t read_at;            //  when it was last read (monotonic ms)
    size_t unreported;          //  revocations found and not yet returned
    bool reread;                //  the next refresh reads the folder, changed or not
    uint64_t checked;           //  refreshes since start
    uint64_t read;              //  of which found the folder changed
    bool authenticating;        //  holds a reference on the process's zauth
};

//  One zauth per process: it binds libzmq's one ZAP endpoint. Services
//  that run as actors of one test process share it.
static pthread_mutex_t s_auth_lock = PTHREAD_MUTEX_INITIALIZER;
static zactor_t *s_auth;
static char *s_auth_dir;
static size_t s_auth_users;

//  The certificate's role and name.
static void
s_peer_of (zcert_t *cert, wsis_peer_t *peer)
{
    const char *role = zcert_meta (cert, "role");
    const char *name = zcert_meta (cert, "name");
    peer->role = role? wsis_role_parse (role, strlen (role)): 0;
    snprintf (peer->name, sizeof peer->name, "%s", name? name: "");
}

//  A fingerprint of the folder: the names, sizes and modification times
//  of its certificates. Nanosecond times, so a file replaced within the
//  same second is still seen.
static uint64_t
s_signature (const char *dir)
{
    uint64_t hash = WSIS_HASH_START;
    DIR *handle = opendir (dir);
    if (!handle)
        return hash;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        size_t length = strlen (entry->d_name);
        if (length < 5 || !streq (entry->d_name + length - 5, ".cert"))
            continue;
        char path [4096];
        struct stat st;
        snprintf (path, sizeof path, "%s/%s", dir, entry->d_name);
        if (stat (path, &st))
            continue;
        uint64_t item = wsis_hash (entry->d_name, length);
        item = wsis_hash_add (item, &st.st_size, sizeof st.st_size);
        item = wsis_hash_add (item, &st.st_mtim, sizeof st.st_mtim);
        hash ^= item;           //  in any order readdir gives them
    }
    closedir (handle);
    return hash;
}

//  Reads every certificate of keys/public into a new allow-list.
static zhashx_t *
s_read_allowed (const char *dir)
{
    zhashx_t *allowed = zhashx_new ();
    zhashx_set_destructor (allowed, (zhashx_destructor_fn *) zstr_free);
    DIR *handle = opendir (dir);
    struct dirent *entry;
    while (handle && (entry = readdir (handle))) {
        size_t length = strlen (entry->d_name);
        if (length < 5 || !streq (entry->d_name + length - 5, ".cert"))
            continue;
        char path [4096];
        snprintf (path, sizeof path, "%s/%s", dir, entry->d_name);
        zcert_t *cert = zcert_load (path);
        if (!cert)
            continue;
        wsis_peer_t *peer = (wsis_peer_t *) wsis_calloc (1, sizeof (wsis_peer_t));
        s_peer_of (cert, peer);
        zhashx_update (allowed, zcert_public_txt (cert), peer);
        zcert_destroy (&cert);
    }
    if (handle)
        closedir (handle);
    return allowed;
}

int
wsis_curve_load_file (const char *keys, const char *path, wsis_curve_t **curve_p, char **error)
{
    *curve_p = NULL;
    if (wsis_secret_check (path, error))
        return -1;
    zcert_t *cert = zcert_load (path);
    if (!cert || zcert_secret_txt (cert) [0] == 0
    ||  streq (zcert_secret_txt (cert), "0000000000000000000000000000000000000000")) {
        zcert_destroy (&cert);
        *error = zsys_sprintf ("%s: not a secret certificate (make one with wsisctl keygen)", path);
        return -1;
    }
    wsis_curve_t *self = (wsis_curve_t *) wsis_calloc (1, sizeof (wsis_curve_t));
    self->cert = cert;
    s_peer_of (cert, &self->self);
    self->public_dir = zsys_sprintf ("%s/public", keys);
    if (zsys_file_mode (self->public_dir) == -1) {
        *error = zsys_sprintf ("%s: no such folder (the allowed certificates)", self->public_dir);
        wsis_curve_destroy (&self);
        return -1;
    }
    self->signature = s_signature (self->public_dir);
    self->allowed = s_read_allowed (self->public_dir);
    self->revoked = zhashx_new ();
    self->servers = zhashx_new ();
    zhashx_set_destructor (self->servers, (zhashx_destructor_fn *) zstr_free);
    self->read_at = zclock_mono ();
    *curve_p = self;
    return 0;
}

int
wsis_curve_load (const char *keys, const char *name, wsis_curve_t **curve_p, char **error)
{
    *curve_p = NULL;
    if (!keys || !*keys)
        return 0;
    char *path = zsys_sprintf ("%s/secret/%s.cert_secret", keys, name);
    int rc = wsis_curve_load_file (keys, path, curve_p, error);
    zstr_free (&path);
    return rc;
}

void
wsis_curve_destroy (wsis_curve_t **self_p)
{
    if (self_p && *self_p) {
        wsis_curve_t *self = *self_p;
        if (self->authenticating) {
            pthread_mutex_lock (&s_auth_lock);
            if (--s_auth_users == 0) {
                wsis_actor_destroy (&s_auth);
                zstr_free (&s_auth_dir);
            }
            pthread_mutex_unlock (&s_auth_lock);
        }
        zhashx_destroy (&self->allowed);
        zhashx_destroy (&self->revoked);
        zhashx_destroy (&self->servers);
        zcert_destroy (&self->cert);
        zstr_free (&self->public_dir);
        free (self);
        *self_p = NULL;
    }
}

int
wsis_curve_authenticate (wsis_curve_t *self, char **error)
{
    if (self->authenticating)
        return 0;
    int rc = 0;
    pthread_mutex_lock (&s_auth_lock);
    if (!s_auth) {
        s_auth = zactor_new (zauth, NULL);
        //  zauth answers each command once it is in force.
        zstr_sendx (s_auth, "CURVE", self->public_dir, NULL);
        zsock_wait (s_auth);
        s_auth_dir = wsis_strdup (self->public_dir);
    }
    if (streq (s_auth_dir, self->public_dir))
        s_auth_users++;
    else {
        *error = zsys_sprintf ("%s: this process already authenticates with %s",
                               self->public_dir, s_auth_dir);
        rc = -1;
    }
    pthread_mutex_unlock (&s_auth_lock);
    self->authenticating = rc == 0;
    return rc;
}

void
wsis_curve_serve (wsis_curve_t *self, zsock_t *socket)
{
    if (!self)
        return;
    zsock_set_zap_domain (socket, WSIS_CURVE_DOMAIN);
    int enforce = 1;
    zmq_setsockopt (zsock_resolve (socket), ZAP_ENFORCE_DOMAIN, &enforce, sizeof enforce);
    zcert_apply (self->cert, socket);
    zsock_set_curve_server (socket, 1);
}

//  The public key of server, from keys/public/SERVER.cert as it was when
//  the folder was last found changed (read once per change), or NULL
//  when the file cannot be read.
static const char *
s_server_key (wsis_curve_t *self, const char *server)
{
    const char *key = (const char *) zhashx_lookup (self->servers, server);
    if (key)
        return key;
    char *path = zsys_sprintf ("%s/%s.cert", self->public_dir, server);
    zcert_t *cert = zcert_load (path);
    zstr_free (&path);
    if (cert) {
        zhashx_update (self->servers, server, wsis_strdup (zcert_public_txt (cert)));
        zcert_destroy (&cert);
    }
    return (const char *) zhashx_lookup (self->servers, server);
}

int
wsis_curve_connect_to (wsis_curve_t *self, zsock_t *socket, const char *server, char **error)
{
    if (!self)
        return 0;
    const char *key = s_server_key (self, server);
    if (!key) {
        *error = zsys_sprintf ("%s/%s.cert: the certificate of %s cannot be read",
                               self->public_dir, server, server);
        return -1;
    }
    zcert_apply (self->cert, socket);
    zsock_set_curve_serverkey (socket, key);
    return 0;
}

bool
wsis_curve_rekeyed (wsis_curve_t *self, zsock_t *socket, const char *server)
{
    if (!self || !socket)
        return false;
    const char *key = s_server_key (self, server);
    char *used = zsock_curve_serverkey (socket);
    bool rekeyed = key && used && !streq (key, used);
    zstr_free (&used);
    return rekeyed;
}

bool
wsis_curve_reconnect (wsis_curve_t *self, zsock_t *socket, const char *server,
                      const char *endpoint)
{
    if (!wsis_curve_rekeyed (self, socket, server))
        return false;
    //  The options of a connection are taken when it is made: the new key
    //  counts for the connection made after the old one is gone.
    zsock_set_curve_serverkey (socket, s_server_key (self, server));
    zsock_disconnect (socket, "%s", endpoint);
    if (zsock_connect (socket, "%s", endpoint)) {
        wsis_log_error ("%s: cannot connect again after %s's key changed", endpoint, server);
        return false;
    }
    wsis_log_info ("%s's key changed: connected to %s again with the new one", server, endpoint);
    return true;
}

//  The peer of a connection, from what zauth attached to its messages,
//  checked against the allow-list as it is now. A key we have not read
//  yet was let in by zauth a moment ago, from a certificate added since
//  our last refresh: read the folder again (at most every 100 ms) and,
//  when that was just done, trust zauth's word for it.
static bool
s_peer (wsis_curve_t *self, const char *key, const char *role, const char *name, wsis_peer_t *peer)
{
    if (!key || zhashx_lookup (self->revoked, key))
        return false;
    const wsis_peer_t *allowed = (const wsis_peer_t *) zhashx_lookup (self->allowed, key);
    if (!allowed && zclock_mono () - self->read_at >= 100) {
        self->unreported += wsis_curve_refresh (self);
        if (!(allowed = (const wsis_peer_t *) zhashx_lookup (self->allowed, key)))
            return false;
    }
    peer->role = role? wsis_role_parse (role, strlen (role)): 0;
    snprintf (peer->name, sizeof peer->name, "%s", name? name: "");
    if (!allowed) {
        //  Trusted on zauth's word: allowed from now on as the certificate
        //  said, and the next refresh reads the folder whatever its
        //  signature, so a removal that comes before it (and leaves the
        //  folder as it was when last read) is still seen as a revocation.
        wsis_peer_t *trusted = (wsis_peer_t *) wsis_calloc (1, sizeof (wsis_peer_t));
        *trusted = *peer;
        zhashx_update (self->allowed, key, trusted);
        self->reread = true;
    }
    //  A certificate given another role or name under the same key since
    //  this connection was made: the connection speaks for the old one.
    return !allowed || (peer->role == allowed->role && streq (peer->name, allowed->name));
}

bool
wsis_curve_peer (wsis_curve_t *self, zframe_t *frame, wsis_peer_t *peer)
{
    return s_peer (self, zframe_meta (frame, "User-Id"), zframe_meta (frame, "role"),
                   zframe_meta (frame, "name"), peer);
}

bool
wsis_curve_peer_msg (wsis_curve_t *self, zmq_msg_t *msg, wsis_peer_t *peer)
{
    return s_peer (self, zmq_msg_gets (msg, "User-Id"), zmq_msg_gets (msg, "role"),
                   zmq_msg_gets (msg, "name"), peer);
}

size_t
wsis_curve_refresh (wsis_curve_t *self)
{
    self->read_at = zclock_mono ();
    self->checked++;
    uint64_t signature = s_signature (self->public_dir);
    if (signature == self->signature && !self->reread) {
        //  A revocation found by a lookup in between is reported here.
        size_t found = self->unreported;
        self->unreported = 0;
        return found;
    }
    self->signature = signature;
    self->reread = false;
    self->read++;
    //  A server's certificate may have been replaced: read again when asked.
    zhashx_purge (self->servers);
    zhashx_t *allowed = s_read_allowed (self->public_dir);
    size_t revoked = 0;
    for (void *peer = zhashx_first (self->allowed); peer; peer = zhashx_next (self->allowed)) {
        const char *key = (const char *) zhashx_cursor (self->allowed);
        const wsis_peer_t *now = (const wsis_peer_t *) zhashx_lookup (allowed, key);
        const wsis_peer_t *before = (const wsis_peer_t *) peer;
        if (!now || now->role != before->role || !streq (now->name, before->name)) {
            //  Its connections speak for what it was: refused from now on,
            //  until it is allowed again and connects again.
            if (!now)
                zhashx_update (self->revoked, key, (void *) 1);
            revoked++;
        }
    }
    for (void *peer = zhashx_first (allowed); peer; peer = zhashx_next (allowed))
        zhashx_delete (self->revoked, zhashx_cursor (allowed));
    zhashx_destroy (&self->allowed);
    self->allowed = allowed;
    revoked += self->unreported;
    self->unreported = 0;
    return revoked;
}

size_t
wsis_curve_allowed (wsis_curve_t *self)
{
    return zhashx_size (self->allowed);
}

const wsis_peer_t *
wsis_curve_self (wsis_curve_t *self)
{
    return &self->self;
}

uint64_t
wsis_curve_checked (wsis_curve_t *self)
{
    return self->checked;
}

uint64_t
wsis_curve_read (wsis_curve_t *self)
{
    return self->read;
}
