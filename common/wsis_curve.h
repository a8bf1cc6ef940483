/*  wsis_curve: CurveZMQ for one program (docs/design.md, "Security").

    A deployment's keys live in one folder (`wsis/keys`, made by `make
    keys` or `wsisctl keygen`):

        keys/public/NAME.cert         every certificate allowed to connect,
                                      servers' and clients' alike; its
                                      metadata names the role and the name
        keys/secret/NAME.cert_secret  NAME's secret key, mode 0600

    Every socket that listens is a CURVE server with its program's own key
    pair, and every connection is authenticated by CZMQ's zauth over
    keys/public, started before the first bind and stopped after the last
    socket, so libzmq never accepts a client for want of a ZAP handler.
    Every socket that connects is a CURVE client that knows its server's
    public key from keys/public/SERVER.cert. When that file changes (the
    server's key was rotated), the programs that connect to it notice on
    their next refresh and connect again with the new key
    (wsis_curve_rekeyed, wsis_curve_reconnect).

    Who sent a message is read from the message itself: zauth hands the
    certificate's metadata (role, name) and its public key (User-Id) to
    libzmq, which attaches them to every frame of that connection. A key
    removed from keys/public is refused at its next handshake by zauth
    and, without waiting for one, its messages are dropped from the next
    refresh (once a second) on.

        wsis_curve_t *curve = NULL;
        if (wsis_curve_load (keys, "voting", &curve, &error)) ...fail
        if (curve && wsis_curve_authenticate (curve, &error)) ...fail
        wsis_curve_serve (curve, router);           //  before bind
        wsis_curve_connect_to (curve, dealer, "submissions", &error);
        ...
        wsis_peer_t peer;
        if (wsis_curve_peer (curve, frame, &peer)) ...peer.role, peer.name
*/
#ifndef WSIS_CURVE_H
#define WSIS_CURVE_H

#include "wsis_role.h"

#include <czmq.h>
#include <stdbool.h>

typedef struct _wsis_curve_t wsis_curve_t;

//  The ZAP domain of every wsis server socket.
#define WSIS_CURVE_DOMAIN "wsis"

//  Who sent a message, as its certificate says.
typedef struct {
    wsis_role_t role;           //  0 when the certificate names no known role
    char name [129];            //  the certificate's name ("" when none)
} wsis_peer_t;

//  Loads the keys of the program called name from the folder keys: its
//  certificate keys/secret/NAME.cert_secret (refused when it is open to
//  group or others) and the allow-list keys/public. An empty keys is
//  development mode: *curve_p is NULL and 0 is returned. -1 with *error
//  one line naming the file (caller frees).
int wsis_curve_load (const char *keys, const char *name, wsis_curve_t **curve_p, char **error);

//  The same with the secret certificate at path (wsisctl --cert).
int wsis_curve_load_file (const char *keys, const char *path, wsis_curve_t **curve_p, char **error);

void wsis_curve_destroy (wsis_curve_t **self_p);

//  Starts authentication of incoming connections for this process (one
//  zauth for all, counted, over keys/public). Before the first bind. 0, or
//  -1 with *error when another keys folder is already served here.
int wsis_curve_authenticate (wsis_curve_t *self, char **error);

//  Makes socket a CURVE server with this program's keys, in the wsis ZAP
//  domain (enforced where libzmq offers ZMQ_ZAP_ENFORCE_DOMAIN). Before
//  bind. Nothing in development mode (self NULL).
void wsis_curve_serve (wsis_curve_t *self, zsock_t *socket);

//  Makes socket a CURVE client of the program called server, whose public
//  key is in keys/public/SERVER.cert. Before connect. Nothing in
//  development mode. 0, or -1 with *error (caller frees).
int wsis_curve_connect_to (wsis_curve_t *self, zsock_t *socket, const char *server, char **error);

//  Rotation of a server's key: true when socket, made a CURVE client of
//  server by wsis_curve_connect_to, was connected with another public key
//  than keys/public/SERVER.cert holds now (as of the last refresh that
//  found the folder changed). False in development mode, and while the
//  file cannot be read (a rotation half done keeps the key in use).
bool wsis_curve_rekeyed (wsis_curve_t *self, zsock_t *socket, const char *server);

//  Connects socket to endpoint again, as a client of server with the key
//  keys/public/SERVER.cert holds now, when wsis_curve_rekeyed says it
//  changed: libzmq would otherwise reconnect forever with the old one.
//  The socket, its options and its place in a zloop stay; what was queued
//  on the old connection is dropped. True when it was connected again.
bool wsis_curve_reconnect (wsis_curve_t *self, zsock_t *socket, const char *server,
                           const char *endpoint);

//  Who sent frame (one received on a CURVE server socket): true with peer
//  filled in when its key is still allowed; false when it was revoked
//  since it connected, or the frame carries no CURVE identity.
bool wsis_curve_peer (wsis_curve_t *self, zframe_t *frame, wsis_peer_t *peer);
//  The same for a libzmq message (a proxy that moves zmq_msg_t).
bool wsis_curve_peer_msg (wsis_curve_t *self, zmq_msg_t *msg, wsis_peer_t *peer);

//  Reads keys/public again when it changed since the last call. Returns
//  how many keys are no longer allowed (0: nothing was revoked). Once a
//  second is enough.
size_t wsis_curve_refresh (wsis_curve_t *self);

//  How many certificates are allowed now.
size_t wsis_curve_allowed (wsis_curve_t *self);

//  Since this process started: how many times keys/public was looked at
//  (each wsis_curve_refresh), and how many times it was found changed and
//  read again. A removal made before a check is in force once the check
//  count has moved on.
uint64_t wsis_curve_checked (wsis_curve_t *self);
uint64_t wsis_curve_read (wsis_curve_t *self);

//  This program's own name and role, from its certificate.
const wsis_peer_t *wsis_curve_self (wsis_curve_t *self);

#endif
