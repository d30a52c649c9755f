package testenv

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/webhooks"
)

// Integration is a system that posts signed webhooks, with its secret.
type Integration struct {
	ID     uuid.UUID
	Name   string
	Secret string
}

// NewIntegration adds an active warehouse integration with a new secret,
// sealed with the development key the test stacks' API uses
// (config.DevWebhookKey), through the query the admin API creates with.
func NewIntegration(t testing.TB, pool *pgxpool.Pool, name string) Integration {
	t.Helper()
	return newIntegration(t, pool, name, webhooks.KindWarehouse)
}

// newIntegration adds an active integration of the kind with a new secret.
func newIntegration(t testing.TB, pool *pgxpool.Pool, name string, kind webhooks.IntegrationKind) Integration {
	t.Helper()
	box, err := webhooks.NewSecretBox(config.DevWebhookKey())
	if err != nil {
		t.Fatalf("webhook secrets: %v", err)
	}
	in := Integration{ID: uuid.New(), Name: name, Secret: webhooks.NewSecret()}
	ciphertext, nonce := box.Seal(in.ID, in.Secret)
	if _, err := db.New(pool).IntegrationCreate(context.Background(), db.IntegrationCreateParams{
		ID: in.ID, Name: name, Kind: string(kind), SecretCiphertext: ciphertext, SecretNonce: nonce}); err != nil {
		t.Fatalf("create integration %s: %v", name, err)
	}
	return in
}
