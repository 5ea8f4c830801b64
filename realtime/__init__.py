"""socket.io adapters over `fair`: live negotiation rooms and counters."""
