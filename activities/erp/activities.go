// Package erp is Orderflow's side of the ERP: the Connector that speaks the
// erpapi contract, and the activities the ERP sync process (workflows/erpsync)
// runs. ERP calls are regular activities on the ERP task queue, never local
// ones: a slow or absent ERP must hold up nothing but ERP sync.
package erp

import (
	"context"
	"errors"

	"github.com/google/uuid"
)

// Activities are the ERP sync steps.
type Activities struct {
	// Connector is the ERP.
	Connector Connector
}

// Connector is an ERP as Orderflow needs it. HTTPConnector speaks the erpapi
// contract; tests may put any other in its place.
type Connector interface{}

// Sync statuses of an order's ERP push, as the erp_syncs table and the
// ErpSyncStatus search attribute show them.
const (
	SyncPending   = "pending"
	SyncSynced    = "synced"
	SyncStuck     = "stuck"
	SyncCancelled = "cancelled"
)

// PushOrderInput names the order to push.
type PushOrderInput struct {
	OrderID uuid.UUID
	// Attempt counts the pushes of this order so far, for the record.
	Attempt int
}

// PushOrderResult is the ERP's answer.
type PushOrderResult struct {
	// ERPNumber is the ERP's order number, now recorded on the order.
	ERPNumber string
	// Created says the push created the order; false when the ERP had it
	// already (found by reference, or the idempotency key replayed).
	Created bool
}

// PushOrder gives the order to the ERP exactly once: it looks the order up by
// reference first and creates it only when the ERP lacks it, with an
// idempotency key derived from the order ID, then records the ERP's number on
// the order. ERP errors that may pass (5xx, 429, timeouts, connection errors)
// are retryable; a 4xx refusal is non-retryable ("ErpRefused").
func (a *Activities) PushOrder(ctx context.Context, in PushOrderInput) (PushOrderResult, error) {
	return PushOrderResult{}, errors.New("erp: PushOrder is being built")
}

// RecordSyncInput is a change of an order's ERP sync status.
type RecordSyncInput struct {
	OrderID   uuid.UUID
	Status    string
	Attempts  int
	LastError string
}

// RecordSync stores an order's ERP sync status (erp_syncs), and when it turns
// stuck queues an ops notification, once per stuck episode.
func (a *Activities) RecordSync(ctx context.Context, in RecordSyncInput) error {
	return errors.New("erp: RecordSync is being built")
}
