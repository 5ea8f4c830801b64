"""The published fair of the web tests, served by the real app."""

from tests.web.conftest import published_fair, settings, site  # noqa: F401
