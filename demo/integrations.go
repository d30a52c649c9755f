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

// ERP is the sandbox ERP of `make run`: it posts its news of orders to
// /v1/webhooks/erp, signed with Secret (public, like the warehouse's).
var ERP = Integration{
	ID:     uuid.MustParse("0c0a1e00-0000-4000-8000-0000000e0e0e"),
	Name:   "erp",
	Kind:   webhooks.KindERP,
	Secret: "whsec_demo_erp_public",
}

// seedIntegrations puts the demo warehouse and ERP back as defined: their
// known secrets, active, with no previous secret (undoing a rotation made in
// a demo session).
func seedIntegrations(ctx context.Context, q *db.Queries, secrets *webhooks.SecretBox) error {
	for _, in := range []Integration{Warehouse, ERP} {
		ciphertext, nonce := secrets.Seal(in.ID, in.Secret)
		if _, err := q.IntegrationPut(ctx, db.IntegrationPutParams{ID: in.ID, Name: in.Name, Kind: string(in.Kind),
			SecretCiphertext: ciphertext, SecretNonce: nonce}); err != nil {
			return err
		}
	}
	return nil
}
