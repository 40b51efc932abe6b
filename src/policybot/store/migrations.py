"""The PostgreSQL schema, as numbered migrations applied once each (``policybot_schema`` records
them). ``migrate`` is idempotent and safe to run from several replicas at once (it takes an
advisory lock); it runs when a ``PostgresStore`` opens.

Vector columns have no fixed dimension: the HNSW index is built on ``embedding::vector(D)``
for the model's dimension D when the first index is committed (``hnsw_index_sql``), so one
schema serves any model and a rebuild with another model needs no migration.
"""

from __future__ import annotations

import psycopg

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "hnsw_index_sql", "migrate"]

_LOCK = (0x5042, 0)  # pg_advisory_xact_lock key of migrations

MIGRATIONS: tuple[str, ...] = (
    # 1: the index
    """
    CREATE EXTENSION IF NOT EXISTS vector;
    CREATE TABLE policybot_manifest (
        id            int PRIMARY KEY CHECK (id = 1),
        data          jsonb  NOT NULL,           -- format, model, chunking + pipeline version, created
        generation    bigint NOT NULL DEFAULT 0, -- +1 on every committed write
        chunk_count   bigint NOT NULL DEFAULT 0, -- BM25 corpus statistics
        total_length  bigint NOT NULL DEFAULT 0
    );
    CREATE SEQUENCE policybot_document_seq;
    CREATE TABLE policybot_documents (
        doc_id       text PRIMARY KEY,
        seq          bigint NOT NULL,            -- write order: the snapshot's chunk order
        meta         jsonb  NOT NULL,
        body         text   NOT NULL,
        page_starts  int[]  NOT NULL
    );
    CREATE TABLE policybot_chunks (
        chunk_id   text PRIMARY KEY,
        doc_id     text NOT NULL REFERENCES policybot_documents ON DELETE CASCADE,
        position   int  NOT NULL,                -- order within the document
        length     int  NOT NULL,                -- keyword tokens (BM25 document length)
        data       jsonb NOT NULL,
        embedding  vector NOT NULL
    );
    CREATE INDEX policybot_chunks_doc ON policybot_chunks (doc_id);
    CREATE TABLE policybot_clauses (
        chunk_id   text NOT NULL REFERENCES policybot_chunks ON DELETE CASCADE,
        position   int  NOT NULL,                -- split_clauses order within the chunk
        doc_id     text NOT NULL,
        embedding  vector NOT NULL,
        PRIMARY KEY (chunk_id, position)
    );
    CREATE TABLE policybot_postings (           -- the BM25 keyword side: jieba terms per chunk
        term      text NOT NULL,
        chunk_id  text NOT NULL REFERENCES policybot_chunks ON DELETE CASCADE,
        doc_id    text NOT NULL,                 -- the chunk's, and its length: BM25 needs no join
        length    int  NOT NULL,
        tf        int  NOT NULL,
        PRIMARY KEY (term, chunk_id)
    );
    CREATE INDEX policybot_postings_chunk ON policybot_postings (chunk_id);
    CREATE TABLE policybot_facts (
        doc_id    text NOT NULL REFERENCES policybot_documents ON DELETE CASCADE,
        position  int  NOT NULL,
        data      jsonb NOT NULL,
        PRIMARY KEY (doc_id, position)
    );
    CREATE TABLE policybot_measures (
        doc_id    text NOT NULL REFERENCES policybot_documents ON DELETE CASCADE,
        position  int  NOT NULL,
        data      jsonb NOT NULL,
        PRIMARY KEY (doc_id, position)
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: psycopg.Connection) -> int:
    """Apply the migrations ``conn``'s database lacks, in one transaction; the schema version."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", _LOCK)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS policybot_schema "
            "(version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        row = conn.execute("SELECT coalesce(max(version), 0) FROM policybot_schema").fetchone()
        applied = int(row[0]) if row else 0
        for version, sql in enumerate(MIGRATIONS[applied:], start=applied + 1):
            conn.execute(sql.encode())  # bytes: several statements in one simple query
            conn.execute("INSERT INTO policybot_schema (version) VALUES (%s)", (version,))
    return SCHEMA_VERSION


def hnsw_index_sql(dimension: int) -> list[str]:
    """The HNSW (inner product) index of chunk vectors of one dimension.

    Clause vectors get none: they are only compared with a question in memory (every clause of
    the snapshot, ``Retriever.clause_similarities``), and an HNSW index on them measured as the
    larger part of a commit's time (2.5 clauses per chunk)."""
    dim = int(dimension)
    return [
        f"CREATE INDEX IF NOT EXISTS policybot_chunks_hnsw_{dim} ON policybot_chunks "
        f"USING hnsw ((embedding::vector({dim})) vector_ip_ops)"
    ]
