"""Pure meeting scheduler: a `Problem` in, a `Result` out (no database, no web)."""
