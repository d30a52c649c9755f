-- ErpCursorGet is where a pull of feed resumes; no row means from the start.
-- name: ErpCursorGet :one
SELECT * FROM erp_cursors WHERE feed = $1;

-- ErpCursorSave moves a feed's cursor on, after the page before it is applied.
-- name: ErpCursorSave :exec
INSERT INTO erp_cursors (feed, cursor)
VALUES (@feed, @cursor)
ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, updated_at = now();

-- ErpCursorAdvance moves a feed's cursor from from_cursor to cursor, and only
-- from there: no row back means another pull moved it first (and applied the
-- page). Its row lock holds a concurrent pull of the same page until this
-- transaction ends.
-- name: ErpCursorAdvance :execrows
INSERT INTO erp_cursors (feed, cursor)
VALUES (@feed, @cursor)
ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, updated_at = now()
WHERE erp_cursors.cursor = @from_cursor::text;
