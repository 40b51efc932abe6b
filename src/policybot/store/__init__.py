"""policybot.store: the index behind one interface (``base.Store``), on files or PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from policybot.config import Settings, StoreBackend

if TYPE_CHECKING:
    from policybot.store.base import Store

__all__ = ["open_store"]


def open_store(settings: Settings) -> Store:
    """The store ``settings`` choose (``POLICYBOT_STORE``): built at the edges and passed down."""
    if settings.store is StoreBackend.POSTGRES:
        from policybot.store.postgres import PostgresStore

        assert settings.database_url is not None  # Settings refuses postgres without a URL
        return PostgresStore(
            settings.database_url, pool_size=settings.database_pool_size, ef_search=settings.pg_ef_search
        )
    from policybot.store.filestore import FilesStore

    return FilesStore(settings.index_dir)
