-- name: StaffCreate :one
INSERT INTO staff (id, email, name, role)
VALUES (@id, @email, @name, @role)
RETURNING *;

-- name: StaffGet :one
SELECT * FROM staff WHERE id = $1;

-- StaffListSales is every sales rep and sales manager, by name: whom a sales
-- manager may assign a quote to.
-- name: StaffListSales :many
SELECT * FROM staff
WHERE role IN ('sales_rep', 'sales_manager')
ORDER BY name, id;
