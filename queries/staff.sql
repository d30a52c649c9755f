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

-- StaffGetActingFor names a member of staff acting for an employee of a
-- buying company, and the employee: what an order placed on behalf says.
-- name: StaffGetActingFor :one
SELECT s.name AS staff_name, s.role AS staff_role, cu.name AS customer_name
FROM staff s, customers cu
WHERE s.id = @staff_id AND cu.id = @customer_id;
