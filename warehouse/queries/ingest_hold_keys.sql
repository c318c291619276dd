-- ingest_hold_keys: the identity keys of rows held for the final merge (_fs_held), so later rows meeting them are held too.
INSERT INTO _fs_deferred_keys SELECT unnest(keys) FROM _fs_held
