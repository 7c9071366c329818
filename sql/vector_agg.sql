-- avg(vector) and sum(vector): values, NULL handling, grouping, and parallel plans.

SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[3,4,5]'), (NULL)) t(v);
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM (SELECT '[1]'::vector WHERE false) t(v);
SELECT avg(v), sum(v) FROM (VALUES (NULL::vector)) t(v);
SELECT g, avg(v), sum(v) FROM (VALUES (1, '[1,1]'::vector), (1, '[3,5]'), (2, '[10,20]')) t(g, v)
	GROUP BY g ORDER BY g;
-- sums are kept in double: 0.1 added 10,000 times is 1000 to float4 precision
SELECT sum(v), avg(v) FROM (SELECT '[0.1,1e-3]'::vector FROM generate_series(1, 10000)) t(v);

-- parallel aggregation gives the same answer as a serial one
-- (values are exact in binary, so every summation order gives the same double sums)
CREATE TABLE agg_t (id int, v vector(4));
INSERT INTO agg_t SELECT i, ARRAY[i % 7, -i, (i % 100) / 4.0, 1]::float8[]::vector
	FROM generate_series(1, 50000) i;
ANALYZE agg_t;
CREATE TEMP TABLE serial_result AS SELECT avg(v) AS a, sum(v) AS s FROM agg_t;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM agg_t;
SELECT sum(v), avg(v) FROM agg_t;
SELECT (SELECT avg(v) FROM agg_t) = a AS same_avg, (SELECT sum(v) FROM agg_t) = s AS same_sum,
	(SELECT sum(v) FROM agg_t) = ARRAY[sum(id % 7), sum(-id), sum((id % 100) / 4.0), count(*)]::float8[]::vector
		AS sum_matches_sql
FROM agg_t, serial_result GROUP BY a, s;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE agg_t;
