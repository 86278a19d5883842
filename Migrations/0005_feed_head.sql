-- The feed's head as a one-row counter. Every write that appends a change event takes its
-- seq from here (UPDATE ... RETURNING) inside its own transaction, so seqs follow commit
-- order on every engine: the update's row lock orders concurrent writers, where a
-- sequence or autoincrement would hand out numbers at insert time instead. It is also
-- the head that a feed page reports, read in the same snapshot as the page.
CREATE TABLE feed_head (
  only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
  seq INTEGER NOT NULL
);
INSERT INTO feed_head (only_row, seq) SELECT 1, coalesce(max(seq), 0) FROM change_events;
