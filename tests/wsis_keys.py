"""A deployment's CURVE keys for tests and benches, laid out as wsis
reads them (docs/design.md, "Security"):

    keys/public/NAME.cert          allowed certificates, with role and name
    keys/secret/NAME.cert_secret   key pairs, mode 0600

The services' certificates, the operator's and any the test asks for are
made by the real `wsisctl keygen`, so the tool is tested with every secure
cluster. A client certificate for a (role, name) pair is made on first use.
"""
import os
import subprocess

import zmq
import zmq.auth


class Keys:
    def __init__(self, folder, wsisctl, services):
        self.folder = folder
        self.wsisctl = wsisctl
        self.made = {}
        for name in services:
            # wsis-gateway acts for the people it serves: its role is gateway
            self.make(name, "gateway" if name == "gateway" else "service")
        self.make("operator", "operator")

    @classmethod
    def existing(cls, folder, wsisctl):
        """The keys of a deployment made already (scripts/make-keys.sh):
        client certificates are added to it as they are needed."""
        keys = cls.__new__(cls)
        keys.folder, keys.wsisctl, keys.made = folder, wsisctl, {}
        for file in os.listdir(os.path.join(folder, "public")):
            if file.endswith(".cert"):
                keys.made[file[:-5]] = None
        return keys

    def public_path(self, file):
        return os.path.join(self.folder, "public", f"{file}.cert")

    def secret_path(self, file):
        return os.path.join(self.folder, "secret", f"{file}.cert_secret")

    def make(self, name, role):
        """A certificate made by wsisctl keygen, the file named after its holder."""
        subprocess.run([self.wsisctl, "keygen", name, "--role", role, "--dir", str(self.folder)],
                       check=True, capture_output=True, timeout=30)
        self.made[name] = role
        return name

    def write(self, file, role, name):
        """A certificate in the files keygen writes, under a file name of
        the test's choosing: one holder name may then have two roles."""
        public, secret = zmq.curve_keypair()
        meta = f'metadata\n    name = "{name}"\n    role = "{role}"\n'
        with open(self.public_path(file), "w") as out:
            out.write(f'{meta}curve\n    public-key = "{public.decode()}"\n')
        path = self.secret_path(file)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(f'{meta}curve\n    public-key = "{public.decode()}"\n'
                      f'    secret-key = "{secret.decode()}"\n')
        self.made[file] = role
        return file

    def client(self, role, name):
        """The certificate file of a client (role, name), made on first use.
        Gateways and operators act for others, so one of each will do."""
        if role in ("operator", "gateway") or not name:
            file, name = role, role
        else:
            file = f"{role}.{name}"
        if file not in self.made:
            self.write(file, role, name)
        return file

    def server_key(self, server):
        public, _ = zmq.auth.load_certificate(self.public_path(server))
        return public

    def client_keys(self, file, server):
        """(public, secret, server's public): what a CURVE client of server
        with the certificate file uses."""
        public, secret = zmq.auth.load_certificate(self.secret_path(file))
        return public, secret, self.server_key(server)

    def apply(self, socket, file, server):
        """Makes socket a CURVE client of server with the certificate file."""
        socket.curve_publickey, socket.curve_secretkey, socket.curve_serverkey = \
            self.client_keys(file, server)

    def revoke(self, file):
        """Removes a certificate from the allow-list, as an operator does."""
        os.remove(self.public_path(file))
