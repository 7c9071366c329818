#!/usr/bin/python3
"""Benchmark of mvvd_search (weighted cross-field top-k) through PostgreSQL.

Part 1, two unrelated fields: items(id, a vector(128), b vector(128)) from the team's Gaussian
mixture with seeds 42 and 43 (100k rows by default), or from two real data sets (--fields, e.g.
word embeddings and image vectors, paired row by row), cosine indexes on both, weights 0.7 / 0.3.
For the same queries, in one run, single client, prepared statements with binary parameters:
  - one single-field HNSW query (ORDER BY a <=> q LIMIT 10), the floor;
  - mvvd_search (the threshold algorithm over both indexes);
  - the union of each field's top-L rows from its index, re-scored exactly in SQL (what Milvus
    and Qdrant do), for L = 100 and 1,000;
  - the brute force ORDER BY 0.7 * (a <=> q1) + 0.3 * (b <=> q2) LIMIT 10 (on fewer queries);
  - then, with a combined index on mvvd_unit_concat(a, b) added, mvvd_search reading it alone
    (at two beam widths: its graph links rows by both fields equally, the query weighs 0.7/0.3).
Fused recall@10 is against a float64 brute force of the same score.

Part 2, real fields that agree (when --mfeat points at the UCI Multiple Features data: six views
of 2,000 handwritten digits, one vector column per view, each view standardised per feature and
scaled to unit rows, cosine, equal weights): fused recall@10 against brute force, whether fusing
the views finds more same-class neighbours than the best single view, and the latency of
mvvd_search (all six views through their own indexes, then through a combined index on
mvvd_unit_concat of the six, and the two best views alone) against one single-field query, in
interleaved rounds (each round times every method once; the figures are medians over rounds,
so a noisy stretch of the machine hits every method alike). Each digit in a sample is a query;
it is left out of its own answer.

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

from sql_bench import (connect, first_error_line, gmm_dataset, log, read_matrix,
                       register_vector_dumper, unit_rows)

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


def build_index(conn, index, ddl):
    """Creates the index unless it exists; returns (build seconds or None, size in bytes)."""
    seconds = None
    if not conn.execute("SELECT to_regclass(%s)", (index,)).fetchone()[0]:
        started = time.perf_counter()
        conn.execute(ddl)
        seconds = time.perf_counter() - started
        log(f"  built {index} in {seconds:.1f} s")
    return seconds, conn.execute("SELECT pg_relation_size(%s)", (index,)).fetchone()[0]


def build_indexes(conn, table, names):
    for name in names:
        build_index(conn, f"{table}_{name}_idx",
                    f"CREATE INDEX {table}_{name}_idx ON {table} USING mvvd_hnsw "
                    f"({name} vector_cosine_ops)")


def build_combined(conn, table, names):
    """The combined index of the columns: mvvd_hnsw on mvvd_unit_concat(...), vector_ip_ops."""
    index = f"{table}_combined_idx"
    seconds, size = build_index(conn, index, f"CREATE INDEX {index} ON {table} USING mvvd_hnsw "
                                f"(mvvd_unit_concat({', '.join(names)}) vector_ip_ops)")
    return {"build_s": seconds, "mb": size / 1e6}


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


def summary(label, rows, latencies, truth, drop):
    """Recall (when truth is given), p50, p99, QPS and the share of exact answers of one pass."""
    found = [[r[0] for r in rs if drop is None or r[0] != drop[i]] for i, rs in enumerate(rows)]
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000.0
    result = {"label": label, "queries": len(rows), "p50_ms": float(p50), "p99_ms": float(p99),
              "qps": len(rows) / latencies.sum()}
    if truth is not None:
        result["recall"] = recall_at_k([f[:truth.shape[1]] for f in found], truth)
    if rows and rows[0] and len(rows[0][0]) > 1:
        result["exact"] = sum(all(r[1] for r in rs) for rs in rows) / len(rows)
    return result, found


def log_result(result):
    log("  {label}: ".format(**result)
        + (f"recall {result['recall']:.4f}, " if "recall" in result else "")
        + f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms")


def measure(conn, label, query, params, truth=None, warmup=True, settings=None, drop=None):
    """One timed pass (after a warm-up pass)."""
    if warmup:
        run(conn, query, params, settings)
    rows, latencies = run(conn, query, params, settings)
    result, found = summary(label, rows, latencies, truth, drop)
    log_result(result)
    return result, found


def interleaved(conn, methods, rounds):
    """Times every method once per round, after one warm-up round. methods: {key: dict(label,
    query, params, truth, settings, drop)}. Returns {key: result} whose p50 is the median over
    rounds of each round's p50, and each round's p50s, for ratios taken within a round."""
    per_round = {key: [] for key in methods}
    results, found = {}, {}
    for r in range(rounds + 1):
        for key, m in methods.items():
            rows, latencies = run(conn, m["query"], m["params"], m.get("settings"))
            if r == 0:
                continue
            result, found[key] = summary(m["label"], rows, latencies, m.get("truth"),
                                         m.get("drop"))
            per_round[key].append(result["p50_ms"])
            results.setdefault(key, result)
    for key, result in results.items():
        result["p50_ms"] = float(np.median(per_round[key]))
        result["round_p50s"] = per_round[key]
        log_result(result)
    return results, found


def median_ratio(results, key, base):
    """The median over rounds of results[key]'s p50 / results[base]'s p50 in the same round."""
    return float(np.median(np.array(results[key]["round_p50s"])
                           / np.array(results[base]["round_p50s"])))


def search_sql(fields, k):
    args = ", ".join(f"mvvd_field('{name}', %b::vector, {w})" for name, w in fields)
    return (f"SELECT t.id, s.exact FROM mvvd_search('{{table}}', ARRAY[{args}], k => {k}) s "
            f"JOIN {{table}} t ON t.ctid = s.row_id ORDER BY s.score DESC")


# ---------------------------------------------------------------------------------------------
# Part 1: two unrelated fields


def field_data(args):
    """The two fields' rows and queries: from --fields files, else the seeded mixture."""
    if not args.fields:
        log(f"[two fields] {args.n} x {args.dim} per field, seeds 42 and 43")
        return (*gmm_dataset(args.n, args.dim, args.nq, 100, 42, 2.0),
                *gmm_dataset(args.n, args.dim, args.nq, 100, 43, 2.0))
    a, qa, b, qb = (read_matrix(path) for path in args.fields)
    n, nq = min(args.n, len(a), len(b)), min(args.nq, len(qa), len(qb))
    log(f"[two fields] {n} rows of {a.shape[1]}-d and {b.shape[1]}-d from {args.fields[0]} "
        f"and {args.fields[2]}, {nq} queries")
    return a[:n], qa[:nq], b[:n], qb[:nq]


def two_fields(conn, args):
    a, qa, b, qb = field_data(args)
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
    results["combined_index"] = build_combined(conn, "items", ("a", "b"))
    for ef in (40, 160):
        results[f"combined_{ef}"], _ = measure(
            conn, f"mvvd_search, combined index, ef_search {ef}",
            search_sql([("a", wa), ("b", wb)], args.k).format(table="items"), pairs, truth,
            settings={"mvvd.hnsw_ef_search": ef})
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
    results["combined_index"] = build_combined(conn, "mfeat", MFEAT_VIEWS)
    best = max(MFEAT_VIEWS, key=lambda v: precision[v])
    results["best_view"] = best
    # the two best views alone: the cost of fusing grows with the number of fields
    pair = sorted(MFEAT_VIEWS, key=lambda v: -precision[v])[:2]
    pair_truth = fused_top_k([views[v] for v in pair], [0.5, 0.5],
                             [views[v][sample] for v in pair], k, exclude=sample)
    per_field = {"mvvd.search_combined": "off"}
    methods = {
        "single": dict(label=f"single-field HNSW query ({best})",
                       query=f"SELECT id FROM mfeat ORDER BY {best} <=> %b LIMIT {k + 1}",
                       params=[(views[best][s].astype(np.float32),) for s in sample],
                       settings={"enable_seqscan": "off"}),
        "mvvd_search": dict(label="mvvd_search, per-field indexes (default plan)", query=query,
                            params=params, truth=truth, drop=drop, settings=per_field),
        "mvvd_search_index": dict(label="mvvd_search, per-field indexes (index plan)",
                                  query=query, params=params, truth=truth, drop=drop,
                                  settings={**per_field, "mvvd.search_exact_rows": 0}),
        "mvvd_search_combined": dict(label="mvvd_search, combined index", query=query,
                                     params=params, truth=truth, drop=drop),
        "mvvd_search_two": dict(
            label=f"mvvd_search, two views ({' + '.join(pair)})",
            query=search_sql([(v, 0.5) for v in pair], k + 1).format(table="mfeat"),
            params=[tuple(views[v][s].astype(np.float32) for v in pair) for s in sample],
            truth=pair_truth, drop=drop),
    }
    timed, found = interleaved(conn, methods, ARGS.rounds)
    results.update(timed)
    precision["fused (mvvd_search)"] = class_precision(
        [np.array(f[:k]) - 1 for f in found["mvvd_search"]])
    results["ratios"] = {key: median_ratio(timed, key, "single") for key in methods
                         if key != "single"}
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
        for key in ("single", "mvvd_search", "union_100", "union_1000", "brute_0", "brute_2",
                    "combined_40", "combined_160"):
            r = two[key]
            lines.append(f"| {r['label']} | {r.get('recall', float('nan')):.4f} | "
                         f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                         f"{r['exact'] if 'exact' in r else '':} |")
        m = two["mvvd_search"]["p50_ms"]
        lines += ["", f"mvvd_search p50: {ratio(two['union_1000']['p50_ms'], m):.1f}x faster than "
                  f"the union of top 1000, {ratio(two['brute_0']['p50_ms'], m):.1f}x faster than "
                  f"brute force ({ratio(two['brute_2']['p50_ms'], m):.1f}x with 2 workers), "
                  f"{ratio(m, two['single']['p50_ms']):.1f}x one single-field query",
                  "combined index: {mb:.1f} MB".format(**two["combined_index"])
                  + (" built in {build_s:.1f} s".format(**two["combined_index"])
                     if two["combined_index"]["build_s"] else "")]
    if mf:
        lines += ["", "mfeat: six views, equal weights, cosine on standardised features",
                  "| method | recall@10 | p50 ms | p99 ms | p50 / single-field p50 |",
                  "|---|---|---|---|---|"]
        for key in ("single", "mvvd_search", "mvvd_search_index", "mvvd_search_combined",
                    "mvvd_search_two"):
            r = mf[key]
            rec = f"{r['recall']:.4f}" if "recall" in r else ""
            times = f"{mf['ratios'][key]:.2f}x" if key in mf["ratios"] else ""
            lines.append(f"| {r['label']} | {rec} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                         f"{times} |")
        lines += ["", "same-class precision@10 (leave one out):"]
        lines += [f"  {name}: {p:.3f}" for name, p in mf["class_precision"].items()]
        lines += ["", f"p50s are medians over {ARGS.rounds} interleaved rounds; each ratio is the "
                  "median of the ratios within a round; combined index: "
                  "{mb:.1f} MB".format(**mf["combined_index"])]
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dsn", default="", help="libpq connection string (default: environment)")
    p.add_argument("--n", type=int, default=100000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--fields", type=lambda s: s.split(","), metavar="A,QA,B,QB",
                   help="real fields instead of the mixture: rows and queries of field a, then "
                        "of field b (.npy or .fvecs; row i of both files is one table row)")
    p.add_argument("--nq", type=int, default=200)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--weights", type=lambda s: [float(x) for x in s.split(",")], default=[0.7, 0.3])
    p.add_argument("--brute-queries", type=int, default=20)
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds (mfeat)")
    p.add_argument("--mfeat", default=DEFAULT_MFEAT, help="mfeat directory, or 'none'")
    p.add_argument("--skip-load", action="store_true", help="reuse tables of the right size")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args(argv)
    if args.fields and len(args.fields) != 4:
        p.error("--fields takes four files: A,QA,B,QB")
    return args


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
