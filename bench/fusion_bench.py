#!/usr/bin/python3
"""Benchmark of mvvd_search (weighted cross-field top-k) through PostgreSQL.

Part 1, two unrelated fields: items(id, a vector(128), b vector(128)) from the team's Gaussian
mixture with seeds 42 and 43 (100k rows by default), cosine indexes on both, weights 0.7 / 0.3.
For the same queries, in one run, single client, prepared statements with binary parameters:
  - one single-field HNSW query (ORDER BY a <=> q LIMIT 10), the floor;
  - mvvd_search (the threshold algorithm over both indexes);
  - the union of each field's top-L rows from its index, re-scored exactly in SQL (what Milvus
    and Qdrant do), for L = 100 and 1,000;
  - the brute force ORDER BY 0.7 * (a <=> q1) + 0.3 * (b <=> q2) LIMIT 10 (on fewer queries).
Fused recall@10 is against a float64 brute force of the same score.

Part 2, real fields that agree (when --mfeat points at the UCI Multiple Features data: six views
of 2,000 handwritten digits, one vector column per view, each view standardised per feature and
scaled to unit rows, cosine, equal weights): fused recall@10 against brute force, whether fusing
the views finds more same-class neighbours than the best single view, and the latency of
mvvd_search (all six views, and the two best alone) against one single-field query. Each digit in a sample is a query; it is left out of
its own answer.

Normally run through bench/fusion_bench.sh (a throwaway cluster with benchmark settings; MVVD
built and installed first):

    bash bench/fusion_bench.sh                             # 100k rows, and mfeat if present
    bash bench/fusion_bench.sh --n 20000 --nq 100 --mfeat none
    /usr/bin/python3 bench/fusion_bench.py --dsn 'host=/tmp/sock dbname=postgres' --skip-load

Needs numpy and psycopg 3 (Debian's python3-numpy, python3-psycopg).
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from sql_bench import connect, first_error_line, gmm_dataset, log, register_vector_dumper, unit_rows

DATABASE = "bench_fusion"
MFEAT_VIEWS = ("fou", "fac", "kar", "pix", "zer", "mor")
DEFAULT_MFEAT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                             "data", "mfeat")


class BenchError(Exception):
    """A benchmark that cannot go on; the message says why."""


# ---------------------------------------------------------------------------------------------
# Ground truth


def fused_top_k(fields, weights, queries, k, exclude=None):
    """0-based rows of the exact top k by sum_i w_i * cos(field_i, query_i) (unit rows given),
    which orders rows as mvvd_search's weighted cosine fusion does; `exclude` (a row per query)
    is left out."""
    result = np.empty((len(queries[0]), k), dtype=np.int64)
    for q in range(len(queries[0])):
        score = sum(w * (f @ qs[q]) for f, w, qs in zip(fields, weights, queries))
        if exclude is not None:
            score[exclude[q]] = -np.inf
        part = np.argpartition(-score, k)[:k]
        result[q] = part[np.argsort(-score[part], kind="stable")]
    return result


def recall_at_k(found_ids, truth_rows):
    """Mean fraction of each query's true top k (0-based rows) among its ids (1-based)."""
    hits = sum(len(set(ids) & set((row + 1).tolist())) for ids, row in zip(found_ids, truth_rows))
    return hits / truth_rows.size


# ---------------------------------------------------------------------------------------------
# Database


def vector_text(row):
    return "[" + ",".join(f"{x:.9g}" for x in row) + "]"


def open_database(dsn):
    with connect(dsn) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             (DATABASE,)).fetchone():
            admin.execute(f"CREATE DATABASE {DATABASE}")
    conn = connect(dsn, DATABASE)
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS mvvd")
    except Exception as err:  # noqa: BLE001 - any failure here ends the benchmark
        raise BenchError(f"CREATE EXTENSION mvvd failed: {first_error_line(err)} (build and "
                         "install MVVD first: `make && make install`)") from None
    register_vector_dumper(conn)
    return conn


def load_table(conn, table, columns, skip_load):
    """Creates table(id int primary key, <name> vector(dim)...) from {name: matrix}, ids 1..N."""
    n = len(next(iter(columns.values())))
    if skip_load and conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]:
        if conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == n:
            log(f"  reusing table {table}")
            return
    started = time.perf_counter()
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    ddl = ", ".join(f"{name} vector({m.shape[1]})" for name, m in columns.items())
    conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, {ddl})")
    names = ", ".join(columns)
    with conn.cursor() as cur:
        with cur.copy(f"COPY {table} (id, {names}) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row([i + 1] + [vector_text(m[i]) for m in columns.values()])
    conn.execute(f"VACUUM (ANALYZE) {table}")
    log(f"  loaded {n} rows into {table} in {time.perf_counter() - started:.1f} s")


def build_indexes(conn, table, names):
    for name in names:
        index = f"{table}_{name}_idx"
        if conn.execute("SELECT to_regclass(%s)", (index,)).fetchone()[0]:
            continue
        started = time.perf_counter()
        conn.execute(f"CREATE INDEX {index} ON {table} USING mvvd_hnsw ({name} vector_cosine_ops)")
        log(f"  built {index} in {time.perf_counter() - started:.1f} s")


def run(conn, query, params, settings=None):
    """Runs each parameter tuple once as a prepared statement; returns (rows, latencies s)."""
    for name, value in (settings or {}).items():
        conn.execute("SELECT set_config(%s, %s, false)", (name, str(value)))
    rows, latencies = [], np.empty(len(params))
    with conn.cursor(binary=True) as cur:
        for i, p in enumerate(params):
            t0 = time.perf_counter()
            cur.execute(query, p, prepare=True)
            rows.append(cur.fetchall())
            latencies[i] = time.perf_counter() - t0
    for name in settings or {}:
        conn.execute(f"RESET {name}")
    return rows, latencies


def measure(conn, label, query, params, truth=None, warmup=True, settings=None, drop=None):
    """One timed pass (after a warm-up pass): recall (when truth is given), p50, p99, QPS."""
    if warmup:
        run(conn, query, params, settings)
    rows, latencies = run(conn, query, params, settings)
    found = [[r[0] for r in rs if drop is None or r[0] != drop[i]] for i, rs in enumerate(rows)]
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000.0
    result = {"label": label, "queries": len(params), "p50_ms": float(p50), "p99_ms": float(p99),
              "qps": len(params) / latencies.sum()}
    if truth is not None:
        result["recall"] = recall_at_k([f[:truth.shape[1]] for f in found], truth)
    if rows and rows[0] and len(rows[0][0]) > 1:
        result["exact"] = sum(all(r[1] for r in rs) for rs in rows) / len(rows)
    log("  {label}: ".format(**result)
        + (f"recall {result['recall']:.4f}, " if "recall" in result else "")
        + f"p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    return result, found


def search_sql(fields, k):
    args = ", ".join(f"mvvd_field('{name}', %b::vector, {w})" for name, w in fields)
    return (f"SELECT t.id, s.exact FROM mvvd_search('{{table}}', ARRAY[{args}], k => {k}) s "
            f"JOIN {{table}} t ON t.ctid = s.row_id ORDER BY s.score DESC")


# ---------------------------------------------------------------------------------------------
# Part 1: two unrelated fields


def two_fields(conn, args):
    log(f"[two fields] {args.n} x {args.dim} per field, seeds 42 and 43")
    a, qa = gmm_dataset(args.n, args.dim, args.nq, 100, 42, 2.0)
    b, qb = gmm_dataset(args.n, args.dim, args.nq, 100, 43, 2.0)
    load_table(conn, "items", {"a": a, "b": b}, args.skip_load)
    build_indexes(conn, "items", ("a", "b"))
    wa, wb = args.weights
    ua, ub, uqa, uqb = (unit_rows(m.astype(np.float64)) for m in (a, b, qa, qb))
    truth = fused_top_k([ua, ub], [wa, wb], [uqa, uqb], args.k)
    pairs = list(zip(qa, qb))
    results = {}
    results["single"], _ = measure(
        conn, "single-field HNSW query", f"SELECT id FROM items ORDER BY a <=> %b LIMIT {args.k}",
        [(q,) for q in qa])
    results["mvvd_search"], _ = measure(
        conn, "mvvd_search", search_sql([("a", wa), ("b", wb)], args.k).format(table="items"),
        pairs, truth)
    for depth in (100, 1000):
        union = (f"SELECT i.id FROM items i WHERE i.id IN ("
                 f"(SELECT id FROM items ORDER BY a <=> %b LIMIT {depth}) UNION "
                 f"(SELECT id FROM items ORDER BY b <=> %b LIMIT {depth})) "
                 f"ORDER BY {wa} * (i.a <=> %b) + {wb} * (i.b <=> %b) LIMIT {args.k}")
        results[f"union_{depth}"], _ = measure(
            conn, f"union of per-field top {depth}, re-scored", union,
            [(x, y, x, y) for x, y in pairs], truth)
    brute = f"SELECT id FROM items ORDER BY {wa} * (a <=> %b) + {wb} * (b <=> %b) LIMIT {args.k}"
    few = pairs[:args.brute_queries]
    for workers in (0, 2):
        results[f"brute_{workers}"], _ = measure(
            conn, f"brute force, {workers} parallel workers", brute, few, truth[:len(few)],
            warmup=False, settings={"max_parallel_workers_per_gather": workers,
                                    "enable_indexscan": "off"})
    return results


# ---------------------------------------------------------------------------------------------
# Part 2: mfeat


def standardised(matrix):
    m = matrix.astype(np.float64)
    std = m.std(axis=0)
    return unit_rows((m - m.mean(axis=0)) / np.where(std == 0, 1.0, std))


def mfeat(conn, args):
    log(f"[mfeat] {args.mfeat}")
    views = {v: standardised(np.load(os.path.join(args.mfeat, f"{v}_all.npy")))
             for v in MFEAT_VIEWS}
    labels = np.load(os.path.join(args.mfeat, "labels.npy"))
    load_table(conn, "mfeat", {v: m.astype(np.float32) for v, m in views.items()},
               args.skip_load)
    build_indexes(conn, "mfeat", MFEAT_VIEWS)
    sample = np.arange(0, len(labels), 10)
    weight = 1.0 / len(MFEAT_VIEWS)
    queries = [views[v][sample] for v in MFEAT_VIEWS]
    k = args.k
    truth = fused_top_k(list(views.values()), [weight] * len(views), queries, k, exclude=sample)

    def class_precision(rows):
        return float(np.mean([np.mean(labels[r] == labels[s]) for r, s in zip(rows, sample)]))

    precision = {v: class_precision(fused_top_k([views[v]], [1.0], [views[v][sample]], k,
                                                exclude=sample)) for v in MFEAT_VIEWS}
    precision["fused (exact)"] = class_precision(truth)
    params = [tuple(q[i].astype(np.float32) for q in queries) for i in range(len(sample))]
    fields = [(v, round(weight, 6)) for v in MFEAT_VIEWS]
    query = search_sql(fields, k + 1).format(table="mfeat")
    drop = (sample + 1).tolist()
    results = {"class_precision": precision}
    results["mvvd_search"], found = measure(conn, "mvvd_search (default plan)", query, params,
                                            truth, drop=drop)
    precision["fused (mvvd_search)"] = class_precision(
        [np.array(f[:k]) - 1 for f in found])
    results["mvvd_search_index"], _ = measure(
        conn, "mvvd_search (index plan)", query, params, truth, drop=drop,
        settings={"mvvd.search_exact_rows": 0})
    best = max(MFEAT_VIEWS, key=lambda v: precision[v])
    results["best_view"] = best
    # the two best views alone: the cost of fusing grows with the number of fields
    pair = sorted(MFEAT_VIEWS, key=lambda v: -precision[v])[:2]
    pair_truth = fused_top_k([views[v] for v in pair], [0.5, 0.5],
                             [views[v][sample] for v in pair], k, exclude=sample)
    results["mvvd_search_two"], _ = measure(
        conn, f"mvvd_search, two views ({' + '.join(pair)})",
        search_sql([(v, 0.5) for v in pair], k + 1).format(table="mfeat"),
        [tuple(views[v][s].astype(np.float32) for v in pair) for s in sample], pair_truth,
        drop=drop)
    results["single"], _ = measure(
        conn, f"single-field HNSW query ({best})",
        f"SELECT id FROM mfeat ORDER BY {best} <=> %b LIMIT {k + 1}",
        [(views[best][s].astype(np.float32),) for s in sample],
        settings={"enable_seqscan": "off"})
    return results


# ---------------------------------------------------------------------------------------------
# Report


def ratio(x, y):
    return x / y if y else float("nan")


def report(two, mf):
    lines = []
    if two:
        lines += ["", "Two unrelated fields (weights {w}), recall@10 vs brute force".format(
            w="/".join(str(x) for x in ARGS.weights)),
            "| method | recall@10 | p50 ms | p99 ms | exact |", "|---|---|---|---|---|"]
        for key in ("single", "mvvd_search", "union_100", "union_1000", "brute_0", "brute_2"):
            r = two[key]
            lines.append(f"| {r['label']} | {r.get('recall', float('nan')):.4f} | "
                         f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                         f"{r['exact'] if 'exact' in r else '':} |")
        m = two["mvvd_search"]["p50_ms"]
        lines += ["", f"mvvd_search p50: {ratio(two['union_1000']['p50_ms'], m):.1f}x faster than "
                  f"the union of top 1000, {ratio(two['brute_0']['p50_ms'], m):.1f}x faster than "
                  f"brute force ({ratio(two['brute_2']['p50_ms'], m):.1f}x with 2 workers), "
                  f"{ratio(m, two['single']['p50_ms']):.1f}x one single-field query"]
    if mf:
        lines += ["", "mfeat: six views, equal weights, cosine on standardised features",
                  "| method | recall@10 | p50 ms | p99 ms |", "|---|---|---|---|"]
        for key in ("single", "mvvd_search", "mvvd_search_index", "mvvd_search_two"):
            r = mf[key]
            rec = f"{r['recall']:.4f}" if "recall" in r else ""
            lines.append(f"| {r['label']} | {rec} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")
        lines += ["", "same-class precision@10 (leave one out):"]
        lines += [f"  {name}: {p:.3f}" for name, p in mf["class_precision"].items()]
        lines += ["", f"mvvd_search p50 / single-field p50: default plan "
                  f"{ratio(mf['mvvd_search']['p50_ms'], mf['single']['p50_ms']):.1f}x, index plan "
                  f"{ratio(mf['mvvd_search_index']['p50_ms'], mf['single']['p50_ms']):.1f}x; "
                  f"two views {ratio(mf['mvvd_search_two']['p50_ms'], mf['single']['p50_ms']):.1f}x"]
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dsn", default="", help="libpq connection string (default: environment)")
    p.add_argument("--n", type=int, default=100000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--nq", type=int, default=200)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--weights", type=lambda s: [float(x) for x in s.split(",")], default=[0.7, 0.3])
    p.add_argument("--brute-queries", type=int, default=20)
    p.add_argument("--mfeat", default=DEFAULT_MFEAT, help="mfeat directory, or 'none'")
    p.add_argument("--skip-load", action="store_true", help="reuse tables of the right size")
    p.add_argument("--json", help="also write the figures to this file")
    return p.parse_args(argv)


def main(argv):
    global ARGS
    ARGS = args = parse_args(argv)
    try:
        with open_database(args.dsn) as conn:
            two = two_fields(conn, args) if args.n > 0 else None
            have_mfeat = args.mfeat != "none" and os.path.isdir(args.mfeat)
            if args.mfeat != "none" and not have_mfeat:
                log(f"[mfeat] skipped: no directory {args.mfeat}")
            mf = mfeat(conn, args) if have_mfeat else None
    except BenchError as err:
        log(f"error: {err}")
        return 1
    print(report(two, mf))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"two_fields": two, "mfeat": mf}, out, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
