-- Large mail in pieces: a stored mail is messages.raw (its first MiB)
-- followed by its chunks here in seq order (1, 2, ...), each at most
-- 1 MiB, so that no step holds a 20 MB mail as one SQLite value: it is
-- written, read and sent a piece at a time. Mail stored before this
-- migration, and mail of 1 MiB or less, has no chunks.
CREATE TABLE message_chunks (
    message INTEGER NOT NULL REFERENCES messages(id),
    seq     INTEGER NOT NULL,
    data    BLOB NOT NULL,
    PRIMARY KEY (message, seq)
);
