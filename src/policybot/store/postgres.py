"""The PostgreSQL + pgvector backend: one database shared by any number of replicas.

Chunks and clauses carry a ``vector`` column; chunks have an HNSW index (inner product of
normalised vectors, as FAISS ``IndexFlatIP``; clauses are compared in memory, see ``migrations``).
The keyword side is a postings table (term, chunk, tf) with
per-chunk lengths and corpus statistics in the manifest row, and BM25 is computed in SQL with
the k1/b of ``store.keyword``: the same ranking as the files backend (a ``tsvector`` ranks by
``ts_rank``, which is not BM25, so it would not agree). Query terms come from
``store.keyword.tokenize``, the same jieba tokens.

Writes: one transaction per document (delete its old rows, insert the new ones, bump the
generation), so a reader or a kill -9 never leaves half a document. Every write transaction
takes ``pg_advisory_xact_lock``; ``writing()`` takes a session advisory lock, so writers of
several replicas are serialised by the database, not by a process lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from policybot.config import StoreBackend
from policybot.eligibility.model import Measure
from policybot.errors import IndexMismatchError, IndexMissingError, StorageError
from policybot.records import Chunk, Document, DocumentMeta, Fact
from policybot.store.base import TIE_DECIMALS, Ranked, StoreSearch, in_canonical_order
from policybot.store.files import FORMAT_VERSION, IndexData, ModelInfo, check_model
from policybot.store.keyword import KeywordIndex, tokenize
from policybot.store.migrations import hnsw_index_sql, migrate

__all__ = ["PostgresSearch", "PostgresStore"]

_COMMIT_LOCK = (0x5042, 1)  # pg_advisory_xact_lock of every write transaction
_WRITER_LOCK = (0x5042, 2)  # pg_advisory_lock held by ``writing()``
_BM25 = KeywordIndex({}, [])  # the files backend's BM25 parameters
K1, B = _BM25.k1, _BM25.b


def safe_location(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql (unparsable URL)"
    parts.pop("password", None)
    return "postgresql: " + make_conninfo(**{k: str(v) for k, v in parts.items()})


class PostgresStore:
    """``Store`` in the PostgreSQL database at ``url`` (migrated on open)."""

    backend = StoreBackend.POSTGRES

    def __init__(self, url: str, *, pool_size: int = 4, ef_search: int = 200) -> None:
        self.url, self.ef_search = url, ef_search
        self._location = safe_location(url)
        try:
            with psycopg.connect(url) as conn:
                migrate(conn)
            self.pool = ConnectionPool(
                url, min_size=1, max_size=pool_size, configure=register_vector, open=True, timeout=60
            )
            self.pool.wait(30)
        except (psycopg.Error, TimeoutError) as exc:
            raise StorageError(f"cannot open the index in {self._location}: {exc}") from exc
        self._writer = threading.RLock()
        self._writer_depth = 0
        self._writer_conn: psycopg.Connection | None = None

    @property
    def location(self) -> str:
        return self._location

    @contextmanager
    def _tx(self, *, read_only: bool = False) -> Iterator[psycopg.Connection]:
        try:
            with self.pool.connection() as conn:
                if read_only:
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield conn
        except psycopg.Error as exc:
            raise StorageError(f"the index in {self._location} failed: {exc}") from exc

    # -- reads ---------------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any] | None:
        with self._tx() as conn:
            row = conn.execute("SELECT data FROM policybot_manifest").fetchone()
        return None if row is None else self._checked(row[0])

    def _checked(self, data: Any) -> dict[str, Any]:
        model = data.get("model") if isinstance(data, dict) else None
        if not isinstance(model, dict) or not {"id", "dimension", "fingerprint"} <= set(model):
            raise IndexMismatchError(f"the manifest in {self._location} is damaged; rebuild with --rebuild")
        if data.get("format") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index in {self._location} has format {data.get('format')!r}, this policybot reads "
                f"{FORMAT_VERSION}; rebuild with `policybot ingest --rebuild`"
            )
        return dict(data)

    def generation(self) -> str | None:
        with self._tx() as conn:
            row = conn.execute("SELECT generation FROM policybot_manifest").fetchone()
        return None if row is None else str(row[0])

    def load(self, model: ModelInfo | None = None) -> IndexData:
        with self._tx(read_only=True) as conn:
            row = conn.execute("SELECT data, generation FROM policybot_manifest").fetchone()
            if row is None:
                raise IndexMissingError(f"no index in {self._location}: run `policybot ingest` first")
            manifest = self._checked(row[0])
            if model is not None:
                check_model(manifest, model, self._location)
            data = _read_snapshot(conn, manifest)
        data.version = str(row[1])
        return data

    def search(self, index: IndexData) -> StoreSearch:
        return PostgresSearch(self, index)

    def documents(self) -> list[DocumentMeta]:
        with self._tx() as conn:
            rows = conn.execute("SELECT meta FROM policybot_documents ORDER BY doc_id").fetchall()
        return [DocumentMeta(**r[0]) for r in rows]

    def chunks_of(self, doc_ids: Sequence[str]) -> list[Chunk]:
        sql = (
            "SELECT c.data FROM policybot_chunks c JOIN policybot_documents d USING (doc_id) "
            "WHERE c.doc_id = ANY(%s) ORDER BY d.seq, c.position"
        )
        with self._tx() as conn:
            return [Chunk.from_dict(r[0]) for r in conn.execute(sql, (list(doc_ids),))]

    def _rows_of(self, table: str, doc_ids: Sequence[str]) -> list[Any]:
        sql = (
            f"SELECT t.data FROM policybot_{table} t JOIN policybot_documents d USING (doc_id) "
            "WHERE t.doc_id = ANY(%s) ORDER BY d.seq, t.position"
        )
        with self._tx() as conn:
            return [r[0] for r in conn.execute(sql.encode(), (list(doc_ids),))]

    def facts_of(self, doc_ids: Sequence[str]) -> list[Fact]:
        return [Fact(**r) for r in self._rows_of("facts", doc_ids)]

    def measures_of(self, doc_ids: Sequence[str]) -> list[Measure]:
        return [Measure.from_dict(r) for r in self._rows_of("measures", doc_ids)]

    # -- writes --------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A session advisory lock on a connection of its own: one writer across all replicas."""
        with self._writer:
            if self._writer_depth == 0:
                conn = self.pool.getconn()
                try:
                    conn.execute("SELECT pg_advisory_lock(%s, %s)", _WRITER_LOCK)
                    conn.commit()
                except BaseException:
                    self.pool.putconn(conn)
                    raise
                self._writer_conn = conn
            self._writer_depth += 1
            try:
                yield
            finally:
                self._writer_depth -= 1
                if self._writer_depth == 0 and self._writer_conn is not None:
                    conn, self._writer_conn = self._writer_conn, None
                    try:
                        conn.execute("SELECT pg_advisory_unlock(%s, %s)", _WRITER_LOCK)
                        conn.commit()
                    finally:
                        self.pool.putconn(conn)

    def commit(
        self,
        data: IndexData,
        *,
        upserted: Collection[str],
        removed: Collection[str],
        replace_all: bool = False,
    ) -> None:
        data.check()
        rows = _DocumentRows(data)
        with self._tx() as conn:
            if replace_all:  # a rebuild: everything in one transaction
                with conn.transaction():
                    _begin_write(conn, data)
                    conn.execute("DELETE FROM policybot_documents WHERE NOT doc_id = ANY(%s)", (list(data.documents),))
                    for doc_id in data.documents:
                        _write_document(conn, rows, doc_id)
                    _end_write(conn)
                return
            with conn.transaction():
                _begin_write(conn, data)
                if removed:
                    conn.execute("DELETE FROM policybot_documents WHERE doc_id = ANY(%s)", (list(removed),))
                _end_write(conn)
            upserted = set(upserted)
            for doc_id in [d for d in data.documents if d in upserted]:
                with conn.transaction():  # one document, wholly or not at all
                    conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", _COMMIT_LOCK)
                    change = _write_document(conn, rows, doc_id)
                    _end_write(conn, change)
        data.version = self.generation()

    def close(self) -> None:
        self.pool.close()


def _begin_write(conn: psycopg.Connection, data: IndexData) -> None:
    """Lock, and record the snapshot's manifest (model, chunking) with the HNSW indexes it needs."""
    conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", _COMMIT_LOCK)
    manifest = {k: v for k, v in data.manifest().items() if k in {"format", "created", "model", "chunking"}}
    manifest["created"] = manifest["created"] or _now()
    conn.execute(
        "INSERT INTO policybot_manifest (id, data) VALUES (1, %s) "
        "ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data "
        "WHERE policybot_manifest.data->'model' IS DISTINCT FROM EXCLUDED.data->'model' "
        "OR policybot_manifest.data->'chunking' IS DISTINCT FROM EXCLUDED.data->'chunking'",
        (Jsonb(manifest),),
    )
    for sql in hnsw_index_sql(data.model.dimension):
        conn.execute(sql.encode())


def _end_write(conn: psycopg.Connection, change: tuple[int, int] | None = None) -> None:
    """A new generation, with the BM25 statistics counted anew, or moved by ``change`` (chunks,
    tokens: what one document's rewrite added): recounting every chunk after each document made a
    commit of N documents quadratic."""
    if change is not None:
        conn.execute(
            "UPDATE policybot_manifest SET generation = generation + 1, "
            "chunk_count = chunk_count + %s, total_length = total_length + %s",
            change,
        )
        return
    conn.execute(
        "UPDATE policybot_manifest SET generation = generation + 1, "
        "chunk_count = (SELECT count(*) FROM policybot_chunks), "
        "total_length = (SELECT coalesce(sum(length), 0) FROM policybot_chunks)"
    )


def _now() -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class _DocumentRows:
    """The rows of each document of a snapshot, grouped once."""

    def __init__(self, data: IndexData) -> None:
        self.data = data
        self.chunk_rows: dict[str, list[int]] = {}
        for i, chunk in enumerate(data.chunks):
            self.chunk_rows.setdefault(chunk.doc_id, []).append(i)
        self.clause_rows: dict[str, list[int]] = {}
        for clause in data.clauses:
            self.clause_rows.setdefault(clause.doc_id, []).append(clause.row)
        self.facts: dict[str, list[dict[str, Any]]] = {}
        for fact in data.facts:
            self.facts.setdefault(fact.doc_id, []).append(fact.to_dict())
        self.measures: dict[str, list[dict[str, Any]]] = {}
        for measure in data.measures:
            self.measures.setdefault(measure.doc_id, []).append(measure.to_dict())


def _write_document(conn: psycopg.Connection, rows: _DocumentRows, doc_id: str) -> tuple[int, int]:
    """Replace one document's rows (the caller holds the transaction); returns the change in the
    number of chunks and of keyword tokens."""
    data, doc = rows.data, rows.data.documents[doc_id]
    before = conn.execute(
        "SELECT count(*), coalesce(sum(length), 0) FROM policybot_chunks WHERE doc_id = %s", (doc_id,)
    ).fetchone()
    old_chunks, old_tokens = (int(before[0]), int(before[1])) if before else (0, 0)
    conn.execute("DELETE FROM policybot_documents WHERE doc_id = %s", (doc_id,))
    conn.execute(
        "INSERT INTO policybot_documents (doc_id, seq, meta, body, page_starts) "
        "VALUES (%s, nextval('policybot_document_seq'), %s, %s, %s)",
        (doc_id, Jsonb(doc.meta.to_dict()), doc.text, list(doc.page_starts)),
    )
    chunk_rows = rows.chunk_rows.get(doc_id, [])
    with conn.cursor() as cur:
        columns = "chunk_id, doc_id, position, length, data, embedding"
        with cur.copy(f"COPY policybot_chunks ({columns}) FROM STDIN WITH (FORMAT BINARY)".encode()) as cp:
            cp.set_types(["text", "text", "int4", "int4", "jsonb", "vector"])
            terms: list[tuple[str, str, str, int, int]] = []
            tokens = 0
            for position, i in enumerate(chunk_rows):
                chunk = data.chunks[i]
                counts = Counter(tokenize(chunk.embed_text))
                length = sum(counts.values())
                tokens += length
                terms.extend((t, chunk.id, doc_id, length, tf) for t, tf in counts.items())
                cp.write_row((chunk.id, doc_id, position, length, Jsonb(chunk.to_dict()), data.vectors[i]))
        with cur.copy("COPY policybot_postings (term, chunk_id, doc_id, length, tf) FROM STDIN") as cp:
            for term_row in terms:
                cp.write_row(term_row)
        clauses = data.clauses
        with cur.copy(
            "COPY policybot_clauses (chunk_id, position, doc_id, embedding) FROM STDIN WITH (FORMAT BINARY)"
        ) as cp:
            cp.set_types(["text", "int4", "text", "vector"])
            within: Counter[str] = Counter()
            for row in rows.clause_rows.get(doc_id, []):
                clause = clauses[row]
                cp.write_row((clause.chunk_id, within[clause.chunk_id], doc_id, data.clause_vectors[row]))
                within[clause.chunk_id] += 1
        for table, items in (("facts", rows.facts.get(doc_id, [])), ("measures", rows.measures.get(doc_id, []))):
            with cur.copy(f"COPY policybot_{table} (doc_id, position, data) FROM STDIN".encode()) as cp:
                for position, item in enumerate(items):
                    cp.write_row((doc_id, position, Jsonb(item)))
    return len(chunk_rows) - old_chunks, tokens - old_tokens


def _read_snapshot(conn: psycopg.Connection, manifest: dict[str, Any]) -> IndexData:
    """The whole index as an ``IndexData`` (inside the caller's repeatable-read transaction)."""
    info = ModelInfo.from_manifest(manifest["model"])
    documents = {}
    for meta, body, page_starts in conn.execute(
        "SELECT meta, body, page_starts FROM policybot_documents ORDER BY doc_id"
    ):
        documents[meta["doc_id"]] = Document(DocumentMeta(**meta), body, tuple(page_starts))
    order = "JOIN policybot_documents d USING (doc_id) ORDER BY d.seq, t.position"
    with conn.cursor(binary=True) as cur:
        chunk_rows = cur.execute(f"SELECT t.data, t.embedding FROM policybot_chunks t {order}".encode()).fetchall()
        clause_rows = cur.execute(
            "SELECT t.embedding FROM policybot_clauses t JOIN policybot_chunks c USING (chunk_id) "
            "JOIN policybot_documents d ON d.doc_id = c.doc_id ORDER BY d.seq, c.position, t.position"
        ).fetchall()
    facts = [Fact(**r[0]) for r in conn.execute(f"SELECT t.data FROM policybot_facts t {order}".encode())]
    measure_sql = f"SELECT t.data FROM policybot_measures t {order}"
    measures = [Measure.from_dict(r[0]) for r in conn.execute(measure_sql.encode())]
    dim = info.dimension
    try:
        return IndexData(
            info,
            manifest["chunking"],
            documents,
            [Chunk.from_dict(r[0]) for r in chunk_rows],
            _matrix([r[1] for r in chunk_rows], dim),
            facts,
            _matrix([r[0] for r in clause_rows], dim),
            None,
            manifest.get("created", ""),
            measures,
        )
    except ValueError as exc:
        raise IndexMismatchError(f"the index in the database is inconsistent ({exc}); rebuild with --rebuild") from exc


def _matrix(vectors: list[Any], dim: int) -> np.ndarray:
    if not vectors:
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack([np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v, dtype=np.float32) for v in vectors])


class PostgresSearch:
    """Dense (pgvector HNSW; exact within a document scope) and BM25 search in the database,
    answered in rows of the snapshot ``index`` (chunks it does not hold are skipped)."""

    def __init__(self, store: PostgresStore, index: IndexData) -> None:
        self.store, self.index = store, index
        self.rows = {c.id: i for i, c in enumerate(index.chunks)}
        self.dim = index.model.dimension

    def _ranked(self, found: list[tuple[str, float]], n: int) -> Ranked:
        return in_canonical_order([(self.rows[cid], float(score)) for cid, score in found if cid in self.rows], n)

    def dense(self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> Ranked:
        if not self.index.chunks or n < 1:
            return []
        d = self.dim
        distance = f"(embedding::vector({d}) <#> %(q)s::vector({d}))"
        scope = "WHERE doc_id = ANY(%(docs)s)" if doc_ids is not None else ""
        sql = f"SELECT chunk_id, -{distance} FROM policybot_chunks {scope} ORDER BY {distance} LIMIT %(n)s"
        params = {"q": np.asarray(vector, dtype=np.float32), "n": n, "docs": list(doc_ids or ())}
        with self.store._tx() as conn:
            if doc_ids is not None:  # exact over the scope, as the files backend
                conn.execute("SELECT set_config('enable_indexscan', 'off', true)")
            else:
                conn.execute(  # HNSW, whatever the table size: one round trip for both settings
                    "SELECT set_config('hnsw.ef_search', %s, true), set_config('enable_seqscan', 'off', true)",
                    (str(max(self.store.ef_search, n)),),
                )
            return self._ranked(conn.execute(sql.encode(), params).fetchall(), n)

    def keyword(self, text: str, n: int, doc_ids: Sequence[str] | None = None) -> Ranked:
        terms = sorted(set(tokenize(text)))
        if not terms or not self.index.chunks:
            return []
        scope = "AND p.doc_id = ANY(%(docs)s)" if doc_ids is not None else ""
        sql = f"""
            WITH s AS (SELECT chunk_count::float8 AS n,
                              total_length::float8 / greatest(chunk_count, 1) AS avgdl FROM policybot_manifest),
                 q AS (SELECT term, count(*)::float8 AS df FROM policybot_postings
                       WHERE term = ANY(%(terms)s) GROUP BY term)
            SELECT chunk_id, score FROM (
                SELECT p.chunk_id,
                       sum(ln(1 + (s.n - q.df + 0.5) / (q.df + 0.5)) * p.tf * ({K1} + 1)
                           / (p.tf + {K1} * (1 - {B} + {B} * p.length / greatest(s.avgdl, 1e-9)))) AS score
                FROM policybot_postings p JOIN q USING (term) CROSS JOIN s
                WHERE p.term = ANY(%(terms)s) {scope}
                GROUP BY p.chunk_id) AS scored
            ORDER BY round(score::numeric, {TIE_DECIMALS}) DESC
            FETCH FIRST %(n)s ROWS WITH TIES"""
        params = {"terms": terms, "n": n, "docs": list(doc_ids or ())}
        with self.store._tx() as conn:
            found = conn.execute(sql.encode(), params).fetchall()
        return [(i, s) for i, s in self._ranked(found, n) if s > 0]
