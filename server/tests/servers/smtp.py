"""A real SMTP server for OpsFlow's tests (aiosmtpd): takes mail on 127.0.0.1 at a free port,
signs in one user (AUTH PLAIN/LOGIN, allowed without TLS on this test bench), and writes each
message it accepts as JSON ({mail_from, rcpt_tos, data}) into a directory, one file per message.

    python smtp.py DIR USER PASSWORD      prints "PORT" when it listens, runs until killed
"""
import asyncio
import json
import os
import socket
import sys
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Store:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        message = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf8", errors="replace"),
        }
        path = os.path.join(self.directory, f"{uuid.uuid4()}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(message, f)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)
    return check


def main():
    directory, user, password = sys.argv[1:4]
    # aiosmtpd connects to its own port to see it is up, so it needs a real one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        Store(directory),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator(user, password),
        auth_require_tls=False,
    )
    controller.start()
    print(port, flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    main()
