// Package erp is Orderflow's side of the ERP: the Connector that speaks the
// erpapi contract, and the activities the ERP sync process (workflows/erpsync)
// runs. ERP calls are regular activities on the ERP task queue, never local
// ones: a slow or absent ERP must hold up nothing but ERP sync.
package erp

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/activities/notify"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
)

// Activities are the ERP sync steps.
type Activities struct {
	// Connector is the ERP.
	Connector Connector
	// DB is Orderflow's database: the orders pushed, and the sync records.
	DB *pgxpool.Pool
	// Policy is how long a push retries and how far apart (the worker's
	// ERP_RETRY_BUDGET and ERP_RETRY_MAX_INTERVAL); zero fields are the
	// defaults.
	Policy PushPolicy
}

// PushPolicy is how an order's push retries a failing ERP.
type PushPolicy struct {
	// RetryBudget is how long a push retries before it turns stuck.
	RetryBudget time.Duration
	// MaxInterval is the longest wait between two tries.
	MaxInterval time.Duration
}

// The push policy's defaults: a push retries for a day, at least twice an
// hour, before ops are asked.
const (
	DefaultRetryBudget = 24 * time.Hour
	DefaultMaxInterval = 30 * time.Minute
)

// WithDefaults fills the fields left zero with the defaults.
func (p PushPolicy) WithDefaults() PushPolicy {
	if p.RetryBudget <= 0 {
		p.RetryBudget = DefaultRetryBudget
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = DefaultMaxInterval
	}
	return p
}

// ReadPushPolicy answers the worker's push policy, defaults filled in. A push
// reads it once, at its start, as a local activity, so that its history keeps
// the policy it ran with and a changed configuration applies to new pushes.
func (a *Activities) ReadPushPolicy(context.Context, struct{}) (PushPolicy, error) {
	return a.Policy.WithDefaults(), nil
}

// Error types of the ERP sync activities' non-retryable errors, for the
// workflow to tell them apart without parsing messages.
const (
	// ErrorTypeRefused: the ERP refused the request for good (a 4xx); the
	// error's details are the ERP's erpapi.Error.
	ErrorTypeRefused = "ErpRefused"
	// ErrorTypeOrderNotFound: Orderflow has no such order, so there is
	// nothing to push or record.
	ErrorTypeOrderNotFound = "ErpOrderNotFound"
	// ErrorTypeInvalidStatus: RecordSync was given a status that is none of
	// the Sync* constants.
	ErrorTypeInvalidStatus = "ErpSyncStatusInvalid"
)

// IdempotencyKey is the key an order's push carries: derived from the order
// ID alone, so every attempt and every workflow run pushing the order sends
// the same one.
func IdempotencyKey(orderID uuid.UUID) string { return "orderflow-order-" + orderID.String() }

// RepushIdempotencyKey is the key of a push asked for again (repush names
// the request, e.g. a reconciliation finding): a key of its own, since an ERP
// that lost the order may still answer the first key with the lost order.
func RepushIdempotencyKey(orderID uuid.UUID, repush string) string {
	return IdempotencyKey(orderID) + "-repush-" + repush
}

// Reference is how the ERP knows an Orderflow order: its ID.
func Reference(orderID uuid.UUID) string { return orderID.String() }

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
	// Repush names the request when the order is pushed again after it
	// synced ("" its first push): it then creates with RepushIdempotencyKey.
	Repush string
}

// PushOrderResult is the ERP's answer.
type PushOrderResult struct {
	// ERPNumber is the ERP's order number, now recorded on the order.
	ERPNumber string
	// Created says this push sent the order to the ERP; false when the
	// lookup by reference found the ERP had it already. (An ERP that replays
	// an idempotency key answers the same order either way, so a replay
	// counts as created: the Connector does not tell the two apart.)
	Created bool
}

// PushOrder gives the order to the ERP exactly once: it looks the order up by
// reference first and creates it only when the ERP lacks it, with an
// idempotency key derived from the order ID, then records the ERP's number on
// the order. ERP errors that may pass (5xx, 429, timeouts, connection errors)
// are retryable; a 4xx refusal is non-retryable ("ErpRefused").
//
// It is idempotent: a retry after an answer lost on the way back finds the
// order by reference and records the same number.
func (a *Activities) PushOrder(ctx context.Context, in PushOrderInput) (PushOrderResult, error) {
	req, err := a.orderRequest(ctx, in.OrderID)
	if db.IsNotFound(err) {
		return PushOrderResult{}, orderNotFound(in.OrderID, err)
	}
	if err != nil {
		return PushOrderResult{}, err
	}

	order, found, err := a.Connector.OrderByReference(ctx, req.Reference)
	if err != nil {
		return PushOrderResult{}, classify(err)
	}
	created := false
	if !found {
		key := IdempotencyKey(in.OrderID)
		if in.Repush != "" {
			key = RepushIdempotencyKey(in.OrderID, in.Repush)
		}
		if order, err = a.Connector.PushOrder(ctx, key, req); err != nil {
			return PushOrderResult{}, classify(err)
		}
		created = true
	}
	if order.Number == "" {
		// Nothing to record; the ERP may have its number next time.
		return PushOrderResult{}, fmt.Errorf("erp: order %s: the ERP's answer has no order number", in.OrderID)
	}

	err = db.InTx(ctx, a.DB, func(q *db.Queries) error {
		if err := q.OrderUpdateErpNumber(ctx, db.OrderUpdateErpNumberParams{ID: in.OrderID, ErpNumber: order.Number}); err != nil {
			return err
		}
		return q.ErpSyncMarkSynced(ctx, db.ErpSyncMarkSyncedParams{
			OrderID: in.OrderID, Attempts: int32(in.Attempt), ErpNumber: order.Number})
	})
	if err != nil {
		return PushOrderResult{}, err
	}
	return PushOrderResult{ERPNumber: order.Number, Created: created}, nil
}

// orderRequest is the order as the ERP is given it.
func (a *Activities) orderRequest(ctx context.Context, orderID uuid.UUID) (erpapi.OrderRequest, error) {
	q := db.New(a.DB)
	o, err := q.OrderGet(ctx, orderID)
	if err != nil {
		return erpapi.OrderRequest{}, err
	}
	rows, err := q.OrderLineListByOrder(ctx, orderID)
	if err != nil {
		return erpapi.OrderRequest{}, err
	}
	req := erpapi.OrderRequest{
		Reference: Reference(o.ID), Customer: o.CompanyID.String(),
		Currency: o.Currency, TotalMinor: o.Total, PlacedAt: o.PlacedAt.UTC(),
		Lines: make([]erpapi.OrderLine, 0, len(rows)),
	}
	for _, l := range rows {
		req.Lines = append(req.Lines, erpapi.OrderLine{SKU: l.Sku, Quantity: int64(l.Quantity), UnitPriceMinor: l.UnitPrice})
	}
	return req, nil
}

// classify turns the ERP's refusal into a non-retryable error of type
// ErrorTypeRefused whose details are the ERP's reason, and leaves every
// other error retryable (the ERP may be back later).
func classify(err error) error {
	if r, ok := AsRefused(err); ok {
		return temporal.NewNonRetryableApplicationError(r.Error(), ErrorTypeRefused, err, r.Reason)
	}
	return err
}

// orderNotFound is the non-retryable error for an order Orderflow does not
// have: no retry makes it appear.
func orderNotFound(orderID uuid.UUID, cause error) error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("erp: order %s not found", orderID), ErrorTypeOrderNotFound, cause)
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
// Setting stuck again while stuck (a retried activity, a workflow replaying
// its last step) queues nothing more; stuck again after any other status is a
// new episode and notifies again.
func (a *Activities) RecordSync(ctx context.Context, in RecordSyncInput) error {
	switch in.Status {
	case SyncPending, SyncSynced, SyncStuck, SyncCancelled:
	default:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("erp: order %s: no sync status %q", in.OrderID, in.Status), ErrorTypeInvalidStatus, nil)
	}
	// The last error is the ERP's words (or its proxy's): whatever bytes they
	// were, they are recorded, never a step that cannot store them.
	in.LastError = commerce.StorableText(in.LastError, maxLastErrorBytes)
	err := db.InTx(ctx, a.DB, func(q *db.Queries) error {
		sync, err := q.ErpSyncRecord(ctx, db.ErpSyncRecordParams{
			OrderID: in.OrderID, Status: in.Status, Attempts: int32(in.Attempts), LastError: in.LastError})
		if err != nil || sync.Status != SyncStuck {
			return err
		}
		o, err := q.OrderGet(ctx, in.OrderID)
		if err != nil {
			return err
		}
		// The episode in the dedup key makes the notification once per
		// episode, whoever retries.
		return notify.Queue(ctx, q, notify.Message{
			DedupKey: fmt.Sprintf("erp-sync-stuck/%s/%d", in.OrderID, sync.StuckEpisodes),
			Kind:     "erp_sync_stuck", CompanyID: o.CompanyID, ToRole: string(commerce.RoleOps),
			Subject: fmt.Sprintf("Order %s is stuck on its way to the ERP", in.OrderID),
			Body: fmt.Sprintf("%d pushes failed; the last said: %s. Retry the sync once the ERP takes orders again, or cancel it.",
				in.Attempts, lastErrorOrUnknown(in.LastError)),
		})
	})
	if db.IsForeignKeyViolation(err) || db.IsNotFound(err) {
		return orderNotFound(in.OrderID, err)
	}
	return err
}

// maxLastErrorBytes bounds the last error a push records.
const maxLastErrorBytes = 4096

// lastErrorOrUnknown is the last error for a message, never blank.
func lastErrorOrUnknown(lastError string) string {
	if lastError == "" {
		return "(no error recorded)"
	}
	return lastError
}
