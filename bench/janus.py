"""Janus for `fair bench stage`: the runner of `web/media_server.py`."""

from web.media_server import JANUS, JanusServer, free_tcp_port, janus_binary, running_janus

__all__ = ["JANUS", "JanusServer", "free_tcp_port", "janus_binary", "running_janus"]
