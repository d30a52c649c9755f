// Package notify queues notifications in the outbox (notification_outbox). A
// notification is written in the same transaction as the change it tells of, so
// it is queued exactly when the change happens; a sender delivers the outbox.
package notify

import (
	"context"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/db"
)

// Message is one notification about a buying company: to everyone of a role
// (ToRole: a company role, or a seller role such as sales_manager), to one
// customer (CustomerID) or to one member of the seller's staff (StaffID). DedupKey makes queueing idempotent: a retried
// activity queues its message once.
type Message struct {
	DedupKey   string
	Kind       string
	CompanyID  uuid.UUID
	ToRole     string
	CustomerID uuid.UUID // uuid.Nil unless the message goes to one customer
	StaffID    uuid.UUID // uuid.Nil unless the message goes to one member of staff
	Subject    string
	Body       string
}

// Queue puts m in the outbox, once per DedupKey, inside the caller's transaction.
func Queue(ctx context.Context, q *db.Queries, m Message) error {
	return q.NotificationCreate(ctx, db.NotificationCreateParams{
		DedupKey: m.DedupKey, Kind: m.Kind, CompanyID: m.CompanyID, ToRole: m.ToRole,
		CustomerID: uuid.NullUUID{UUID: m.CustomerID, Valid: m.CustomerID != uuid.Nil},
		StaffID:    uuid.NullUUID{UUID: m.StaffID, Valid: m.StaffID != uuid.Nil},
		Subject:    m.Subject, Body: m.Body,
	})
}
