"""Domain, persistence and use cases of the virtual trade fair."""
