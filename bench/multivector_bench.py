#!/usr/bin/python3
"""SQL benchmark of multivector (late-interaction, MaxSim) search: MVVD's multivector index against
the member-table approach pgvector users take today, and against an exact sequential scan.

Tables, in database bench_multivector (CREATE EXTENSION mvvd):

    docs(id int primary key, mv multivector(DIMS))         -- one row per document
    members(doc_id int, emb vector(DIMS))                  -- one row per member vector

loaded with binary COPY and ANALYZEd, then indexed:

    CREATE INDEX ON docs USING mvvd_hnsw (mv multivector_ip_ops) WITH (m = 16, ef_construction = 64)
    CREATE INDEX ON members USING mvvd_hnsw (emb vector_ip_ops) WITH (m = 16, ef_construction = 64)
    CREATE INDEX ON members (doc_id)                       -- the baseline's re-scoring fetch

Measured, single client, prepared statements, the query multivector sent as one binary parameter,
every query once after one untimed warm-up pass, recall@k against exact brute force:

  * mvvd: `SELECT id FROM docs ORDER BY mv @# $1 LIMIT k` through the multivector index, at each
    mvvd.hnsw_candidates of --candidates (members gathered per query vector before rows are
    re-scored exactly; mvvd.hnsw_ef_search stays at --ef-search).
  * baseline: for each query vector the top N members by `emb <#> q` through the member index
    (one statement: unnest of the query, LATERAL ... LIMIT N), then the exact MaxSim of the
    candidate documents recomputed in SQL from their members (per document and query vector the
    max of -(emb <#> q), summed per document), best k; at each N of --baseline-n, with
    mvvd.hnsw_ef_search = max(40, N).
  * exact: `ORDER BY mv @# $1 LIMIT k` by sequential scan (enable_indexscan = off) for the first
    --exact-queries queries (p50; its recall must be 1).

The index passes run with the planner's default settings (with --force-index, enable_seqscan =
off), each method on a connection of its own whose settings are made before anything is
prepared. After each pass it asks the server which plan the prepared statement ran (EXPLAIN
EXECUTE of psycopg's statement, so the plan cache's generic/custom choice is the real one); a
setting that ran without its index is marked NO INDEX and left out of the summary. It also checks
that every method returns its rows in non-increasing exact MaxSim order (the index re-scores rows
exactly, so it must) and counts result lists shorter than k.

Data (default, seeded): the shape "20k image documents of 6-16 unit members of 49 dimensions,
queries of 7-16 members", clustered so that nearest neighbours mean something:

  * --topics (300) centres drawn N(0, I) and normalized onto the unit sphere (generator seed);
  * each document (generator seed+1) picks 1..--max-topics (3) distinct topics and a member count
    uniform in [--min-members, --max-members]; its members cycle through its topics (in a random
    order, so each topic has at least one member when there are enough members) and each member is
    its topic's centre plus Gaussian noise of per-axis std --sigma / sqrt(DIMS) (so the noise has
    RMS norm --sigma, 0.35 by default: a member's cosine to its centre is about 0.94),
    normalized to unit length;
  * each query (generator seed+2) picks a document uniformly at random, takes that document's
    topics and draws qmin..qmax members the same way, so it has truly near documents.

With --fashion-mnist, real data instead: each of the first --docs training images of Debian's
dataset-fashion-mnist is a document of its non-blank 7x7 patches (of the 16 a 28x28 image has;
about 10), scaled to unit length, 49 dimensions; each of the first --queries test images is a
query of its non-blank patches, or of --query-patches of them drawn at random (seed --seed).

Document i (0-based in the generator) has id i+1. Ground truth: exact MaxSim of every query
against every document, inner products in float64, computed in chunks with numpy.

Normally run through bench/multivector_bench.sh, which starts a throwaway cluster with benchmark
settings (MVVD must be built and installed first: `make && make install` at the repo top):

    bash bench/multivector_bench.sh                               # 20k documents, 200 queries
    bash bench/multivector_bench.sh --docs 2000 --queries 50      # a quick run
    bash bench/multivector_bench.sh --fashion-mnist               # real image patches
    bash bench/multivector_bench.sh --candidates 10,50 --baseline-n 50 --json /tmp/mv.json
    bash bench/multivector_bench.sh --force-index --iterative-scan off
    /usr/bin/python3 bench/multivector_bench.py --dsn 'host=/tmp/sock dbname=postgres' --skip-load

Needs numpy and psycopg 3 (Debian's python3-numpy, python3-psycopg). Helpers are shared with
bench/sql_bench.py.
"""

import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sql_bench import (connect, fashion_mnist_files, first_error_line, int_list,  # noqa: E402
                       log, read_idx_images)

DATABASE = "bench_multivector"
DOCS_INDEX = "docs_mv_bench_idx"
MEMBERS_INDEX = "members_emb_bench_idx"
MEMBERS_DOC_INDEX = "members_doc_id_bench_idx"
RECALL_TARGETS = (0.90, 0.95)


class BenchError(Exception):
    """A failure that ends the run with a message (not a traceback)."""


# ---------------------------------------------------------------------------------------------
# Data


class MultiVectorSet:
    """Vectors grouped into variable-sized sets: set i is vectors[offsets[i]:offsets[i + 1]]."""

    def __init__(self, vectors, counts):
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)])

    def __len__(self):
        return len(self.counts)

    def __getitem__(self, i):
        return self.vectors[self.offsets[i]:self.offsets[i + 1]]

    @property
    def dims(self):
        return self.vectors.shape[1]


def unit_rows(matrix):
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def draw_members(rng, centres, topic_sets, counts, sigma):
    """For set i, counts[i] unit vectors cycling through topic_sets[i] (in a random order):
    the topic's centre plus N(0, (sigma^2 / dims) I) noise, normalized."""
    dims = centres.shape[1]
    topic_of = np.concatenate([np.resize(rng.permutation(topics), count)
                               for topics, count in zip(topic_sets, counts)])
    noise = rng.standard_normal((len(topic_of), dims)) * (sigma / np.sqrt(dims))
    return unit_rows(centres[topic_of] + noise).astype(np.float32)


def clustered_dataset(args):
    """The seeded clustered data set of the module docstring: (docs, queries, doc_topics)."""
    if not 1 <= args.max_topics <= args.topics:
        raise BenchError("--max-topics must be between 1 and --topics")
    centres = unit_rows(np.random.default_rng(args.seed).standard_normal((args.topics,
                                                                          args.dims)))
    rng = np.random.default_rng(args.seed + 1)
    ntopics = rng.integers(1, args.max_topics + 1, size=args.docs)
    doc_topics = [rng.choice(args.topics, size=t, replace=False) for t in ntopics]
    counts = rng.integers(args.min_members, args.max_members + 1, size=args.docs)
    docs = MultiVectorSet(draw_members(rng, centres, doc_topics, counts, args.sigma), counts)

    qrng = np.random.default_rng(args.seed + 2)
    source = qrng.integers(0, args.docs, size=args.queries)
    qcounts = qrng.integers(args.qmin, args.qmax + 1, size=args.queries)
    queries = MultiVectorSet(draw_members(qrng, centres, [doc_topics[s] for s in source],
                                          qcounts, args.sigma), qcounts)
    return docs, queries, doc_topics


def image_patches(images, side=7):
    """Each image's non-blank side x side patches, scaled to unit length: a MultiVectorSet."""
    n, rows, cols = images.shape
    tiles = images.reshape(n, rows // side, side, cols // side, side).transpose(0, 1, 3, 2, 4)
    tiles = tiles.reshape(n, -1, side * side).astype(np.float64)
    keep = tiles.sum(axis=2) > 0
    return MultiVectorSet(unit_rows(tiles[keep]).astype(np.float32), keep.sum(axis=1))


def fashion_mnist_patches(args):
    """The Fashion-MNIST patch documents and queries of the module docstring."""
    train_file, test_file = fashion_mnist_files()
    train = read_idx_images(train_file)[:args.docs].reshape(-1, 28, 28)
    test = read_idx_images(test_file)[:args.queries].reshape(-1, 28, 28)
    docs, queries = image_patches(train), image_patches(test)
    if args.query_patches:
        rng = np.random.default_rng(args.seed)
        picked = [rng.choice(queries[i], size=min(args.query_patches, len(queries[i])),
                             replace=False) for i in range(len(queries))]
        queries = MultiVectorSet(np.concatenate(picked), [len(x) for x in picked])
    return docs, queries


# ---------------------------------------------------------------------------------------------
# Ground truth


def exact_maxsim(docs, queries, chunk_bytes=256 << 20):
    """MaxSim of every query (rows) against every document (columns), inner products in float64."""
    members = docs.vectors.astype(np.float64)
    doc_starts = docs.offsets[:-1]
    scores = np.empty((len(queries), len(docs)), dtype=np.float64)
    rows_per_chunk = max(1, chunk_bytes // (8 * len(members)))
    first = 0
    while first < len(queries):
        # Whole queries whose vectors fit in one chunk of rows (at least one query).
        last = first + 1
        while (last < len(queries)
               and queries.offsets[last + 1] - queries.offsets[first] <= rows_per_chunk):
            last += 1
        q = queries.vectors[queries.offsets[first]:queries.offsets[last]].astype(np.float64)
        best = np.maximum.reduceat(q @ members.T, doc_starts, axis=1)  # query vector x doc
        scores[first:last] = np.add.reduceat(
            best, queries.offsets[first:last] - queries.offsets[first], axis=0)
        first = last
    return scores


def top_k(scores, k):
    """0-based column indices of the k best scores per row, best first (ties by index)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.lexsort((part, -np.take_along_axis(scores, part, axis=1)), axis=1)
    return np.take_along_axis(part, order, axis=1)


def recall_at_k(found_ids, truth_rows):
    """Mean fraction of each query's true top k (0-based rows) found among its ids (1-based)."""
    hits = sum(len(set(ids) & set((truth + 1).tolist()))
               for ids, truth in zip(found_ids, truth_rows))
    return hits / truth_rows.size


def order_violations(found_ids, scores, tolerance=1e-4):
    """Result lists not in non-increasing exact MaxSim order (beyond a float32 tolerance)."""
    bad = 0
    for qi, ids in enumerate(found_ids):
        s = scores[qi, np.asarray(ids, dtype=np.int64) - 1] if ids else np.empty(0)
        if np.any(np.diff(s) > tolerance * np.maximum(1.0, np.abs(s[1:]))):
            bad += 1
    return bad


# ---------------------------------------------------------------------------------------------
# Database access


class MultiVectorParam:
    """A query multivector to send as a binary parameter (a float32 matrix, one row a vector)."""

    def __init__(self, matrix):
        self.matrix = matrix


def multivector_bytes(matrix):
    """The binary form: int16 dimensions, int16 zero, int32 count, big-endian float4 values."""
    count, dims = matrix.shape
    return struct.pack(">hhi", dims, 0, count) + np.asarray(matrix, dtype=">f4").tobytes()


class MultiVectorBinaryDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj):
        return multivector_bytes(obj.matrix)


def register_multivector_dumper(conn):
    """Makes MultiVectorParam bind as this database's `multivector` type."""
    oid = conn.execute("SELECT to_regtype('multivector')::oid").fetchone()[0]
    if oid is None:
        raise BenchError("type multivector not found: is this MVVD build the multivector one?")
    dumper = type("MultiVectorDumper", (MultiVectorBinaryDumper,), {"oid": oid})
    conn.adapters.register_dumper(MultiVectorParam, dumper)


def open_database(dsn):
    """Creates the benchmark database if missing and the extension; returns a connection."""
    with connect(dsn) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             (DATABASE,)).fetchone():
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
    conn = connect(dsn, DATABASE)
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS mvvd")
    except psycopg.Error as err:
        conn.close()
        raise BenchError(f"CREATE EXTENSION mvvd failed: {first_error_line(err)} (build and "
                         "install MVVD first: `make && make install` at the repo top)") from None
    register_multivector_dumper(conn)
    return conn


COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER = struct.pack(">h", -1)


def docs_copy_chunks(docs, docs_per_chunk=2048):
    """docs as a binary COPY stream of (id int4, mv multivector) rows."""
    yield COPY_HEADER
    for start in range(0, len(docs), docs_per_chunk):
        parts = []
        for i in range(start, min(start + docs_per_chunk, len(docs))):
            value = multivector_bytes(docs[i])
            parts.append(struct.pack(">hii", 2, 4, i + 1) + struct.pack(">i", len(value)))
            parts.append(value)
        yield b"".join(parts)
    yield COPY_TRAILER


def members_copy_chunks(docs, rows_per_chunk=16384):
    """Every member as a binary COPY stream of (doc_id int4, emb vector) rows."""
    dims = docs.dims
    row = np.dtype([("fields", ">i2"), ("id_len", ">i4"), ("id", ">i4"), ("emb_len", ">i4"),
                    ("dim", ">i2"), ("unused", ">i2"), ("values", ">f4", (dims,))])
    doc_ids = np.repeat(np.arange(1, len(docs) + 1), docs.counts)
    yield COPY_HEADER
    for start in range(0, len(doc_ids), rows_per_chunk):
        block = docs.vectors[start:start + rows_per_chunk]
        rows = np.zeros(len(block), dtype=row)
        rows["fields"], rows["id_len"], rows["emb_len"], rows["dim"] = 2, 4, 4 + 4 * dims, dims
        rows["id"] = doc_ids[start:start + len(block)]
        rows["values"] = block
        yield rows.tobytes()
    yield COPY_TRAILER


def copy_in(conn, statement, chunks):
    with conn.cursor() as cur:
        with cur.copy(statement) as copy:
            for chunk in chunks:
                copy.write(chunk)


def count_rows(conn, table):
    """Rows of the table, or None when there is no such table."""
    if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
        return None
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def load_tables(conn, docs, skip_load):
    """Fills docs and members; returns seconds spent (0 when reused under --skip-load)."""
    if (skip_load and count_rows(conn, "docs") == len(docs)
            and count_rows(conn, "members") == len(docs.vectors)):
        log("  reusing tables docs and members")
        return 0.0
    started = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS docs, members")
    conn.execute(f"CREATE TABLE docs (id int PRIMARY KEY, mv multivector({docs.dims}))")
    conn.execute(f"CREATE TABLE members (doc_id int, emb vector({docs.dims}))")
    copy_in(conn, "COPY docs (id, mv) FROM STDIN WITH (FORMAT BINARY)", docs_copy_chunks(docs))
    copy_in(conn, "COPY members (doc_id, emb) FROM STDIN WITH (FORMAT BINARY)",
            members_copy_chunks(docs))
    conn.execute("VACUUM (ANALYZE) docs")
    conn.execute("VACUUM (ANALYZE) members")
    return time.perf_counter() - started


def relation_bytes(conn, name, table=False):
    """Bytes of a relation; with table, of the table with its TOAST table (not its indexes)."""
    function = "pg_table_size" if table else "pg_relation_size"
    return conn.execute(f"SELECT {function}(%s::regclass)", (name,)).fetchone()[0]


def build_index(conn, name, ddl):
    """Drops and builds one index; returns {"seconds", "bytes", "mb"}."""
    conn.execute(f"DROP INDEX IF EXISTS {name}")
    started = time.perf_counter()
    try:
        conn.execute(ddl)
    except psycopg.Error as err:
        raise BenchError(f"{ddl}\n  failed: {first_error_line(err)}") from None
    seconds = time.perf_counter() - started
    size = relation_bytes(conn, name)
    return {"seconds": seconds, "bytes": size, "mb": size / 1e6}


# ---------------------------------------------------------------------------------------------
# Queries


def mvvd_sql(k):
    return f"SELECT id FROM docs ORDER BY mv @# %b LIMIT {k}"


def baseline_sql(n, k):
    """Top n members per query vector through the member index, then exact MaxSim in SQL."""
    return f"""
WITH q AS (
  SELECT u.ord, u.v FROM unnest(%b::multivector) WITH ORDINALITY AS u(v, ord)
), cand AS (
  SELECT DISTINCT c.doc_id
  FROM q CROSS JOIN LATERAL (
    SELECT m.doc_id FROM members m ORDER BY m.emb <#> q.v LIMIT {n}
  ) c
), best AS (
  SELECT m.doc_id, q.ord, max(-(m.emb <#> q.v)) AS sim
  FROM cand JOIN members m ON m.doc_id = cand.doc_id CROSS JOIN q
  GROUP BY m.doc_id, q.ord
)
SELECT doc_id FROM best GROUP BY doc_id ORDER BY sum(sim) DESC, doc_id LIMIT {k}"""


def multivector_literal(matrix):
    """The text form, as an SQL literal (numbers only, so nothing needs escaping)."""
    rows = ",".join("[" + ",".join(f"{x:.9g}" for x in row) + "]" for row in matrix)
    return f"'[{rows}]'::multivector"


def plan_text(plan, width=150):
    """EXPLAIN lines for a message, long ones (inlined query literals) cut."""
    return "\n    ".join(line if len(line) <= width else line[:width] + " ..." for line in plan)


def scans(plan, index):
    return any(f"Index Scan using {index}" in line for line in plan)


def phase_connection(dsn, settings):
    """A connection to the benchmark database with these session settings, made before any
    statement is prepared (a cached plan does not see later planner settings)."""
    conn = connect(dsn, DATABASE)
    register_multivector_dumper(conn)
    for name, value in settings.items():
        conn.execute("SELECT set_config(%s, %s, false)", (name, str(value)))
    return conn


def check_index_usable(dsn, query, sample, index):
    """Raises unless EXPLAIN with enable_seqscan = off scans the index."""
    with phase_connection(dsn, {"enable_seqscan": "off"}) as conn:
        plan = [row[0] for row in conn.execute("EXPLAIN " + query, (sample,)).fetchall()]
    if not scans(plan, index):
        raise BenchError(f"even with enable_seqscan = off the plan does not scan {index}:\n"
                         f"    {plan_text(plan)}")


def prepared_plan(conn, query, sample):
    """The plan a statement prepared on conn would run for the sample query (EXPLAIN EXECUTE of
    the statement psycopg prepared, so the plan cache's generic/custom choice is the real one),
    with its counts of generic and custom plans so far."""
    row = conn.execute("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements "
                       "WHERE statement = %s", (query.replace("%b", "$1"),)).fetchone()
    if row is None:
        raise BenchError("cannot find the prepared statement of:\n" + query)
    plan = [r[0] for r in conn.execute(
        f"EXPLAIN EXECUTE {row[0]}({multivector_literal(sample)})").fetchall()]
    return plan, row[1], row[2]


def run_queries(conn, query, queries):
    """Runs every query once as a prepared statement; returns (ids, latencies s, wall s)."""
    found = []
    latencies = np.empty(len(queries))
    with conn.cursor(binary=True) as cur:
        started = time.perf_counter()
        for i in range(len(queries)):
            t0 = time.perf_counter()
            cur.execute(query, (MultiVectorParam(queries[i]),), prepare=True)
            rows = cur.fetchall()
            latencies[i] = time.perf_counter() - t0
            found.append([r[0] for r in rows])
        wall = time.perf_counter() - started
    return found, latencies, wall


LOGGED_PLANS = set()  # plans already shown in a warning


def measure(conn, query, queries, truth, scores, warmup, label, index, **fields):
    """Recall, QPS, latency percentiles and checks of one timed pass; `index` is the index the
    pass is meant to scan (None: none), checked against the plan the prepared statement ran."""
    if warmup:
        run_queries(conn, query, queries)
    found, latencies, wall = run_queries(conn, query, queries)
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000.0
    plan, generic, custom = prepared_plan(conn, query, queries[0])
    result = dict(fields)
    result.update({"recall": recall_at_k(found, truth), "qps": len(queries) / wall,
                   "p50_ms": float(p50), "p99_ms": float(p99),
                   "short_results": sum(len(ids) < truth.shape[1] for ids in found),
                   "order_violations": order_violations(found, scores),
                   "index_scan": scans(plan, index) if index else None,
                   "generic_plans": generic, "custom_plans": custom})
    log(f"  {label}: recall {result['recall']:.4f}, {result['qps']:.0f} QPS, "
        f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms")
    if result["short_results"] or result["order_violations"]:
        log(f"  warning: {result['short_results']} short result lists, "
            f"{result['order_violations']} not in exact MaxSim order")
    if index and not result["index_scan"]:
        result["plan"] = plan
        log(f"  warning: the prepared statement ({generic} generic, {custom} custom plans) does "
            f"not scan {index}" + ("" if plan_text(plan) in LOGGED_PLANS
                                   else f":\n    {plan_text(plan)}"))
        LOGGED_PLANS.add(plan_text(plan))
    elif not index and any("Index Scan using" in line for line in plan):
        raise BenchError(f"the exact pass scans an index:\n    {plan_text(plan)}")
    return result


def benchmark(args, docs, queries, truth, scores):
    """Loads, builds and measures; returns every figure."""
    log(f"database {DATABASE}")
    with open_database(args.dsn) as conn:
        load_s = load_tables(conn, docs, args.skip_load)
        if load_s:
            log(f"  loaded {len(docs)} documents, {len(docs.vectors)} members in {load_s:.1f} s")
        tables = {"docs_mb": relation_bytes(conn, "docs", table=True) / 1e6,
                  "members_mb": relation_bytes(conn, "members", table=True) / 1e6}
        with_ = f"WITH (m = {args.m}, ef_construction = {args.ef_construction})"
        builds = {}
        log("  CREATE INDEX ... USING mvvd_hnsw (mv multivector_ip_ops) ...")
        builds["multivector"] = build_index(
            conn, DOCS_INDEX,
            f"CREATE INDEX {DOCS_INDEX} ON docs USING mvvd_hnsw (mv multivector_ip_ops) {with_}")
        log("  built in {seconds:.1f} s, {mb:.1f} MB".format(**builds["multivector"]))
        log("  CREATE INDEX ... USING mvvd_hnsw (emb vector_ip_ops) on members ...")
        builds["members"] = build_index(
            conn, MEMBERS_INDEX,
            f"CREATE INDEX {MEMBERS_INDEX} ON members USING mvvd_hnsw (emb vector_ip_ops) {with_}")
        log("  built in {seconds:.1f} s, {mb:.1f} MB".format(**builds["members"]))
        builds["members_doc_id"] = build_index(
            conn, MEMBERS_DOC_INDEX, f"CREATE INDEX {MEMBERS_DOC_INDEX} ON members (doc_id)")
        log("  btree on members (doc_id): {seconds:.1f} s, {mb:.1f} MB"
            .format(**builds["members_doc_id"]))
        conn.execute("ANALYZE docs, members")

    k = args.k
    sample = MultiVectorParam(queries[0])
    check_index_usable(args.dsn, mvvd_sql(k), sample, DOCS_INDEX)
    check_index_usable(args.dsn, baseline_sql(args.baseline_n[0], k), sample, MEMBERS_INDEX)
    # Planner settings of the index passes: the defaults, or with --force-index no seq scans.
    planner = {"enable_seqscan": "off"} if args.force_index else {}

    mvvd_runs = []
    mvvd_settings = planner | {"mvvd.hnsw_ef_search": args.ef_search}
    if args.iterative_scan:
        mvvd_settings["mvvd.hnsw_iterative_scan"] = args.iterative_scan
    with phase_connection(args.dsn, mvvd_settings) as conn:
        for c in args.candidates:
            conn.execute("SELECT set_config('mvvd.hnsw_candidates', %s, false)", (str(c),))
            mvvd_runs.append(measure(conn, mvvd_sql(k), queries, truth, scores, args.warmup,
                                     f"mvvd candidates {c}", DOCS_INDEX, candidates=c))

    baseline_runs = []
    for n in args.baseline_n:
        ef = max(40, n)
        with phase_connection(args.dsn, planner | {"mvvd.hnsw_ef_search": ef}) as conn:
            baseline_runs.append(measure(conn, baseline_sql(n, k), queries, truth, scores,
                                         args.warmup, f"baseline N {n}", MEMBERS_INDEX, n=n,
                                         ef_search=ef))

    exact = None
    if args.exact_queries > 0:
        count = min(args.exact_queries, len(queries))
        subset = MultiVectorSet(queries.vectors[:queries.offsets[count]], queries.counts[:count])
        with phase_connection(args.dsn, {"enable_indexscan": "off"}) as conn:
            if args.warmup:  # one query warms the cache; the timed pass runs them all
                run_queries(conn, mvvd_sql(k), MultiVectorSet(subset[0], subset.counts[:1]))
            exact = measure(conn, mvvd_sql(k), subset, truth[:count], scores[:count], False,
                            "exact (sequential scan)", None, n_queries=count)

    return {"load_s": load_s, "tables": tables, "builds": builds,
            "planner": "enable_seqscan = off" if args.force_index else "default",
            "mvvd": mvvd_runs, "baseline": baseline_runs, "exact": exact}


# ---------------------------------------------------------------------------------------------
# Reports


def plan_cell(run):
    """How the prepared statement ran: through its index, or not (then the figures do not
    measure the index)."""
    cell = "index" if run["index_scan"] else "NO INDEX"
    return cell + (" (generic)" if run["generic_plans"] else "")


def format_runs(title, key, runs, k):
    lines = [title, f"  {key:>10} | {f'recall@{k}':>9} | {'QPS':>8} | {'p50 ms':>8} | "
                    f"{'p99 ms':>8} | plan"]
    for r in runs:
        lines.append(f"  {r[key]:>10} | {r['recall']:>9.4f} | {r['qps']:>8.1f} | "
                     f"{r['p50_ms']:>8.2f} | {r['p99_ms']:>8.2f} | {plan_cell(r)}")
    return "\n".join(lines)


def lowest_p50(runs, key, target):
    """(p50 ms, setting) of the fastest run through the index reaching the recall target."""
    reaching = [(r["p50_ms"], r[key]) for r in runs
                if r["recall"] >= target and r["index_scan"]]
    return min(reaching) if reaching else None


def summary(result):
    out = []
    for target in RECALL_TARGETS:
        mv = lowest_p50(result["mvvd"], "candidates", target)
        base = lowest_p50(result["baseline"], "n", target)
        out.append({"recall": target, "mvvd": mv, "baseline": base,
                    "speedup": base[0] / mv[0] if mv and base else None,
                    "mvvd_index_runs": any(r["index_scan"] for r in result["mvvd"]),
                    "baseline_index_runs": any(r["index_scan"] for r in result["baseline"])})
    return out


def format_summary(rows, exact):
    def cell(best, name, index_runs):
        if best:
            return f"{best[0]:.2f} ms ({name} {best[1]})"
        return "not reached" if index_runs else "no run used the index"

    parts = []
    for row in rows:
        text = (f"recall>={row['recall']:.2f}: mvvd "
                f"{cell(row['mvvd'], 'candidates', row['mvvd_index_runs'])}, baseline "
                f"{cell(row['baseline'], 'N', row['baseline_index_runs'])}")
        if row["speedup"]:
            text += f", baseline/mvvd {row['speedup']:.1f}x"
        parts.append(text)
    if exact:
        parts.append(f"exact seq scan {exact['p50_ms']:.1f} ms")
    return "summary (lowest p50 through the index reaching each recall): " + "; ".join(parts)


def report(args, docs, queries, result):
    k = args.k
    sizes = (f"{len(docs)} documents of {docs.counts.min()}-{docs.counts.max()} x {docs.dims} "
             f"(members {len(docs.vectors)}, mean {docs.counts.mean():.1f}), {len(queries)} "
             f"queries of {queries.counts.min()}-{queries.counts.max()} "
             f"(mean {queries.counts.mean():.1f})")
    source = ("Fashion-MNIST 7x7 patches" if args.fashion_mnist else
              f"clustered, topics {args.topics} (1-{args.max_topics} per document), "
              f"sigma {args.sigma}")
    print(f"data: {sizes}; {source}, seed {args.seed}; m={args.m}, "
          f"ef_construction={args.ef_construction}; planner settings: {result['planner']}")
    b = result["builds"]
    print(f"tables (with TOAST): docs {result['tables']['docs_mb']:.1f} MB, members "
          f"{result['tables']['members_mb']:.1f} MB (load {result['load_s']:.1f} s)")
    print(f"builds: multivector index {b['multivector']['seconds']:.1f} s, "
          f"{b['multivector']['mb']:.1f} MB; member vector index "
          f"{b['members']['seconds']:.1f} s, {b['members']['mb']:.1f} MB "
          f"(+ btree on doc_id {b['members_doc_id']['seconds']:.1f} s, "
          f"{b['members_doc_id']['mb']:.1f} MB)")
    print()
    iterative = f", mvvd.hnsw_iterative_scan={args.iterative_scan}" if args.iterative_scan else ""
    print(format_runs(f"mvvd multivector index (mvvd.hnsw_ef_search={args.ef_search}{iterative})",
                      "candidates", result["mvvd"], k))
    print()
    print(format_runs("baseline: member table, top N per query vector + exact MaxSim in SQL "
                      "(ef_search = max(40, N))", "n", result["baseline"], k))
    exact = result["exact"]
    if exact:
        print()
        print(f"exact MaxSim by sequential scan ({exact['n_queries']} queries): p50 "
              f"{exact['p50_ms']:.1f} ms, p99 {exact['p99_ms']:.1f} ms, "
              f"recall {exact['recall']:.4f}")
    problems = [f"{name} {r[key]}: {r['order_violations']} out of order, "
                f"{r['short_results']} short"
                for name, key, runs in (("mvvd candidates", "candidates", result["mvvd"]),
                                        ("baseline N", "n", result["baseline"]))
                for r in runs if r["order_violations"] or r["short_results"]]
    if exact and (exact["order_violations"] or exact["short_results"]):
        problems.append(f"exact: {exact['order_violations']} out of order, "
                        f"{exact['short_results']} short")
    print()
    print("checks (result lists shorter than k, or not in exact MaxSim order): "
          + ("; ".join(problems) if problems else "none"))
    if any(not r["index_scan"] for r in result["mvvd"] + result["baseline"]):
        print("NO INDEX: the planner ran that setting without its index (so it measures "
              "something else, and the summary leaves it out); --force-index sets "
              "enable_seqscan = off")
    print()
    print(format_summary(result["summary"], exact))


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    data = p.add_argument_group("data (a seeded clustered set, see the module docstring)")
    data.add_argument("--docs", type=int, default=20000)
    data.add_argument("--dims", type=int, default=49)
    data.add_argument("--min-members", type=int, default=6)
    data.add_argument("--max-members", type=int, default=16)
    data.add_argument("--queries", type=int, default=200)
    data.add_argument("--qmin", type=int, default=7, help="fewest vectors in a query")
    data.add_argument("--qmax", type=int, default=16, help="most vectors in a query")
    data.add_argument("--topics", type=int, default=300, help="cluster centres")
    data.add_argument("--max-topics", type=int, default=3, help="most topics per document")
    data.add_argument("--sigma", type=float, default=0.35, help="RMS norm of a member's noise")
    data.add_argument("--seed", type=int, default=7)
    data.add_argument("--fashion-mnist", action="store_true",
                      help="documents and queries of Fashion-MNIST image patches instead")
    data.add_argument("--query-patches", type=int, default=0,
                      help="with --fashion-mnist: patches per query (0: all non-blank ones)")
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=64)
    p.add_argument("--ef-search", type=int, default=40,
                   help="mvvd.hnsw_ef_search for the multivector index")
    p.add_argument("--iterative-scan", choices=("strict_order", "relaxed_order", "off"),
                   help="mvvd.hnsw_iterative_scan for the multivector index (unset: the "
                        "server's setting, strict_order)")
    p.add_argument("--candidates", type=int_list, default=[10, 20, 50, 100, 200],
                   help="comma-separated mvvd.hnsw_candidates values")
    p.add_argument("--baseline-n", type=int_list, default=[10, 50, 100],
                   help="comma-separated members per query vector for the baseline")
    p.add_argument("--exact-queries", type=int, default=10,
                   help="queries run by sequential scan (0: none)")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--force-index", action="store_true",
                   help="enable_seqscan = off while measuring the two index methods "
                        "(by default the planner chooses, and each table says what it ran)")
    p.add_argument("--warmup", action=argparse.BooleanOptionalAction, default=True,
                   help="one untimed pass over the queries before each timed pass")
    p.add_argument("--skip-load", action="store_true",
                   help="reuse tables docs and members when their row counts match")
    p.add_argument("--dsn", default="", help="libpq connection string (default: PG* env)")
    p.add_argument("--json", help="write all figures to this file")
    args = p.parse_args(argv)
    if min(args.docs, args.dims, args.min_members, args.queries, args.qmin, args.k,
           args.topics) < 1:
        p.error("sizes must be positive")
    if args.min_members > args.max_members or args.qmin > args.qmax:
        p.error("member count ranges must have min <= max")
    if not args.candidates or not args.baseline_n:
        p.error("--candidates and --baseline-n must not be empty")
    return args


def main(argv):
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        if args.fashion_mnist:
            docs, queries = fashion_mnist_patches(args)
        else:
            docs, queries, _ = clustered_dataset(args)
    except BenchError as err:
        log(f"error: {err}")
        return 2
    log(f"data: {len(docs)} documents ({len(docs.vectors)} members), {len(queries)} queries "
        f"({len(queries.vectors)} vectors) in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    scores = exact_maxsim(docs, queries)
    truth = top_k(scores, args.k)
    log(f"ground truth (exact MaxSim, k={args.k}): {time.perf_counter() - started:.1f} s")

    try:
        result = benchmark(args, docs, queries, truth, scores)
    except BenchError as err:
        log(f"error: {err}")
        return 1
    result["summary"] = summary(result)
    report(args, docs, queries, result)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"options": vars(args), "documents": len(docs),
                       "members": len(docs.vectors), "queries": len(queries),
                       "query_vectors": len(queries.vectors), **result}, f, indent=1)
        log(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
