/*  wsisctl_keygen: keygen NAME --role ROLE [--dir DIR], the certificates
    of a deployment (docs/design.md, "Security").

    DIR/public/NAME.cert holds the public key and the metadata every server
    reads the sender's role and name from; it is what the allow-list
    holds. DIR/secret/NAME.cert_secret holds the key pair and never leaves
    NAME's machine (mode 0600 in a 0700 folder). An existing certificate is
    never overwritten: rotating a key is a new name, or removing the old
    files first, on purpose.
*/
#include "wsisctl.h"
#include "wsis_secret.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  A name is what the certificate's holder is called everywhere: a
//  service name, "operator", "ana", a stakeholder id.
static bool
s_valid_name (const char *name)
{
    size_t length = strlen (name);
    if (length == 0 || length > 128 || *name == '.' || *name == '-')
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
           || *c == '-' || *c == '_' || *c == '.'))
            return false;
    return true;
}

//  Makes path (and nothing above it) with mode, or accepts it when there.
static int
s_folder (const char *path, mode_t mode)
{
    if (mkdir (path, mode) && errno != EEXIST) {
        fprintf (stderr, "wsisctl: %s: %s\n", path, strerror (errno));
        return -1;
    }
    return 0;
}

int
wsisctl_keygen (const char *dir, const char *name, const char *role)
{
    if (!s_valid_name (name)) {
        fprintf (stderr, "wsisctl: keygen: NAME '%s' must be 1-128 letters, digits, '-', '_' "
                 "or '.', not starting with '.' or '-'\n", name);
        return WSISCTL_EXIT_FAILED;
    }
    if (!role || !wsis_role_parse (role, strlen (role))) {
        fprintf (stderr, "wsisctl: keygen: --role must be one of public stakeholder staff expert "
                 "operator gateway service publisher\n");
        return WSISCTL_EXIT_FAILED;
    }
    char *public_dir = zsys_sprintf ("%s/public", dir);
    char *secret_dir = zsys_sprintf ("%s/secret", dir);
    char *public_path = zsys_sprintf ("%s/%s.cert", public_dir, name);
    char *secret_path = zsys_sprintf ("%s/%s.cert_secret", secret_dir, name);
    int exit_code = WSISCTL_EXIT_FAILED;
    zcert_t *cert = NULL;
    if (s_folder (dir, 0755) || s_folder (public_dir, 0755) || s_folder (secret_dir, 0700))
        goto done;
    chmod (secret_dir, 0700);
    if (access (public_path, F_OK) == 0 || access (secret_path, F_OK) == 0) {
        fprintf (stderr, "wsisctl: keygen: %s already has a certificate in %s; remove %s and %s "
                 "first to replace it\n", name, dir, public_path, secret_path);
        goto done;
    }
    cert = zcert_new ();
    zcert_set_meta (cert, "role", "%s", role);
    zcert_set_meta (cert, "name", "%s", name);
    //  zcert_save_secret sets the process umask to 022 when it is done; the
    //  secret is written by zcert, then locked down before anyone can use it.
    mode_t umask_before = umask (077);
    const char *failed = NULL;
    if (zcert_save_secret (cert, secret_path) || chmod (secret_path, 0600))
        failed = secret_path;
    else
    if (zcert_save_public (cert, public_path) || chmod (public_path, 0644))
        failed = public_path;
    umask (umask_before);
    if (failed) {
        fprintf (stderr, "wsisctl: keygen: cannot write %s: %s\n", failed, strerror (errno));
        goto done;
    }
    printf ("%s\n%s\n", public_path, secret_path);
    exit_code = WSISCTL_EXIT_OK;
done:
    zcert_destroy (&cert);
    zstr_free (&public_dir);
    zstr_free (&secret_dir);
    zstr_free (&public_path);
    zstr_free (&secret_path);
    return exit_code;
}
