-- Bad input to mvvd_hnsw: each an ERROR with a SQLSTATE and a message that says what to do.

CREATE FUNCTION hnsw_error_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
	hint text;
BEGIN
	EXECUTE stmt;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ': ' || SQLERRM || coalesce(nullif(' (' || detail || ')', ' ()'), '')
		|| coalesce(nullif(' HINT: ' || hint, ' HINT: '), '');
END $$;

CREATE TABLE t (id int, emb vector(3), untyped vector);
INSERT INTO t VALUES (1, '[1,2,3]', '[1,2,3]');
SELECT s AS statement, hnsw_error_of(s) FROM unnest(ARRAY[
	'CREATE INDEX ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (m = 1)',
	'CREATE INDEX ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (m = 101)',
	'CREATE INDEX ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (ef_construction = 3)',
	'CREATE INDEX ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (ef_construction = 1001)',
	'CREATE INDEX ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (m = 16, ef_construction = 31)',
	'CREATE INDEX ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (lists = 4)',
	'CREATE INDEX ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (m = ''many'')',
	'CREATE INDEX ON t USING mvvd_hnsw (emb)',
	'CREATE INDEX ON t USING mvvd_hnsw (id)',
	'CREATE INDEX ON t USING mvvd_hnsw (emb vector_l2_ops, untyped vector_l2_ops)',
	'CREATE UNIQUE INDEX ON t USING mvvd_hnsw (emb vector_l2_ops)',
	'SET mvvd.hnsw_ef_search = 0',
	'SET mvvd.hnsw_ef_search = 1001',
	'SET mvvd.hnsw_iterative_scan = sideways',
	'SET mvvd.hnsw_max_scan_tuples = 0',
	'SET mvvd.no_such_setting = 1'
	]) s;
-- the boundary values are accepted
CREATE INDEX ok1 ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (m = 16, ef_construction = 32);
CREATE INDEX ok2 ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (m = 2, ef_construction = 4);
DROP INDEX ok1, ok2;

-- dimensions: a query of another size, and inserts of another size into an untyped column
CREATE INDEX t_emb ON t USING mvvd_hnsw (emb vector_l2_ops);
CREATE INDEX t_untyped ON t USING mvvd_hnsw (untyped vector_l2_ops);
SET enable_seqscan = off;
SELECT hnsw_error_of('SELECT id FROM t ORDER BY emb <-> ''[1,2]'' LIMIT 1');
SELECT hnsw_error_of('SELECT id FROM t ORDER BY untyped <-> ''[1,2,3,4]'' LIMIT 1');
SELECT hnsw_error_of('INSERT INTO t VALUES (2, ''[1,2,3]'', ''[1,2,3,4]'')');
SELECT count(*) AS rows_after_failed_insert FROM t;
-- scanning without ORDER BY is not something the planner does
EXPLAIN (COSTS OFF) SELECT id FROM t WHERE emb = '[1,2,3]';
RESET enable_seqscan;

-- mvvd_hnsw_check on something else
SELECT hnsw_error_of('SELECT * FROM mvvd_hnsw_check(''t'')');
CREATE INDEX t_btree ON t (id);
SELECT hnsw_error_of('SELECT * FROM mvvd_hnsw_check(''t_btree'')');
DROP TABLE t;
DROP FUNCTION hnsw_error_of(text);
-- a vector of other dimensions is refused also where a deleted element's place is free (it
-- took the place, reading 16 floats of a 3-d vector)
CREATE TABLE free_dims (id int, v vector);
INSERT INTO free_dims SELECT i, array_fill(i::real, ARRAY[16])::vector FROM generate_series(1, 200) i;
CREATE INDEX free_dims_v ON free_dims USING mvvd_hnsw (v vector_l2_ops);
DELETE FROM free_dims WHERE id <= 100;
VACUUM free_dims;
INSERT INTO free_dims VALUES (0, '[1,2,3]');
SELECT count(*) AS rows_left FROM free_dims;
DROP TABLE free_dims;
