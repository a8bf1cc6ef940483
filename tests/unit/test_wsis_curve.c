/*  test_wsis_curve: CURVE, zauth and who is asking (docs/protocol.md
    section 6, docs/design.md "Security").

    A keys folder laid out as wsisctl keygen writes it, real sockets over
    tcp://127.0.0.1 and the process's one zauth. Covered: development mode
    (no keys), a secret open to others refused by name, a server's
    certificate that is missing, a client allowed and one that is not, the
    peer's role and name from its certificate, revocation (a refresh that
    finds a key gone shuts its open connection out), a key added after
    start, the identity rules of wsis_server with keys (a gateway or an
    operator acts for others, anyone else is their certificate), and a
    server's key rotated (a client connects again with the new key).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wsis_curve.h"
#include "wsis_server.h"
#include "test_runtime.h"

typedef struct {
    char dir [64];
    char public_dir [96];
    wsis_curve_t *server;       //  "svc", authenticating
    zsock_t *router;
    char endpoint [64];
} fixture_t;

//  keys/public/NAME.cert and keys/secret/NAME.cert_secret; role NULL: a
//  certificate that names none.
static void
s_keygen (fixture_t *fixture, const char *name, const char *role)
{
    zcert_t *cert = zcert_new ();
    if (role)
        zcert_set_meta (cert, "role", "%s", role);
    zcert_set_meta (cert, "name", "%s", name);
    char path [160];
    snprintf (path, sizeof path, "%s/secret/%s.cert_secret", fixture->dir, name);
    assert_int_equal (zcert_save_secret (cert, path), 0);
    assert_int_equal (chmod (path, 0600), 0);
    snprintf (path, sizeof path, "%s/public/%s.cert", fixture->dir, name);
    assert_int_equal (zcert_save_public (cert, path), 0);
    zcert_destroy (&cert);
}

static void
s_revoke (fixture_t *fixture, const char *name)
{
    char path [160];
    snprintf (path, sizeof path, "%s/public/%s.cert", fixture->dir, name);
    assert_int_equal (unlink (path), 0);
}

static wsis_curve_t *
s_load (fixture_t *fixture, const char *name)
{
    wsis_curve_t *curve = NULL;
    char *error = NULL;
    if (wsis_curve_load (fixture->dir, name, &curve, &error))
        print_error ("%s\n", error);
    assert_non_null (curve);
    return curve;
}

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_int_equal (test_tempdir_make (fixture->dir, sizeof fixture->dir, "test_wsis_curve"), 0);
    char path [128];
    snprintf (path, sizeof path, "%s/public", fixture->dir);
    assert_int_equal (mkdir (path, 0755), 0);
    snprintf (path, sizeof path, "%s/secret", fixture->dir);
    assert_int_equal (mkdir (path, 0700), 0);
    s_keygen (fixture, "svc", "service");
    s_keygen (fixture, "ana", "staff");
    s_keygen (fixture, "gw", "gateway");
    s_keygen (fixture, "op", "operator");
    s_keygen (fixture, "stk-7", "stakeholder");
    s_keygen (fixture, "nobody", NULL);
    fixture->server = s_load (fixture, "svc");
    char *error = NULL;
    assert_int_equal (wsis_curve_authenticate (fixture->server, &error), 0);
    snprintf (fixture->endpoint, sizeof fixture->endpoint, "tcp://127.0.0.1:%d", test_free_port ());
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    zsock_destroy (&fixture->router);
    wsis_curve_destroy (&fixture->server);
    //  The keys folder has folders of its own
    zdir_t *dir = zdir_new (fixture->dir, NULL);
    zdir_remove (dir, true);
    zdir_destroy (&dir);
    int rc = zsys_file_exists (fixture->dir)? -1: 0;
    free (fixture);
    return rc;
}

//  A ROUTER that is a CURVE server, bound.
static void
s_bind_router (fixture_t *fixture)
{
    fixture->router = zsock_new (ZMQ_ROUTER);
    wsis_curve_serve (fixture->server, fixture->router);
    assert_int_not_equal (zsock_bind (fixture->router, "%s", fixture->endpoint), -1);
}

//  A DEALER with the certificate of name (NULL: a key pair nobody knows).
static zsock_t *
s_client (fixture_t *fixture, const char *name)
{
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    zsock_set_linger (dealer, 0);
    char *error = NULL;
    if (name) {
        wsis_curve_t *curve = s_load (fixture, name);
        assert_int_equal (wsis_curve_connect_to (curve, dealer, "svc", &error), 0);
        wsis_curve_destroy (&curve);
    }
    else {
        zcert_t *cert = zcert_new ();
        zcert_apply (cert, dealer);
        zcert_destroy (&cert);
        //  The server's key, from its certificate, like any client.
        char path [160];
        snprintf (path, sizeof path, "%s/public/svc.cert", fixture->dir);
        zcert_t *server = zcert_load (path);
        zsock_set_curve_serverkey (dealer, zcert_public_txt (server));
        zcert_destroy (&server);
    }
    assert_int_equal (zsock_connect (dealer, "%s", fixture->endpoint), 0);
    return dealer;
}

//  The next message on the router within timeout_ms, or NULL.
static zmsg_t *
s_receive (zsock_t *router, int timeout_ms)
{
    zpoller_t *poller = zpoller_new (router, NULL);
    zmsg_t *msg = zpoller_wait (poller, timeout_ms)? zmsg_recv (router): NULL;
    zpoller_destroy (&poller);
    return msg;
}


//  --------------------------------------------------------------------------

static void
test_development_mode (void **state)
{
    wsis_curve_t *curve = (wsis_curve_t *) 1;
    char *error = NULL;
    assert_int_equal (wsis_curve_load ("", "svc", &curve, &error), 0);
    assert_null (curve);
    assert_null (error);
    //  Nothing to do to a socket
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    wsis_curve_serve (NULL, socket);
    assert_int_equal (wsis_curve_connect_to (NULL, socket, "svc", &error), 0);
    assert_int_equal (zsock_mechanism (socket), ZMQ_NULL);
    zsock_destroy (&socket);
}

static void
test_refusals_name_the_file (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char path [160];
    snprintf (path, sizeof path, "%s/secret/ana.cert_secret", fixture->dir);
    assert_int_equal (chmod (path, 0644), 0);
    wsis_curve_t *curve = NULL;
    char *error = NULL;
    assert_int_equal (wsis_curve_load (fixture->dir, "ana", &curve, &error), -1);
    assert_null (curve);
    assert_non_null (strstr (error, path));
    assert_non_null (strstr (error, "0644"));
    free (error);
    //  No certificate at all
    assert_int_equal (wsis_curve_load (fixture->dir, "zoe", &curve, &error), -1);
    assert_non_null (strstr (error, "zoe.cert_secret"));
    free (error);
    //  A server whose certificate is not there
    curve = s_load (fixture, "gw");
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    assert_int_equal (wsis_curve_connect_to (curve, socket, "nowhere", &error), -1);
    assert_non_null (strstr (error, "nowhere.cert"));
    free (error);
    zsock_destroy (&socket);
    wsis_curve_destroy (&curve);
}

static void
test_peers_and_revocation (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_bind_router (fixture);
    assert_int_equal (wsis_curve_allowed (fixture->server), 6);
    assert_string_equal (wsis_curve_self (fixture->server)->name, "svc");

    zsock_t *ana = s_client (fixture, "ana");
    zsock_t *stranger = s_client (fixture, NULL);
    zstr_send (stranger, "let me in");
    zstr_send (ana, "hello");
    zmsg_t *msg = s_receive (fixture->router, 5000);
    assert_non_null (msg);
    wsis_peer_t peer;
    assert_true (wsis_curve_peer (fixture->server, zmsg_last (msg), &peer));
    assert_int_equal (peer.role, WSIS_ROLE_STAFF);
    assert_string_equal (peer.name, "ana");
    zmsg_destroy (&msg);
    //  The stranger's message never came through the handshake
    assert_null (s_receive (fixture->router, 300));

    //  Nothing changed: nothing revoked
    assert_int_equal (wsis_curve_refresh (fixture->server), 0);
    //  ana's certificate removed: the open connection still delivers, but
    //  its messages are no longer ana's
    s_revoke (fixture, "ana");
    assert_int_equal (wsis_curve_refresh (fixture->server), 1);
    assert_int_equal (wsis_curve_allowed (fixture->server), 5);
    zstr_send (ana, "still me");
    msg = s_receive (fixture->router, 5000);
    assert_non_null (msg);
    assert_false (wsis_curve_peer (fixture->server, zmsg_last (msg), &peer));
    zmsg_destroy (&msg);
    //  A new connection with it is refused by zauth
    zsock_t *again = s_client (fixture, "ana");
    zstr_send (again, "me again");
    assert_null (s_receive (fixture->router, 300));

    //  A certificate added while running is let in at once
    s_keygen (fixture, "bea", "expert");
    zsock_t *bea = s_client (fixture, "bea");
    zstr_send (bea, "new here");
    msg = s_receive (fixture->router, 5000);
    assert_non_null (msg);
    assert_true (wsis_curve_peer (fixture->server, zmsg_last (msg), &peer));
    assert_int_equal (peer.role, WSIS_ROLE_EXPERT);
    assert_string_equal (peer.name, "bea");
    zmsg_destroy (&msg);
    zsock_destroy (&bea);
    zsock_destroy (&again);
    zsock_destroy (&stranger);
    zsock_destroy (&ana);
}


//  --------------------------------------------------------------------------
//  A key zauth let in just after a read of the folder is trusted on its
//  word; if its certificate is gone by the next read, that is a
//  revocation, even when the folder is then just as it was when last read
//  (the bus lets such a subscriber hear every event until it is told).
static void
test_trusted_key_removed_is_revoked (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_bind_router (fixture);
    s_keygen (fixture, "cleo", "gateway");
    zsock_t *cleo = s_client (fixture, "cleo");
    zstr_send (cleo, "hello");
    zmsg_t *msg = s_receive (fixture->router, 5000);
    assert_non_null (msg);
    //  Her certificate goes before the service reads the folder, and the
    //  read comes just before her message is judged: the folder has the
    //  signature it had before she came, and her key is not in it.
    char path [160], aside [170];
    snprintf (path, sizeof path, "%s/public/cleo.cert", fixture->dir);
    snprintf (aside, sizeof aside, "%s.aside", path);
    assert_int_equal (rename (path, aside), 0);
    assert_int_equal (wsis_curve_refresh (fixture->server), 0);
    wsis_peer_t peer;
    assert_true (wsis_curve_peer (fixture->server, zmsg_last (msg), &peer));
    assert_int_equal (peer.role, WSIS_ROLE_GATEWAY);
    zmsg_destroy (&msg);
    //  The next read tells the service: one revocation, and her messages
    //  are refused from then on.
    assert_int_equal (wsis_curve_refresh (fixture->server), 1);
    zstr_send (cleo, "still me");
    msg = s_receive (fixture->router, 5000);
    assert_non_null (msg);
    assert_false (wsis_curve_peer (fixture->server, zmsg_last (msg), &peer));
    zmsg_destroy (&msg);
    //  Back in the folder: allowed again, and nothing more is revoked.
    assert_int_equal (rename (aside, path), 0);
    assert_int_equal (wsis_curve_refresh (fixture->server), 0);
    zsock_destroy (&cleo);
}


//  --------------------------------------------------------------------------
//  Who is asking, as wsis_server decides with keys

//  whoami: {role, actor} as the handler sees them.
static int
s_op_whoami (wsis_service_t *service, wsis_request_t *request, wsis_reply_t *reply)
{
    msgpack_pack_map (&reply->pk, 2);
    wsis_pack_kv_str (&reply->pk, "role", wsis_role_name (request->role));
    wsis_pack_kv_str (&reply->pk, "actor", request->actor_id);
    return 0;
}

static const wsis_op_t s_ops [] = {
    { "whoami", s_op_whoami, WSIS_ROLE_PUBLIC, 0, NULL },
    { NULL }
};

//  Sends whoami as name's certificate, claiming role and actor (NULL: not
//  given), and expects the handler to see role and actor.
static void
s_expect_identity (fixture_t *fixture, wsis_server_t *server, const char *name,
                   const char *claimed_role, const char *claimed_actor,
                   const char *role, const char *actor)
{
    zsock_t *client = s_client (fixture, name);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, claimed_role || claimed_actor? 4: 3);
    wsis_pack_kv_int (&pk, "v", 1);
    wsis_pack_kv_str (&pk, "id", "w");
    wsis_pack_kv_str (&pk, "op", "whoami");
    if (claimed_role || claimed_actor) {
        wsis_pack_str (&pk, "actor");
        msgpack_pack_map (&pk, (claimed_role? 1: 0) + (claimed_actor? 1: 0));
        if (claimed_role)
            wsis_pack_kv_str (&pk, "role", claimed_role);
        if (claimed_actor)
            wsis_pack_kv_str (&pk, "id", claimed_actor);
    }
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, "", 0);
    zmsg_addmem (msg, buffer.data, buffer.size);
    zmsg_send (&msg, client);
    msgpack_sbuffer_destroy (&buffer);
    zpoller_t *poller = zpoller_new (client, NULL);
    for (int spins = 0; spins < 500 && !zpoller_wait (poller, 10); spins++)
        wsis_server_process (server);
    zpoller_destroy (&poller);
    zmsg_t *reply = zmsg_recv (client);
    assert_non_null (reply);
    zframe_t *frame = zmsg_last (reply);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert_int_equal (msgpack_unpack_next (&unpacked, (const char *) zframe_data (frame),
                                           zframe_size (frame), NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *body = wsis_msg_get (&unpacked.data, "body");
    assert_non_null (body);
    assert_true (wsis_msg_str_equals (wsis_msg_get (body, "role"), role));
    assert_true (wsis_msg_str_equals (wsis_msg_get (body, "actor"), actor));
    msgpack_unpacked_destroy (&unpacked);
    zmsg_destroy (&reply);
    zsock_destroy (&client);
}

static void
test_identity_from_certificates (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    test_runtime_t runtime;
    test_runtime_setup (&runtime, "test_wsis_curve_server", NULL);
    wsis_server_t *server = wsis_server_new (runtime.batch, runtime.retry, NULL);
    assert_int_equal (wsis_server_add_ops (server, s_ops), 0);
    wsis_server_set_curve (server, fixture->server);
    char *error = NULL;
    assert_int_equal (wsis_server_bind (server, fixture->endpoint, &error), 0);

    //  Anyone but a gateway or an operator is their certificate
    s_expect_identity (fixture, server, "ana", "gateway", "stk-7", "staff", "ana");
    s_expect_identity (fixture, server, "stk-7", "staff", "boss", "stakeholder", "stk-7");
    s_expect_identity (fixture, server, "stk-7", NULL, NULL, "stakeholder", "stk-7");
    s_expect_identity (fixture, server, "nobody", "operator", NULL, "public", "nobody");
    //  A gateway acts for the people who sign in on the web...
    s_expect_identity (fixture, server, "gw", "stakeholder", "stk-9", "stakeholder", "stk-9");
    s_expect_identity (fixture, server, "gw", "staff", "ana", "staff", "ana");
    s_expect_identity (fixture, server, "gw", NULL, NULL, "gateway", "gw");
    s_expect_identity (fixture, server, "gw", NULL, "stk-9", "gateway", "stk-9");
    //  ...never as an operator, a service or another system
    s_expect_identity (fixture, server, "gw", "operator", "x", "gateway", "x");
    s_expect_identity (fixture, server, "gw", "service", "voting", "gateway", "voting");
    s_expect_identity (fixture, server, "gw", "publisher", "app", "gateway", "app");
    //  An operator acts for anyone
    s_expect_identity (fixture, server, "op", "service", "voting", "service", "voting");
    s_expect_identity (fixture, server, "op", NULL, NULL, "operator", "op");

    wsis_server_destroy (&server);
    assert_int_equal (test_runtime_teardown (&runtime), 0);
}

//  --------------------------------------------------------------------------
//  A server's key rotated: its certificate replaced, the server started
//  again with the new secret. A client socket made with the old key is
//  told so after the next refresh that sees the file changed, and is
//  connected again with the new one; one left alone gets nowhere.
static void
test_server_key_rotation (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_bind_router (fixture);
    wsis_curve_t *ana = s_load (fixture, "ana");
    char *error = NULL;
    zsock_t *followed = zsock_new (ZMQ_DEALER);
    zsock_t *left = zsock_new (ZMQ_DEALER);
    zsock_set_linger (followed, 0);
    zsock_set_linger (left, 0);
    assert_int_equal (wsis_curve_connect_to (ana, followed, "svc", &error), 0);
    assert_int_equal (wsis_curve_connect_to (ana, left, "svc", &error), 0);
    assert_int_equal (zsock_connect (followed, "%s", fixture->endpoint), 0);
    assert_int_equal (zsock_connect (left, "%s", fixture->endpoint), 0);
    zstr_send (followed, "before");
    zmsg_t *msg = s_receive (fixture->router, 5000);
    assert_non_null (msg);
    zmsg_destroy (&msg);
    //  Nothing changed: nothing to do, and the look is counted as such
    assert_false (wsis_curve_rekeyed (ana, followed, "svc"));
    uint64_t checked = wsis_curve_checked (ana), read = wsis_curve_read (ana);
    wsis_curve_refresh (ana);
    assert_int_equal (wsis_curve_checked (ana), checked + 1);
    assert_int_equal (wsis_curve_read (ana), read);
    assert_false (wsis_curve_reconnect (ana, followed, "svc", fixture->endpoint));

    //  The rotation: new files, the server bound again with them
    char path [160];
    snprintf (path, sizeof path, "%s/secret/svc.cert_secret", fixture->dir);
    assert_int_equal (unlink (path), 0);
    s_revoke (fixture, "svc");
    s_keygen (fixture, "svc", "service");
    zsock_destroy (&fixture->router);
    wsis_curve_t *rotated = s_load (fixture, "svc");
    fixture->router = zsock_new (ZMQ_ROUTER);
    wsis_curve_serve (rotated, fixture->router);
    //  The old socket lets go of the port in libzmq's own time
    int bound = -1;
    for (int tries = 0; tries < 200 && bound == -1; tries++)
        if ((bound = zsock_bind (fixture->router, "%s", fixture->endpoint)) == -1)
            zclock_sleep (10);
    assert_int_not_equal (bound, -1);

    //  Seen at the next refresh that finds the folder changed, not before
    assert_false (wsis_curve_rekeyed (ana, followed, "svc"));
    wsis_curve_refresh (ana);
    assert_int_equal (wsis_curve_read (ana), read + 1);
    assert_true (wsis_curve_rekeyed (ana, followed, "svc"));
    assert_true (wsis_curve_reconnect (ana, followed, "svc", fixture->endpoint));
    assert_false (wsis_curve_rekeyed (ana, followed, "svc"));
    assert_true (wsis_curve_rekeyed (ana, left, "svc"));
    zstr_send (left, "old key");
    zstr_send (followed, "after");
    msg = s_receive (fixture->router, 5000);
    assert_non_null (msg);
    assert_true (zframe_streq (zmsg_last (msg), "after"));
    zmsg_destroy (&msg);
    assert_null (s_receive (fixture->router, 300));
    //  Development mode, and a socket not made yet: nothing to follow
    assert_false (wsis_curve_rekeyed (NULL, followed, "svc"));
    assert_false (wsis_curve_rekeyed (ana, NULL, "svc"));

    zsock_destroy (&left);
    zsock_destroy (&followed);
    zsock_destroy (&fixture->router);
    wsis_curve_destroy (&rotated);
    wsis_curve_destroy (&ana);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_development_mode),
        cmocka_unit_test_setup_teardown (test_refusals_name_the_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_peers_and_revocation, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_trusted_key_removed_is_revoked, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_identity_from_certificates, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_server_key_rotation, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
