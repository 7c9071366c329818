-- Text input and output of vector: the forms accepted, typmod, and exact float4 round trips.

SELECT '[1,2,3]'::vector;
SELECT ' [ 1 , 2.5 ,-3e-2 ]  '::vector;
SELECT E'[\t1,\n2]'::vector;
SELECT '[+1,-0,0.1,1e-3,1.5E+3]'::vector;
SELECT '[3.4028235e38,-3.4028235e38,1.1754944e-38,1e-45]'::vector;
SELECT '[1,2,3]'::vector(3);
SELECT vector_dims('[1,2,3,4,5]');

-- typmod is kept by columns and shown by format_type
CREATE TABLE io_t (a vector, b vector(3));
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 'io_t'::regclass AND attnum > 0 ORDER BY attnum;
INSERT INTO io_t VALUES ('[1]', '[1,2,3]'), ('[1,2,3,4]', '[4,5,6]'), (NULL, NULL);
SELECT a, b FROM io_t ORDER BY vector_dims(a);
DROP TABLE io_t;

-- Every float4 value prints in its shortest form and reads back bit for bit: 20,000 seeded
-- random values spanning magnitudes from 1e-30 to 1e30, in vectors of 1,000 dimensions.
SELECT setseed(0.42);
CREATE TABLE io_rt AS
	SELECT g AS id, array_agg(((random() - 0.5) * 10 ^ (random() * 60 - 30))::real ORDER BY i) AS arr
	FROM generate_series(1, 20) g, generate_series(1, 1000) i GROUP BY g;
SELECT count(*) AS vectors,
	count(*) FILTER (WHERE arr::vector::text::vector::real[] = arr) AS exact_round_trips,
	count(*) FILTER (WHERE arr::vector::text = replace(replace(arr::text, '{', '['), '}', ']'))
		AS same_text_as_real
FROM io_rt;
DROP TABLE io_rt;

-- A 16,000-dimension vector (the limit) goes in and comes back out whole.
SELECT vector_dims(v), vector_norm(v) = sqrt(16000) AS norm_ok
FROM (SELECT ('[' || repeat('1,', 15999) || '1]')::vector AS v) s;
