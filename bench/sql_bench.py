#!/usr/bin/python3
"""SQL benchmark of approximate nearest-neighbour search: MVVD against pgvector, through PostgreSQL.

For each system under test, in a database of its own (bench_mvvd, bench_pgvector), it loads the
base vectors into items(id int primary key, emb vector(DIM)) with binary COPY, builds an HNSW
index, and for each ef_search value runs every query once, single client, as a prepared
`SELECT id FROM items ORDER BY emb <op> $1 LIMIT k` with the vector sent as a binary parameter.
It reports recall@k against exact ground truth (brute force in float64), QPS, p50/p99 latency,
build time and index size, and when both systems ran, a table of ratios (ours/theirs).

With --client pgbench, the QPS comes from pgbench instead (one client, -M prepared, --seconds per
ef_search and system, in --rounds interleaved rounds, median), each query vector drawn inside
pgbench from a table bench_queries stored inline, so the figure is the server's and not this
script's (Python costs about 0.4 ms per query, more than a search at low ef_search); recall and
p50/p99 still come from the Python pass. The last build of each system is the one timed.

Normally run through bench/sql_bench.sh, which starts a throwaway cluster with benchmark settings
(MVVD must be built and installed first: `make && make install` at the repo top):

    bash bench/sql_bench.sh                                   # 100k x 128 mixture, both systems
    bash bench/sql_bench.sh --systems pgvector --builds 3     # pgvector only, three builds
    bash bench/sql_bench.sh --n 5000 --ef 10,40 --metric cosine
    bash bench/sql_bench.sh --base base.npy --queries queries.fvecs --json /tmp/out.json
    bash bench/sql_bench.sh --fashion-mnist                   # 60k x 784 real data
    /usr/bin/python3 bench/sql_bench.py --dsn 'host=/tmp/sock dbname=postgres' --skip-load

Data: by default a seeded Gaussian mixture (the team's distribution, see gmm_dataset); with
--base/--queries two .npy (float32, 2-D) or .fvecs files; with --fashion-mnist the gzipped IDX
files of Debian's dataset-fashion-mnist package (train images = base, first --nq test = queries).
Row i of the base has id i+1. Needs numpy and psycopg 3 (Debian's python3-numpy, python3-psycopg).
"""

import argparse
import dataclasses
import gzip
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format

OPERATORS = {"l2": "<->", "cosine": "<=>", "ip": "<#>"}
OPCLASSES = {"l2": "vector_l2_ops", "cosine": "vector_cosine_ops", "ip": "vector_ip_ops"}
RECALL_TARGETS = (0.90, 0.95, 0.98, 0.99)
INDEX_NAME = "items_emb_bench_idx"
FASHION_PACKAGE = "dataset-fashion-mnist"


@dataclasses.dataclass
class System:
    """One system under test: where it lives and how its HNSW index is named and tuned."""
    name: str
    database: str
    extension: str
    access_method: str
    ef_guc: str


SYSTEMS = {
    "mvvd": System("mvvd", "bench_mvvd", "mvvd", "mvvd_hnsw", "mvvd.hnsw_ef_search"),
    "pgvector": System("pgvector", "bench_pgvector", "vector", "hnsw", "hnsw.ef_search"),
}


class SkipSystem(Exception):
    """Raised when a system cannot be measured; the message says why, the run goes on."""


def log(*parts):
    """Progress goes to stderr, so stdout holds only the result tables."""
    print(*parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Data sets


def gmm_dataset(n, dim, nq, clusters, seed, wscale):
    """The team's seeded Gaussian mixture: returns (base, queries) as float32 arrays.

    centers ~ N(0, I); cluster weights ~ Dirichlet(2); each cluster c has per-axis std
    s_c = wscale * U(0.5, 1.5) * i^-0.5 (i = 1..dim) and a random orthogonal rotation R_c;
    a point is c + (z * s_c) @ R_c with z ~ N(0, I). Base rows use seed+1, queries seed+2.
    """
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((clusters, dim))
    weights = rng.dirichlet(np.full(clusters, 2.0))
    decay = np.arange(1, dim + 1, dtype=np.float64) ** -0.5
    stds = [wscale * rng.uniform(0.5, 1.5) * decay for _ in range(clusters)]
    rotations = [np.linalg.qr(rng.standard_normal((dim, dim)))[0] for _ in range(clusters)]

    def sample(sample_seed, count):
        srng = np.random.default_rng(sample_seed)
        labels = srng.choice(clusters, size=count, p=weights)
        points = np.empty((count, dim), dtype=np.float32)
        for c in range(clusters):
            rows = np.flatnonzero(labels == c)
            if rows.size:
                noise = srng.standard_normal((rows.size, dim)) * stds[c]
                points[rows] = (centers[c] + noise @ rotations[c]).astype(np.float32)
        return points

    return sample(seed + 1, n), sample(seed + 2, nq)


def read_fvecs(path):
    """Reads .fvecs: each row is an int32 dimension followed by that many float32 values."""
    raw = np.fromfile(path, dtype="<i4")
    if raw.size == 0:
        raise ValueError(f"{path}: empty fvecs file")
    dim = int(raw[0])
    if dim <= 0 or raw.size % (dim + 1):
        raise ValueError(f"{path}: not an fvecs file of dimension {dim}")
    rows = raw.reshape(-1, dim + 1)
    if np.any(rows[:, 0] != dim):
        raise ValueError(f"{path}: rows of differing dimensions")
    return rows[:, 1:].view("<f4").astype(np.float32)


def read_matrix(path):
    """Reads a 2-D float matrix from .npy or .fvecs, as contiguous float32."""
    if path.endswith(".fvecs"):
        matrix = read_fvecs(path)
    elif path.endswith(".npy"):
        matrix = np.load(path)
    else:
        raise ValueError(f"{path}: expected a .npy or .fvecs file")
    if matrix.ndim != 2:
        raise ValueError(f"{path}: expected a 2-D matrix, got shape {matrix.shape}")
    return np.ascontiguousarray(matrix, dtype=np.float32)


def read_idx_images(path):
    """Reads a gzipped IDX file of uint8 images (magic 0x0803) as float32 rows of pixels."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">iiii", data[:16])
    if magic != 0x0803:
        raise ValueError(f"{path}: not an IDX image file (magic {magic:#x})")
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16, count=count * rows * cols)
    return pixels.reshape(count, rows * cols).astype(np.float32)


def fashion_mnist_files():
    """Paths of the train and test image files, installing the Debian package if missing."""
    listing = subprocess.run(["dpkg", "-L", FASHION_PACKAGE], capture_output=True, text=True)
    if listing.returncode != 0:
        log(f"installing {FASHION_PACKAGE} with apt-get...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq",
                        "--no-install-recommends", FASHION_PACKAGE],
                       check=True, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr)
        listing = subprocess.run(["dpkg", "-L", FASHION_PACKAGE], capture_output=True,
                                 text=True, check=True)
    files = listing.stdout.split()
    pick = {name: [f for f in files if f.endswith(name)]
            for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz")}
    if not all(pick.values()):
        raise FileNotFoundError(f"{FASHION_PACKAGE} holds no IDX image files")
    return pick["train-images-idx3-ubyte.gz"][0], pick["t10k-images-idx3-ubyte.gz"][0]


def load_dataset(args):
    """Returns (name, base, queries) for the data the options select."""
    if args.fashion_mnist:
        train, test = fashion_mnist_files()
        return "fashion-mnist", read_idx_images(train), read_idx_images(test)[:args.nq]
    if args.base or args.queries:
        if not (args.base and args.queries):
            raise SystemExit("--base and --queries go together")
        base, queries = read_matrix(args.base), read_matrix(args.queries)
        if base.shape[1] != queries.shape[1]:
            raise SystemExit(f"dimension mismatch: base {base.shape}, queries {queries.shape}")
        return f"{os.path.basename(args.base)}+{os.path.basename(args.queries)}", base, queries
    base, queries = gmm_dataset(args.n, args.dim, args.nq, args.clusters, args.seed,
                                args.wscale)
    name = (f"gmm n={args.n} dim={args.dim} nq={args.nq} clusters={args.clusters} "
            f"seed={args.seed} wscale={args.wscale}")
    return name, base, queries


# ---------------------------------------------------------------------------------------------
# Ground truth


def unit_rows(matrix):
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def exact_top_k(base, queries, k, metric, chunk_bytes=256 << 20):
    """0-based row indices of the exact k nearest base rows per query, computed in float64."""
    b = base.astype(np.float64)
    if metric == "cosine":
        b = unit_rows(b)
    base_sq = (b * b).sum(axis=1) if metric == "l2" else None
    k = min(k, len(b))
    chunk = max(1, chunk_bytes // (8 * len(b)))
    result = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk].astype(np.float64)
        if metric == "cosine":
            q = unit_rows(q)
        dots = q @ b.T
        # Per query, ranking by these equals ranking by the metric's distance.
        score = base_sq[None, :] - 2.0 * dots if metric == "l2" else -dots
        part = np.argpartition(score, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(score, part, axis=1), axis=1, kind="stable")
        result[start:start + chunk] = np.take_along_axis(part, order, axis=1)
    return result


def recall_at_k(found_ids, truth_rows):
    """Mean fraction of each query's true top k (0-based rows) found among its ids (1-based)."""
    truth_ids = (truth_rows + 1).tolist()
    hits = sum(len(set(ids) & set(truth)) for ids, truth in zip(found_ids, truth_ids))
    return hits / truth_rows.size


# ---------------------------------------------------------------------------------------------
# Database access


class VectorBinaryDumper(Dumper):
    """Sends a float32 array as `vector` in binary: int16 dims, int16 zero, big-endian float4."""
    format = Format.BINARY

    def dump(self, obj):
        values = np.asarray(obj, dtype=">f4")
        return struct.pack(">hh", values.size, 0) + values.tobytes()


def register_vector_dumper(conn):
    """Makes numpy arrays bind as this database's `vector` type (its oid differs per database)."""
    oid = conn.execute("SELECT to_regtype('vector')::oid").fetchone()[0]
    if oid is None:
        raise SkipSystem("type vector not found")
    dumper = type("VectorDumper", (VectorBinaryDumper,), {"oid": oid})
    conn.adapters.register_dumper(np.ndarray, dumper)


def connect(dsn, dbname=None):
    """An autocommit connection, to the libpq default database or to dbname."""
    extra = {"dbname": dbname} if dbname else {}
    return psycopg.connect(dsn, autocommit=True, **extra)


def first_error_line(err):
    """The server's message without psycopg's extra lines."""
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def open_system_database(dsn, system):
    """Creates the system's database if missing and its extension; returns a connection."""
    with connect(dsn) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               (system.database,)).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{system.database}"')
    conn = connect(dsn, system.database)
    try:
        conn.execute(f'CREATE EXTENSION IF NOT EXISTS "{system.extension}"')
    except psycopg.Error as err:
        conn.close()
        hint = (" (build and install MVVD first: `make && make install` at the repo top)"
                if system.name == "mvvd" else "")
        raise SkipSystem(f"CREATE EXTENSION {system.extension} failed: "
                         f"{first_error_line(err)}{hint}") from None
    register_vector_dumper(conn)
    return conn


def peer_available(dsn, system):
    """Whether the server offers the system's extension."""
    with connect(dsn) as conn:
        return conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s",
                            (system.extension,)).fetchone() is not None


def copy_chunks(base, rows_per_chunk=8192):
    """The base matrix as a binary COPY stream of (id int4, emb vector) rows, in chunks."""
    n, dim = base.shape
    row = np.dtype([("fields", ">i2"), ("id_len", ">i4"), ("id", ">i4"), ("emb_len", ">i4"),
                    ("dim", ">i2"), ("unused", ">i2"), ("values", ">f4", (dim,))])
    yield b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    for start in range(0, n, rows_per_chunk):
        block = base[start:start + rows_per_chunk]
        rows = np.zeros(len(block), dtype=row)
        rows["fields"], rows["id_len"], rows["emb_len"], rows["dim"] = 2, 4, 4 + 4 * dim, dim
        rows["id"] = np.arange(start + 1, start + 1 + len(block))
        rows["values"] = block
        yield rows.tobytes()
    yield struct.pack(">h", -1)


def table_row_count(conn):
    """Rows of items, or None when there is no such table."""
    if conn.execute("SELECT to_regclass('items')").fetchone()[0] is None:
        return None
    return conn.execute("SELECT count(*) FROM items").fetchone()[0]


def load_items(conn, base, skip_load):
    """Fills items with the base rows (ids 1..N); returns seconds spent, 0 if reused."""
    if skip_load and table_row_count(conn) == len(base):
        log("  reusing table items")
        return 0.0
    started = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS items")
    conn.execute(f"CREATE TABLE items (id int, emb vector({base.shape[1]}))")
    with conn.cursor() as cur:
        with cur.copy("COPY items (id, emb) FROM STDIN WITH (FORMAT BINARY)") as copy:
            for chunk in copy_chunks(base):
                copy.write(chunk)
    conn.execute("ALTER TABLE items ADD PRIMARY KEY (id)")
    conn.execute("VACUUM (ANALYZE) items")
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Measurements


def build_index(conn, system, metric, m, ef_construction):
    """Drops and builds the HNSW index; returns (seconds, index bytes)."""
    if conn.execute("SELECT 1 FROM pg_am WHERE amname = %s",
                    (system.access_method,)).fetchone() is None:
        raise SkipSystem(f"access method {system.access_method} not available")
    conn.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
    ddl = (f"CREATE INDEX {INDEX_NAME} ON items USING {system.access_method} "
           f"(emb {OPCLASSES[metric]}) WITH (m = {m}, ef_construction = {ef_construction})")
    started = time.perf_counter()
    try:
        conn.execute(ddl)
    except psycopg.Error as err:
        raise SkipSystem(f"CREATE INDEX failed: {first_error_line(err)}") from None
    seconds = time.perf_counter() - started
    size = conn.execute("SELECT pg_relation_size(%s::regclass)", (INDEX_NAME,)).fetchone()[0]
    return seconds, size


def set_ef_search(conn, system, ef):
    """Sets the system's ef_search setting for this session."""
    try:
        conn.execute("SELECT set_config(%s, %s, false)", (system.ef_guc, str(ef)))
    except psycopg.Error as err:
        raise SkipSystem(f"cannot set {system.ef_guc}: {first_error_line(err)}") from None


def knn_sql(metric, k):
    """The benchmark query; %b binds the vector as a binary parameter."""
    return f"SELECT id FROM items ORDER BY emb {OPERATORS[metric]} %b LIMIT {k}"


def check_plan_uses_index(conn, query, sample):
    """Warns when the planner would not scan the index for this query."""
    plan = conn.execute("EXPLAIN " + query, (sample,)).fetchall()
    if not any(INDEX_NAME in line[0] for line in plan):
        log("  warning: the plan does not use the index:\n    "
            + "\n    ".join(line[0] for line in plan))


def run_queries(conn, query, queries):
    """Runs every query once as a prepared statement; returns (ids, latencies s, wall s)."""
    found = []
    latencies = np.empty(len(queries))
    with conn.cursor(binary=True) as cur:
        started = time.perf_counter()
        for i, q in enumerate(queries):
            t0 = time.perf_counter()
            cur.execute(query, (q,), prepare=True)
            rows = cur.fetchall()
            latencies[i] = time.perf_counter() - t0
            found.append([r[0] for r in rows])
        wall = time.perf_counter() - started
    return found, latencies, wall


def measure_ef(conn, system, args, queries, truth, ef):
    """Recall, QPS and latency percentiles of one timed pass at one ef_search."""
    set_ef_search(conn, system, ef)
    query = knn_sql(args.metric, args.k)
    if args.warmup:
        run_queries(conn, query, queries)
    found, latencies, wall = run_queries(conn, query, queries)
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000.0
    return {"ef": ef, "recall": recall_at_k(found, truth), "qps": len(queries) / wall,
            "p50_ms": float(p50), "p99_ms": float(p99)}


def load_queries_table(conn, queries):
    """bench_queries(qid 1..nq, emb) for pgbench to draw from, stored inline (not TOASTed)."""
    conn.execute("DROP TABLE IF EXISTS bench_queries")
    conn.execute(f"CREATE TABLE bench_queries (qid int PRIMARY KEY, emb vector({queries.shape[1]}))")
    # inline: PLAIN where a row fits a page, else MAIN (compressed, out of line only if it must)
    storage = "PLAIN" if 4 * queries.shape[1] + 64 < 8000 else "MAIN"
    conn.execute(f"ALTER TABLE bench_queries ALTER COLUMN emb SET STORAGE {storage}")
    with conn.cursor(binary=True) as cur:
        cur.executemany("INSERT INTO bench_queries VALUES (%s, %b)",
                        [(i + 1, q) for i, q in enumerate(queries)])
    conn.execute("ANALYZE bench_queries")


def pgbench_tps(args, system, ef):
    """Transactions per second of one pgbench client running the benchmark query for --seconds."""
    script = (f"\\set q random(1, {args.nq_loaded})\n"
              f"SELECT id FROM items ORDER BY emb {OPERATORS[args.metric]} "
              f"(SELECT emb FROM bench_queries WHERE qid = :q) LIMIT {args.k};\n")
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as f:
        f.write(script)
        f.flush()
        env = dict(os.environ, PGOPTIONS=f"-c {system.ef_guc}={ef} -c enable_seqscan=off")
        dsn = f"{args.dsn} dbname={system.database}".strip()
        out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", "1",
                              "-T", str(args.seconds), "-f", f.name, dsn],
                             env=env, capture_output=True, text=True)
    tps = re.search(r"^tps = ([0-9.]+)", out.stdout, re.M)
    if out.returncode != 0 or tps is None:
        raise SkipSystem(f"pgbench failed: {(out.stderr or out.stdout).strip()[:300]}")
    return float(tps.group(1))


def pgbench_rounds(args, results):
    """Times every (system, ef_search) of the last builds with pgbench, in --rounds interleaved
    rounds (a noisy stretch of the machine hits every system alike); QPS becomes the median."""
    samples = {(name, run["ef"]): [] for name, r in results.items()
               for run in r["builds"][-1]["runs"]}
    for round_no in range(args.rounds):
        log(f"pgbench round {round_no + 1}/{args.rounds}")
        for ef in args.ef:
            for name in results:
                samples[(name, ef)].append(pgbench_tps(args, SYSTEMS[name], ef))
    for name, result in results.items():
        for run in result["builds"][-1]["runs"]:
            run["python_qps"] = run["qps"]
            run["pgbench_tps"] = samples[(name, run["ef"])]
            run["qps"] = float(np.median(run["pgbench_tps"]))


def benchmark_system(dsn, system, args, base, queries, truth):
    """Loads, builds --builds times and measures one system; returns its figures."""
    log(f"[{system.name}] database {system.database}")
    conn = open_system_database(dsn, system)
    with conn:
        load_s = load_items(conn, base, args.skip_load)
        if load_s:
            log(f"  loaded {len(base)} rows in {load_s:.1f} s")
        conn.execute("SET enable_seqscan = off")
        if args.client == "pgbench":
            load_queries_table(conn, queries)
            args.nq_loaded = len(queries)
        builds = []
        for b in range(args.builds):
            log(f"  build {b + 1}/{args.builds}: CREATE INDEX USING {system.access_method} ...")
            build_s, size = build_index(conn, system, args.metric, args.m, args.ef_construction)
            log(f"  built in {build_s:.1f} s, {size / 1e6:.1f} MB")
            check_plan_uses_index(conn, knn_sql(args.metric, args.k), queries[0])
            runs = []
            for ef in args.ef:
                runs.append(measure_ef(conn, system, args, queries, truth, ef))
                log("  ef {ef}: recall {recall:.4f}, {qps:.0f} QPS".format(**runs[-1]))
            builds.append({"build_s": build_s, "index_bytes": size,
                           "index_mb": size / 1e6, "bytes_per_row": size / len(base),
                           "runs": runs})
    return {"system": system.name, "load_s": load_s, "builds": builds}


# ---------------------------------------------------------------------------------------------
# Reports


def median_build(builds):
    """Per-ef medians over several builds, shaped like one build."""
    if len(builds) == 1:
        return builds[0]
    med = {key: float(np.median([b[key] for b in builds]))
           for key in ("build_s", "index_bytes", "index_mb", "bytes_per_row")}
    med["runs"] = [{key: float(np.median([b["runs"][i][key] for b in builds]))
                    for key in ("recall", "qps", "p50_ms", "p99_ms")}
                   | {"ef": run["ef"]} for i, run in enumerate(builds[0]["runs"])]
    return med


def format_build(title, build, k):
    """One system's table: ef | recall@k | QPS | p50 ms | p99 ms, then build time and size."""
    lines = [title,
             f"  {'ef':>5} | {f'recall@{k}':>9} | {'QPS':>8} | {'p50 ms':>7} | {'p99 ms':>7}"]
    for r in build["runs"]:
        lines.append(f"  {r['ef']:>5} | {r['recall']:>9.4f} | {r['qps']:>8.0f} | "
                     f"{r['p50_ms']:>7.3f} | {r['p99_ms']:>7.3f}")
    lines.append(f"  build {build['build_s']:.2f} s, index {build['index_mb']:.1f} MB, "
                 f"{build['bytes_per_row']:.0f} B/row")
    return "\n".join(lines)


def format_system(result, k):
    """Every build of one system, plus the medians when there were several."""
    builds = result["builds"]
    parts = [format_build(f"{result['system']}, build {i + 1} of {len(builds)}", b, k)
             for i, b in enumerate(builds)]
    if len(builds) > 1:
        parts.append(format_build(f"{result['system']}, median of {len(builds)} builds",
                                  median_build(builds), k))
    return "\n\n".join(parts)


def best_qps(build, target):
    """(QPS, ef) of the fastest ef reaching the recall target, or None."""
    reaching = [(r["qps"], r["ef"]) for r in build["runs"] if r["recall"] >= target]
    return max(reaching) if reaching else None


def ratio(ours, theirs):
    return ours / theirs if ours and theirs else None


def compare(ours, theirs):
    """Ratios ours/theirs (medians over builds): QPS at recall targets, build time, size."""
    mine, peer = median_build(ours["builds"]), median_build(theirs["builds"])
    targets = []
    for target in RECALL_TARGETS:
        a, b = best_qps(mine, target), best_qps(peer, target)
        targets.append({"recall": target, "ours": a, "theirs": b,
                        "qps_ratio": ratio(a and a[0], b and b[0])})
    return {"targets": targets,
            "build_ratio": ratio(mine["build_s"], peer["build_s"]),
            "size_ratio": ratio(mine["index_bytes"], peer["index_bytes"])}


def format_comparison(cmp, ours_name, theirs_name):
    """The ratio table as text."""
    def cell(best):
        return f"{best[0]:.0f} (ef {best[1]})" if best else "not reached"

    def num(value):
        return f"{value:.2f}" if value is not None else "-"

    lines = [f"{ours_name} vs {theirs_name} (ours/theirs; medians over builds)",
             f"  {'recall':>6} | {ours_name + ' QPS':>16} | {theirs_name + ' QPS':>16} | ratio"]
    for t in cmp["targets"]:
        lines.append(f"  {t['recall']:>6.2f} | {cell(t['ours']):>16} | "
                     f"{cell(t['theirs']):>16} | {num(t['qps_ratio'])}")
    lines.append(f"  build time ratio {num(cmp['build_ratio'])}, "
                 f"index size ratio {num(cmp['size_ratio'])}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Command line


def int_list(text):
    return [int(x) for x in text.split(",") if x.strip()]


def name_list(text):
    names = [x.strip() for x in text.split(",") if x.strip()]
    unknown = [x for x in names if x not in SYSTEMS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown system(s): {', '.join(unknown)}")
    return names


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    data = p.add_argument_group("data (default: a seeded Gaussian mixture)")
    data.add_argument("--n", type=int, default=100000, help="base rows")
    data.add_argument("--dim", type=int, default=128)
    data.add_argument("--nq", type=int, default=1000, help="queries")
    data.add_argument("--clusters", type=int, default=100)
    data.add_argument("--seed", type=int, default=42)
    data.add_argument("--wscale", type=float, default=2.0, help="cluster width scale")
    data.add_argument("--base", help="base vectors, .npy (float32 2-D) or .fvecs")
    data.add_argument("--queries", help="query vectors, .npy or .fvecs")
    data.add_argument("--fashion-mnist", action="store_true",
                      help="Debian's dataset-fashion-mnist (installed if missing)")
    p.add_argument("--systems", type=name_list, default=["mvvd", "pgvector"],
                   help="comma-separated: mvvd,pgvector")
    p.add_argument("--peer", choices=("auto", "none"), default="auto",
                   help="auto: run pgvector when the server offers it; none: never")
    p.add_argument("--metric", choices=sorted(OPERATORS), default="l2")
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=64)
    p.add_argument("--ef", type=int_list, default=[10, 20, 40, 80, 160],
                   help="comma-separated ef_search values")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--builds", type=int, default=1, help="index builds per system")
    p.add_argument("--client", choices=("python", "pgbench"), default="python",
                   help="what times the QPS: this script's loop, or pgbench (see above)")
    p.add_argument("--seconds", type=int, default=10, help="pgbench run per ef_search")
    p.add_argument("--rounds", type=int, default=3,
                   help="interleaved pgbench rounds (every system and ef_search once per round)")
    p.add_argument("--warmup", action=argparse.BooleanOptionalAction, default=True,
                   help="one untimed pass over the queries before each timed pass")
    p.add_argument("--skip-load", action="store_true",
                   help="reuse table items when it has the same row count (same data assumed)")
    p.add_argument("--dsn", default="", help="libpq connection string (default: PG* env)")
    p.add_argument("--json", help="write all figures to this file")
    args = p.parse_args(argv)
    if args.builds < 1 or args.k < 1 or not args.ef:
        p.error("--builds and --k must be positive and --ef non-empty")
    return args


def chosen_systems(args):
    """The systems to run, dropping pgvector under --peer none or when it is not installed."""
    chosen = []
    for name in args.systems:
        system = SYSTEMS[name]
        if name == "pgvector":
            if args.peer == "none":
                continue
            if not peer_available(args.dsn, system):
                log("pgvector (extension vector) not available on this server: skipped")
                continue
        chosen.append(system)
    return chosen


def main(argv):
    args = parse_args(argv)
    systems = chosen_systems(args)
    if not systems:
        log("no system to benchmark")
        return 2

    started = time.perf_counter()
    name, base, queries = load_dataset(args)
    log(f"data: {name}: base {base.shape}, queries {queries.shape} "
        f"({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    truth = exact_top_k(base, queries, args.k, args.metric)
    log(f"ground truth ({args.metric}, k={args.k}): {time.perf_counter() - started:.1f} s")

    results = {}
    for system in systems:
        try:
            results[system.name] = benchmark_system(args.dsn, system, args, base, queries, truth)
        except SkipSystem as why:
            log(f"[{system.name}] {why}: skipped")

    if not results:
        log("no system was measured")
        return 1
    if args.client == "pgbench":
        try:
            pgbench_rounds(args, results)
        except SkipSystem as why:
            log(str(why))
            return 1
    print(f"data: {name}, base {base.shape[0]} x {base.shape[1]}, {len(queries)} queries, "
          f"metric {args.metric}, m={args.m}, ef_construction={args.ef_construction}")
    for result in results.values():
        print()
        print(format_system(result, args.k))
    comparison = None
    if "mvvd" in results and "pgvector" in results:
        comparison = compare(results["mvvd"], results["pgvector"])
        print()
        print(format_comparison(comparison, "mvvd", "pgvector"))

    if args.json:
        report = {"data": name, "n": len(base), "dim": base.shape[1], "nq": len(queries),
                  "options": {key: value for key, value in vars(args).items()},
                  "systems": results, "comparison": comparison}
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        log(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
