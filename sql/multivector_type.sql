-- The multivector type: text and binary forms, typmod, constructors and accessors, casts,
-- multivector_agg, unnest, TOAST of large values, and every bad input.

SELECT '[[1,2],[3,4.5]]'::multivector;
SELECT ' [ [1, 2] , [ 3,4 ] ] '::multivector;
SELECT '[[-0,1e-45,3.4028235e38]]'::multivector;
SELECT '[[1,2,3],[4,5,6]]'::multivector(3);
SELECT multivector_dims('[[1,2,3],[4,5,6]]'), multivector_count('[[1,2,3],[4,5,6]]');

-- typmod is kept by columns and enforced on assignment
CREATE TABLE mvt (id int, mv multivector(2), free multivector);
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 'mvt'::regclass AND attnum > 1 ORDER BY attnum;
INSERT INTO mvt VALUES (1, '[[1,2],[3,4]]', '[[1],[2],[3]]'), (2, '[[5,6]]', '[[1,2,3,4]]');
SELECT * FROM mvt ORDER BY id;

-- constructors and accessors
SELECT multivector(ARRAY['[1,2]'::vector, '[3,4]']);
SELECT ARRAY['[1,2]'::vector, '[3,4]']::multivector(2);
SELECT '[[1,2],[3,4]]'::multivector::vector[];
SELECT '{{1,2},{3,4}}'::real[]::multivector, '{{0.5,1.5}}'::float8[]::multivector;
SELECT unnest('[[1,2],[3,4],[5,6]]'::multivector);
SELECT id, multivector_agg(v ORDER BY n) FROM (VALUES (1, 2, '[3,4]'::vector), (1, 1, '[1,2]'),
	(1, 3, NULL), (2, 1, '[9,9]')) t(id, n, v) GROUP BY id ORDER BY id;
SELECT multivector_agg(v) IS NULL AS empty_agg FROM (SELECT '[1]'::vector WHERE false) t(v);
-- round trip through vectors
SELECT multivector_agg(v)::text = '[[1,2],[3,4]]'::multivector::text AS same
FROM unnest('[[1,2],[3,4]]'::multivector) v;

-- binary form: int16 dimensions, int16 zero, int32 count, big-endian float4 values
SELECT multivector_send('[[1,2],[3,4]]');
CREATE TABLE mv_bin (id int, mv multivector);
INSERT INTO mv_bin SELECT g, (SELECT multivector_agg(ARRAY[random(), random(), i]::float8[]::vector)
	FROM generate_series(1, g) i) FROM generate_series(1, 30) g;
DO $$ BEGIN
	EXECUTE format('COPY mv_bin TO %L (FORMAT binary)',
		current_setting('data_directory') || '/mvvd_mv_rt.copy');
END $$;
CREATE TABLE mv_bin2 (id int, mv multivector);
COPY mv_bin2 FROM 'mvvd_mv_rt.copy' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE a.mv::text = b.mv::text) AS identical
FROM mv_bin a JOIN mv_bin2 b USING (id);
DROP TABLE mv_bin, mv_bin2;

-- binary input is checked like vector's (recv_error_of comes from the vector_binary test)
SELECT recv_error_of('\x00020000000000013f80000040000000', 'multivector') AS good;
SELECT recv_error_of('\x00020000000000033f80000040000000', 'multivector') AS count_lies;
SELECT recv_error_of('\x00020000000000003f800000', 'multivector') AS no_members;
SELECT recv_error_of('\x00020000000100003f80000040000000', 'multivector') AS count_huge;
SELECT recv_error_of('\x00020000000000013f8000007fc00000', 'multivector') AS nan_member;
SELECT recv_error_of('\x00020001000000013f80000040000000', 'multivector') AS reserved_set;
SELECT recv_error_of('\x00020000000000013f80000040000000', 'multivector(3)') AS wrong_typmod;

-- a 512 x 128 value (256 KiB) is TOASTed and reads back whole
CREATE TABLE mv_big (id int, mv multivector(128));
INSERT INTO mv_big SELECT 1, array_fill(0.25::real, ARRAY[512, 128])::multivector;
SELECT multivector_count(mv), multivector_dims(mv), pg_column_size(mv) < 256 * 1024 AS stored_compressed,
	(SELECT count(*) FROM unnest(mv) v WHERE v = array_fill(0.25::real, ARRAY[128])::vector) AS members_intact
FROM mv_big;
SELECT pg_total_relation_size('mv_big') > pg_relation_size('mv_big') AS uses_toast;
DROP TABLE mv_big;

-- bad input: an ERROR with a SQLSTATE each (error_of comes from the vector_errors test)
SELECT t AS input, error_of(format('SELECT %L::multivector', t)) FROM unnest(ARRAY[
	'[[1,2],[3]]', '[]', '[[]]', '[[1,2],]', '[[1][2]]', '[[1],[2]', '[1,2]', '[[1]] x', '',
	'[[1,NaN]]', '[[Infinity]]', '[[1e99]]']) t;
SELECT error_of('SELECT ''[[1,2]]''::multivector(3)');
SELECT error_of('SELECT ''[[1]]''::multivector(0)');
SELECT error_of('SELECT ''[[1]]''::multivector(16001)');
SELECT error_of('INSERT INTO mvt VALUES (3, ''[[1,2,3]]'', NULL)');
SELECT error_of('SELECT (''['' || repeat(''[1],'', 8192) || ''[1]]'')::multivector');
SELECT error_of('SELECT array_fill(1::real, ARRAY[8193, 1])::multivector');
SELECT error_of('SELECT ARRAY[''[1,2]''::vector, ''[1]'']::multivector');
SELECT error_of('SELECT ARRAY[''[1,2]''::vector, NULL]::multivector');
SELECT error_of('SELECT ''{}''::vector[]::multivector');
SELECT error_of('SELECT ''{1,2}''::real[]::multivector');
SELECT error_of('SELECT ''{{1,NaN}}''::real[]::multivector');
SELECT error_of('SELECT ''{{1e300}}''::float8[]::multivector');
SELECT error_of('SELECT multivector_agg(v) FROM (VALUES (''[1,2]''::vector), (''[1]'')) t(v)');
SELECT count(*) AS rows_kept FROM mvt;
DROP TABLE mvt;
