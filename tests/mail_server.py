"""Debian's Dovecot as a real IMAP server on loopback, configured in a temporary directory: a test
CA and a server certificate made with `openssl`, one passwd-file user, maildir storage, IMAPS and
IMAP (+STARTTLS) listeners on free ports. Used by the mailbox tests and bench/mailbox.py.

The mail is owned by a non-root uid (the current user, or `nobody` when running as root); Dovecot's
own processes run as the users its Debian package creates (`dovecot`, `dovenull`) under root, as the
current user otherwise."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "watcher"
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key): the server's names are localhost and
    127.0.0.1, signed by a CA made for this run only."""
    ca_key, ca_crt = directory / "ca.key", directory / "ca.crt"
    key, csr, crt = directory / "server.key", directory / "server.csr", directory / "server.crt"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_crt),
             "-days", "2", "-subj", "/CN=provider-watcher test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=localhost")
    extensions = directory / "server.ext"
    extensions.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
             "-out", str(crt), "-days", "2", "-extfile", str(extensions))
    return ca_crt, crt, key


class Dovecot:
    """One Dovecot instance; `start()` returns once both listeners answer."""

    def __init__(self, *, idle: bool = True) -> None:
        # Under /tmp itself, not pytest's private tree: the mail's owner must reach its home.
        self.directory = Path(tempfile.mkdtemp(prefix="watcher-imap-"))
        self.idle = idle
        self.tls_port = free_port()
        self.plain_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.ca_file, self.cert, self.key = make_certificates(self.directory)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("nobody")
            self.internal_user, self.login_user = "dovecot", "dovenull"
        else:
            owner = pwd.getpwuid(os.geteuid())
            self.internal_user = self.login_user = owner.pw_name
        self.uid, self.gid = owner.pw_uid, owner.pw_gid
        self.home = self.directory / "home"
        self.passwd = self.directory / "passwd"
        self.set_password(PASSWORD)

    def set_password(self, password: str) -> None:
        """Dovecot reads the passwd-file on every login: a change applies at once."""
        self.passwd.write_text(f"{USER}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{self.home}\n")
        self.passwd.chmod(0o644)

    def _config(self) -> Path:
        config = self.directory / "dovecot.conf"
        capability = "" if self.idle else "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID " \
                                          "ENABLE UIDPLUS MOVE NAMESPACE\n"
        config.write_text(f"""
base_dir = {self.directory}/run
state_dir = {self.directory}/state
log_path = {self.directory}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {self.internal_user}
default_internal_group = {grp.getgrgid(pwd.getpwnam(self.internal_user).pw_gid).gr_name}
default_login_user = {self.login_user}
first_valid_uid = {self.uid}
first_valid_gid = {self.gid}
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
{capability}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.passwd}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")
        return config

    def start(self) -> None:
        for name in ("run", "state"):
            (self.directory / name).mkdir(exist_ok=True)
        self.home.mkdir(exist_ok=True)
        os.chown(self.home, self.uid, self.gid)
        self.directory.chmod(0o755)  # the mail's owner reaches its home below it
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self._config())], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"dovecot exited: {said}\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.tls_port), timeout=1), \
                        socket.create_connection(("127.0.0.1", self.plain_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen within 20 s\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def client(self) -> IMAPClient:
        """A logged-in client of the test's own (appending, deleting folders), over IMAPS."""
        client = IMAPClient("127.0.0.1", port=self.tls_port, ssl=True, ssl_context=self.ssl_context(), timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)


def running() -> Iterator[Dovecot]:
    """A started Dovecot for the length of a fixture, stopped even when the test fails."""
    dovecot = Dovecot()
    dovecot.start()
    try:
        yield dovecot
    finally:
        dovecot.stop()
