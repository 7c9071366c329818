#!/usr/bin/env bash
# A first look at MVVD: builds and installs the extension, starts a throwaway PostgreSQL cluster,
# fills a table with vectors and prints a nearest-neighbour answer. Everything is removed at exit.
# Usage (as root on a fresh Debian bookworm machine): bash test/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source test/lib/deps.sh
source test/lib/cluster.sh
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

echo "building and installing MVVD..."
mvvd_install_deps >/dev/null
make -s -j2 >/dev/null
make -s install >/dev/null
trap mvvd_cluster_stop EXIT
mvvd_cluster_start

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION mvvd;
\echo
\echo 'A table of 10,000 seeded 3-d vectors, and the five nearest to [0.5,0.5,0.5] by L2 distance:'
SELECT setseed(0.1) \g /dev/null
CREATE TABLE items (id bigserial PRIMARY KEY, emb vector(3));
INSERT INTO items (emb)
  SELECT ARRAY[random(), random(), random()]::float8[]::vector FROM generate_series(1, 10000);
SELECT id, emb, round((emb <-> '[0.5,0.5,0.5]')::numeric, 6) AS l2_distance
  FROM items ORDER BY emb <-> '[0.5,0.5,0.5]' LIMIT 5;
\echo 'The same query by cosine distance (<=>), inner product (<#>) and L1 (<+>):'
SELECT (SELECT id FROM items ORDER BY emb <=> '[1,2,3]' LIMIT 1) AS nearest_cosine,
       (SELECT id FROM items ORDER BY emb <#> '[1,2,3]' LIMIT 1) AS largest_inner_product,
       (SELECT id FROM items ORDER BY emb <+> '[1,2,3]' LIMIT 1) AS nearest_l1;
SELECT '[1,2,3]'::vector <-> '[4,5,6]' AS "'[1,2,3]' <-> '[4,5,6]'", mvvd_simd() AS simd_kernels;
SQL
