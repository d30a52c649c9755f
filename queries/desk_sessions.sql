-- DeskSessionCreate opens a sales desk session.
-- name: DeskSessionCreate :exec
INSERT INTO desk_sessions (id_hash, token_hash, principal_id, csrf_token, idle_timeout, expires_at)
VALUES (@id_hash, @token_hash, @principal_id, @csrf_token, @idle_timeout, @expires_at);

-- DeskSessionTouch finds a live session (neither idle too long nor past its
-- absolute expiry, its token not revoked) and records that it was used now.
-- name: DeskSessionTouch :one
UPDATE desk_sessions s SET last_seen_at = now()
FROM api_tokens t
WHERE s.id_hash = @id_hash
  AND t.token_hash = s.token_hash AND t.revoked_at IS NULL
  AND s.expires_at > now()
  AND s.last_seen_at + s.idle_timeout > now()
RETURNING s.id_hash, s.token_hash, s.principal_id, s.csrf_token, s.created_at, s.last_seen_at;

-- DeskSessionDelete ends a session (sign-out).
-- name: DeskSessionDelete :exec
DELETE FROM desk_sessions WHERE id_hash = @id_hash;

-- DeskSessionDeleteExpired removes sessions past their absolute expiry or idle
-- for longer than their timeout; sign-in calls it now and then.
-- name: DeskSessionDeleteExpired :execrows
DELETE FROM desk_sessions WHERE expires_at <= now() OR last_seen_at + idle_timeout <= now();
