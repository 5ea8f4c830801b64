"""HTTP adapters over `fair`: pages, JSON API and calendar feeds."""
