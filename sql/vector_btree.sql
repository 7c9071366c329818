-- Comparison operators and the btree operator class: ORDER BY, DISTINCT, UNIQUE, btree indexes.

SELECT '[1,2,3]'::vector < '[1,2,4]' AS lt, '[1,2,3]'::vector <= '[1,2,3]' AS le,
	'[1,2,3]'::vector = '[1,2,3]' AS eq, '[1,2,3]'::vector <> '[1,2,3]' AS ne,
	'[1,2,4]'::vector >= '[1,2,3]' AS ge, '[2]'::vector > '[1,9]' AS gt;
-- a prefix sorts first; -0 equals 0 as it does for real
SELECT '[1,2]'::vector < '[1,2,0]' AS prefix_first, '[0,-0]'::vector = '[-0,0]' AS zeros_equal;
SELECT vector_cmp('[1,2]', '[1,3]'), vector_cmp('[1,3]', '[1,2]'), vector_cmp('[5]', '[5]');

CREATE TABLE bt (id int, v vector);
INSERT INTO bt VALUES (1, '[3,1]'), (2, '[1,2,3]'), (3, '[1,2]'), (4, '[3,1]'), (5, '[-1,100]'),
	(6, '[1,2]'), (7, '[0]');
SELECT v FROM bt ORDER BY v;
SELECT v FROM bt ORDER BY v DESC LIMIT 2;
SELECT DISTINCT v FROM bt ORDER BY v;
SELECT v, count(*) FROM bt GROUP BY v ORDER BY v;
SELECT count(DISTINCT v) FROM bt;

-- a unique btree index rejects a duplicate and answers lookups
CREATE UNIQUE INDEX ON bt (v);
DELETE FROM bt WHERE id IN (4, 6);
CREATE UNIQUE INDEX bt_v_unique ON bt (v);
INSERT INTO bt VALUES (8, '[1,2]');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM bt WHERE v = '[1,2,3]';
SELECT id FROM bt WHERE v = '[1,2,3]';
SELECT id FROM bt WHERE v > '[1,2]' ORDER BY v;
RESET enable_seqscan;
DROP TABLE bt;

-- UNIQUE constraint on a vector(n) column
CREATE TABLE bt2 (v vector(2) UNIQUE);
INSERT INTO bt2 VALUES ('[1,2]'), ('[2,1]');
INSERT INTO bt2 VALUES ('[1,2]');
SELECT * FROM bt2 ORDER BY v;
DROP TABLE bt2;
