-- IntegrationCreate adds a system that posts webhooks, with its secret sealed
-- (webhooks.SecretBox).
-- name: IntegrationCreate :one
INSERT INTO integrations (id, name, kind, secret_ciphertext, secret_nonce)
VALUES (@id, @name, @kind, @secret_ciphertext, @secret_nonce)
RETURNING *;

-- IntegrationPut creates the integration or puts it back as given (the demo
-- data's known secret): active, with no previous secret.
-- name: IntegrationPut :one
INSERT INTO integrations (id, name, kind, secret_ciphertext, secret_nonce)
VALUES (@id, @name, @kind, @secret_ciphertext, @secret_nonce)
ON CONFLICT (id) DO UPDATE
SET name = EXCLUDED.name, kind = EXCLUDED.kind,
    secret_ciphertext = EXCLUDED.secret_ciphertext, secret_nonce = EXCLUDED.secret_nonce,
    previous_secret_ciphertext = NULL, previous_secret_nonce = NULL, previous_secret_expires_at = NULL,
    active = true
RETURNING *;

-- name: IntegrationGet :one
SELECT * FROM integrations WHERE id = $1;

-- IntegrationGetByName finds the integration a webhook URL names.
-- name: IntegrationGetByName :one
SELECT * FROM integrations WHERE name = $1;

-- name: IntegrationList :many
SELECT * FROM integrations
WHERE (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- IntegrationRotateSecret replaces the secret; the one it replaces keeps
-- verifying until @previous_expires_at. One statement: two rotations at once
-- are serialised by the row lock, so each keeps the secret it replaced.
-- name: IntegrationRotateSecret :one
UPDATE integrations
SET previous_secret_ciphertext = secret_ciphertext,
    previous_secret_nonce      = secret_nonce,
    previous_secret_expires_at = @previous_expires_at::timestamptz,
    secret_ciphertext = @secret_ciphertext,
    secret_nonce      = @secret_nonce,
    rotated_at        = now()
WHERE id = @id
RETURNING *;
