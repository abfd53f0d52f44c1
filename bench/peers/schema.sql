-- The tables of a minimal event store on PostgreSQL (scripts/bench): every
-- event has a global position (what a reader of the whole log pages by) and
-- a version unique in its stream (optimistic concurrency), and each stream
-- keeps its head version, bumped in the append's transaction.
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS streams;
CREATE TABLE streams (stream_id int PRIMARY KEY, version bigint NOT NULL);
CREATE TABLE events (
  position bigserial PRIMARY KEY,
  stream_id int NOT NULL,
  version bigint NOT NULL,
  payload text NOT NULL,
  UNIQUE (stream_id, version)
);
INSERT INTO streams SELECT s, 0 FROM generate_series(1, 1000) s;
