-- name: StaffCreate :one
INSERT INTO staff (id, email, name, role)
VALUES (@id, @email, @name, @role)
RETURNING *;

-- name: StaffGet :one
SELECT * FROM staff WHERE id = $1;
