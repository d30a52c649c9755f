// Package notify queues notifications in the outbox (notification_outbox). A
// notification is written in the same transaction as the change it tells of, so
// it is queued exactly when the change happens; a sender delivers the outbox.
package notify

import (
	"context"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/db"
)

// Message is one notification, to everyone of a role in a company (ToRole) or
// to one customer (CustomerID). DedupKey makes queueing idempotent: a retried
// activity queues its message once.
type Message struct {
	DedupKey   string
	Kind       string
	CompanyID  uuid.UUID
	ToRole     string
	CustomerID uuid.UUID // uuid.Nil when the message goes to a role
	Subject    string
	Body       string
}

// Queue puts m in the outbox, once per DedupKey, inside the caller's transaction.
func Queue(ctx context.Context, q *db.Queries, m Message) error {
	return q.NotificationCreate(ctx, db.NotificationCreateParams{
		DedupKey: m.DedupKey, Kind: m.Kind, CompanyID: m.CompanyID, ToRole: m.ToRole,
		CustomerID: uuid.NullUUID{UUID: m.CustomerID, Valid: m.CustomerID != uuid.Nil},
		Subject:    m.Subject, Body: m.Body,
	})
}
