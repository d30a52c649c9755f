-- name: ApprovalRuleCreate :one
INSERT INTO approval_rules (id, company_id, kind, threshold, skus, approver_max)
VALUES (@id, @company_id, @kind, @threshold, @skus, @approver_max)
RETURNING *;

-- ApprovalRuleListByCompany pages through a company's rules, oldest first.
-- name: ApprovalRuleListByCompany :many
SELECT * FROM approval_rules
WHERE company_id = @company_id
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- ApprovalRuleListAllByCompany returns every rule of a company at once, as a
-- checkout needs them.
-- name: ApprovalRuleListAllByCompany :many
SELECT * FROM approval_rules WHERE company_id = $1 ORDER BY created_at, id;

-- name: ApprovalRuleDelete :execrows
DELETE FROM approval_rules WHERE id = $1;
