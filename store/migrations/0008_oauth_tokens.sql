-- The state of each server's OAuth2 access token, written by the daemon
-- every minute, so `escalationd status` (which reads the database, not the
-- daemon) shows when a token expires and whether its refresh fails.
CREATE TABLE oauth_tokens (
    server     TEXT PRIMARY KEY,          -- "mailbox escalations", "smtp"
    expiry     TEXT NOT NULL DEFAULT '',  -- RFC 3339; '' before the first token
    last_error TEXT NOT NULL DEFAULT '',  -- the last refresh's error; '' when it worked
    updated_at TEXT NOT NULL
);
