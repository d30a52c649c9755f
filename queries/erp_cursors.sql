-- ErpCursorGet is where a pull of feed resumes; no row means from the start.
-- name: ErpCursorGet :one
SELECT * FROM erp_cursors WHERE feed = $1;

-- ErpCursorSave moves a feed's cursor on, after the page before it is applied.
-- name: ErpCursorSave :exec
INSERT INTO erp_cursors (feed, cursor)
VALUES (@feed, @cursor)
ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, updated_at = now();
