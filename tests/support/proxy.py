"""A TCP hop in front of a server that a test can cut, stall or restore, to play an outage of
the server without touching it (the server every other test shares stays up)."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress

from tests.support.stack import free_port


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target`. `refuse` closes every connection and stops
    listening (a server that is down); `stall` keeps connections open but carries nothing,
    new ones included (a server that hangs); `restore` carries on as before."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    def start(self) -> None:
        """Listen and forward."""
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def refuse(self) -> None:
        """Close the listener and every connection."""
        self._flowing.set()
        with self._lock:
            doomed = list(self._sockets) + ([self._listener] if self._listener else [])
            self._sockets.clear()
            self._listener = None
        for sock in doomed:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def stall(self) -> None:
        """Hold every byte, on open connections and on new ones, until `restore`."""
        self._flowing.clear()

    def restore(self) -> None:
        """Carry bytes again; listen again if refusing."""
        self._flowing.set()
        if self._listener is None:
            self.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by refuse
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._sockets -= {source, sink}
