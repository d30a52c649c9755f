package demo

import (
	"context"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/webhooks"
)

// Integration is a demo system that posts signed webhooks, with its secret.
type Integration struct {
	ID     uuid.UUID
	Name   string
	Kind   webhooks.IntegrationKind
	Secret string
}

// Warehouse is the demo warehouse: it posts shipment news to
// /v1/webhooks/demo-warehouse, signed with Secret. The secret is public, as
// the demo tokens are: never load demo data into a production database.
var Warehouse = Integration{
	ID:     uuid.MustParse("0c0a1e00-0000-4000-8000-00000000da7e"),
	Name:   "demo-warehouse",
	Kind:   webhooks.KindWarehouse,
	Secret: "whsec_demo_warehouse_public",
}

// seedIntegrations puts the demo warehouse back as defined: its known secret,
// active, with no previous secret (undoing a rotation made in a demo session).
func seedIntegrations(ctx context.Context, q *db.Queries, secrets *webhooks.SecretBox) error {
	ciphertext, nonce := secrets.Seal(Warehouse.ID, Warehouse.Secret)
	_, err := q.IntegrationPut(ctx, db.IntegrationPutParams{ID: Warehouse.ID, Name: Warehouse.Name, Kind: string(Warehouse.Kind),
		SecretCiphertext: ciphertext, SecretNonce: nonce})
	return err
}
