-- Casts between vector and arrays, with vector(n) enforced on the way in.

SELECT ARRAY[1,2,3]::vector;
SELECT ARRAY[1.5,2.25,-3]::real[]::vector;
SELECT ARRAY[1.5,2.25,-3]::double precision[]::vector;
SELECT ARRAY[1.5,2.25,-3]::numeric[]::vector;
SELECT ARRAY[0.1]::double precision[]::vector;
SELECT ARRAY[1,2,3]::vector(3);
SELECT '[1,2.5,-3]'::vector::real[];
SELECT '{4,5,6}'::int[]::vector <-> '[1,2,3]';

-- assignment casts into a typed column
CREATE TABLE cast_t (v vector(2));
INSERT INTO cast_t VALUES (ARRAY[1,2]), (ARRAY[1.5,2.5]::float8[]), ('{3,4}'::numeric[]);
SELECT v FROM cast_t ORDER BY v;
DROP TABLE cast_t;

-- A lower bound of an array other than 1 does not matter, only the elements.
SELECT '[5:7]={1,2,3}'::int[]::vector;
