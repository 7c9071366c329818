-- Every kind of bad input is an ERROR with a fitting SQLSTATE and a message naming the problem,
-- and none of them disturbs the server. error_of() runs a statement and reports how it failed.

CREATE FUNCTION error_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	EXECUTE stmt;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || SQLERRM || coalesce(nullif(' (' || detail || ')', ' ()'), '');
END $$;

-- malformed text: 22P02
SELECT t AS input, error_of(format('SELECT %L::vector', t)) FROM unnest(ARRAY[
	'[1,,2]', '[1,2', '1,2]', '[1,2]x', '[1 2]', '', '[', '[,]', '[1,]', '[1;2]', '[[1]]',
	'[a]', '[1.5e]', '{1,2}', '(1,2)']) t;
-- NaN and Infinity: 22000; out of float4 range: 22003; empty: 22000
SELECT t AS input, error_of(format('SELECT %L::vector', t)) FROM unnest(ARRAY[
	'[NaN]', '[1,nan]', '[inf]', '[-Infinity,1]', '[1e99]', '[-1e39]', '[1e-50]', '[]', '[ ]']) t;
-- very long input: 54000 past 16,000 dimensions, and a message that does not echo it all
SELECT error_of('SELECT (''['' || repeat(''1,'', 16000) || ''1]'')::vector');
SELECT error_of('SELECT (''['' || repeat(''0.5, '', 100000) || ''1]'')::vector');
SELECT error_of('SELECT (''['' || repeat(''9'', 100000) || '']'')::vector');
SELECT error_of('SELECT (''[1,2'' || repeat('' '', 100000))::vector');
SELECT length(error_of('SELECT (''[1,'' || repeat(''x'', 100000) || '']'')::vector')) < 250
	AS message_is_short;
-- a long input is cut on a character boundary, never inside a multibyte character
SELECT error_of('SELECT (''['' || repeat(''é'', 100) || '']'')::vector');
SELECT error_of('SELECT ''[1,2,é]''::vector') AS position_counts_characters;

-- typmod: 22023/54000 for bad modifiers, 22000 for a value that does not fit
SELECT error_of('SELECT ''[1,2]''::vector(3)');
SELECT error_of('SELECT ''[1,2,3,4]''::vector(3)');
SELECT error_of('SELECT ''[1]''::vector(0)');
SELECT error_of('SELECT ''[1]''::vector(16001)');
SELECT error_of('SELECT ''[1]''::vector(2,3)');
SELECT error_of('SELECT ''[1]''::vector(-1)');
CREATE TABLE err_t (v vector(3));
SELECT error_of('INSERT INTO err_t VALUES (''[1,2]'')');
SELECT error_of('INSERT INTO err_t SELECT ''[1,2,3,4]''::vector');
SELECT error_of('INSERT INTO err_t VALUES (ARRAY[1,2])');
SELECT error_of('UPDATE err_t SET v = ''[1]''');
SELECT error_of('SELECT ''[1,2]''::vector::vector(3)');
SELECT count(*) AS rows_stored FROM err_t;
DROP TABLE err_t;

-- dimension mismatch between operands: 22000 naming both sizes
SELECT op, error_of(format('SELECT ''[1,2,3]''::vector %s ''[1,2,3,4]''::vector', op))
FROM unnest(ARRAY['<->', '<#>', '<=>', '<+>', '+', '-', '*']) op;
SELECT f, error_of(format('SELECT %s(''[1,2,3]'', ''[1,2]'')', f))
FROM unnest(ARRAY['l2_distance', 'inner_product', 'cosine_distance', 'l1_distance',
	'vector_l2_squared_distance']) f;
SELECT error_of('SELECT avg(v) FROM (VALUES (''[1,2]''::vector), (''[1,2,3]'')) t(v)');
SELECT error_of('SELECT sum(v) FROM (VALUES (''[1,2,3]''::vector), (''[1]'')) t(v)');

-- arithmetic that overflows to Infinity: 22003
SELECT error_of('SELECT ''[3e38,1]''::vector + ''[3e38,1]''');
SELECT error_of('SELECT ''[-3e38]''::vector - ''[3e38]''');
SELECT error_of('SELECT ''[1e20,1]''::vector * ''[1e20,1]''');
SELECT error_of('SELECT sum(v) FROM (VALUES (''[3e38]''::vector), (''[3e38]'')) t(v)');

-- array casts: NaN/Infinity 22000, overflow/underflow 22003, NULL 22004, shape 22000
SELECT a AS input, error_of(format('SELECT %L::%s::vector', a, ty)) FROM (VALUES
	('{NaN,1}', 'real[]'), ('{1,Infinity}', 'float8[]'), ('{-Infinity}', 'real[]'),
	('{NaN}', 'numeric[]'), ('{Infinity}', 'numeric[]'),
	('{1e300}', 'float8[]'), ('{1e-300}', 'float8[]'), ('{1e300}', 'numeric[]'),
	('{1,NULL}', 'int[]'), ('{}', 'real[]'), ('{{1,2},{3,4}}', 'real[]'),
	('{1,2}', 'text[]')) v(a, ty);
SELECT error_of('SELECT array_fill(1, ARRAY[16001])::vector');
SELECT error_of('SELECT ARRAY[1,2]::vector(3)');

-- the server is still up and answers
SELECT '[1,2,3]'::vector <-> '[4,5,6]' AS still_alive;
