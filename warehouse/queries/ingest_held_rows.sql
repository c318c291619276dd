-- ingest_held_rows: the rows of a chunk that meet another record (see ingest_colliding_lines), to be held for the
-- final merge; _fs_rows holds exactly the writer's row columns (warehouse.ingest._ROW_SCHEMA), in that order.
SELECT * FROM _fs_rows WHERE line IN (SELECT line FROM _fs_colliding)
