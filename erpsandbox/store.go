package erpsandbox

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/erpapi"
)

//go:embed schema.sql
var schemaSQL string

// schemaLockID serialises schema creation between sandboxes starting at once
// on the same database ("erpsbx").
const schemaLockID = 0x65727073627

// Errors the store answers, mapped to HTTP answers by writeStoreError.
var (
	// ErrNotFound: no such order.
	ErrNotFound = errors.New("not found")
	// ErrDuplicateReference: another idempotency key already created an order
	// with this reference.
	ErrDuplicateReference = errors.New("an order with this reference exists under another idempotency key")
	// ErrBadCursor: the cursor is not one this sandbox handed out.
	ErrBadCursor = errors.New("malformed cursor")
)

// Store keeps the sandbox ERP's orders and change feeds in the erp_sandbox
// schema.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore creates the erp_sandbox schema and its tables if missing and
// returns a store on them.
func NewStore(ctx context.Context, pool *pgxpool.Pool) (*Store, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("erp sandbox schema: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	// Two processes running CREATE ... IF NOT EXISTS at once can still collide
	// on the catalog's unique indexes; the lock makes them take turns.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLockID)); err != nil {
		return nil, fmt.Errorf("erp sandbox schema: %w", err)
	}
	if _, err := tx.Exec(ctx, schemaSQL); err != nil {
		return nil, fmt.Errorf("erp sandbox schema: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("erp sandbox schema: %w", err)
	}
	return &Store{pool: pool}, nil
}

const orderColumns = `number, reference, customer, status, currency, total_minor, placed_at, created_at, updated_at, lines`

func scanOrder(row pgx.Row) (erpapi.Order, error) {
	var o erpapi.Order
	var lines []byte
	if err := row.Scan(&o.Number, &o.Reference, &o.Customer, &o.Status, &o.Currency, &o.TotalMinor,
		&o.PlacedAt, &o.CreatedAt, &o.UpdatedAt, &lines); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return o, ErrNotFound
		}
		return o, err
	}
	if err := json.Unmarshal(lines, &o.Lines); err != nil {
		return o, fmt.Errorf("order %s lines: %w", o.Number, err)
	}
	o.PlacedAt, o.CreatedAt, o.UpdatedAt = o.PlacedAt.UTC(), o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, nil
}

// CreateOrder creates the order under the idempotency key, or answers the
// order the key created before (created is then false). A reference already
// used under another key is ErrDuplicateReference.
func (s *Store) CreateOrder(ctx context.Context, key string, req erpapi.OrderRequest) (order erpapi.Order, created bool, err error) {
	lines, err := json.Marshal(req.Lines)
	if err != nil {
		return order, false, err
	}
	// ON CONFLICT on the key alone: two concurrent requests with one key both
	// end with the one order, and a reused reference still raises its own
	// unique violation, which is the 409. The order's acknowledgement is
	// queued for Orderflow in the same transaction.
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		order, err = scanOrder(tx.QueryRow(ctx, `
			INSERT INTO erp_sandbox.orders (number, reference, idempotency_key, customer, status, currency, total_minor, placed_at, lines)
			VALUES ('SO-' || lpad(nextval('erp_sandbox.order_number_seq')::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (idempotency_key) DO NOTHING
			RETURNING `+orderColumns,
			req.Reference, key, req.Customer, erpapi.OrderStatusOpen, req.Currency, req.TotalMinor, req.PlacedAt, lines))
		if err != nil {
			return err
		}
		return enqueue(ctx, tx, order.Number+".acknowledged", erpapi.EventOrderAcknowledged, erpapi.OrderAcknowledgedData{
			OrderID: order.Reference, ErpNumber: order.Number, AcknowledgedAt: order.CreatedAt})
	})
	if err == nil {
		return order, true, nil
	}
	var pgErr *pgconn.PgError
	referenceTaken := errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "orders_reference_key"
	if !referenceTaken && !errors.Is(err, ErrNotFound) {
		return order, false, err
	}
	// Either the key created an order before, or the reference is taken: by
	// this same key racing in a concurrent request (Postgres may check the
	// reference index first), or by another key, the one real conflict.
	order, err = scanOrder(s.pool.QueryRow(ctx, `SELECT `+orderColumns+` FROM erp_sandbox.orders WHERE idempotency_key = $1`, key))
	if referenceTaken && errors.Is(err, ErrNotFound) {
		return order, false, ErrDuplicateReference
	}
	return order, false, err
}

// OrderByReference answers the order with Orderflow's reference.
func (s *Store) OrderByReference(ctx context.Context, reference string) (erpapi.Order, error) {
	return scanOrder(s.pool.QueryRow(ctx, `SELECT `+orderColumns+` FROM erp_sandbox.orders WHERE reference = $1`, reference))
}

// OrderFilter bounds an order list by placed_at: From inclusive, To
// exclusive; a zero time leaves that side open.
type OrderFilter struct {
	From, To time.Time
}

// ListOrders answers up to limit orders after the cursor, oldest placed_at
// first, and the cursor of the next page.
func (s *Store) ListOrders(ctx context.Context, f OrderFilter, cursor string, limit int) (erpapi.OrderPage, error) {
	page := erpapi.OrderPage{Items: []erpapi.Order{}, NextCursor: cursor}
	afterPlaced, afterID, err := decodeOrderCursor(cursor)
	if err != nil {
		return page, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT id, `+orderColumns+` FROM erp_sandbox.orders
		WHERE ($1::timestamptz IS NULL OR placed_at >= $1)
		  AND ($2::timestamptz IS NULL OR placed_at < $2)
		  AND ($3::timestamptz IS NULL OR (placed_at, id) > ($3, $4))
		ORDER BY placed_at, id
		LIMIT $5`,
		nullTime(f.From), nullTime(f.To), nullTime(afterPlaced), afterID, limit)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	var lastID int64
	for rows.Next() {
		var o erpapi.Order
		var lines []byte
		if err := rows.Scan(&lastID, &o.Number, &o.Reference, &o.Customer, &o.Status, &o.Currency, &o.TotalMinor,
			&o.PlacedAt, &o.CreatedAt, &o.UpdatedAt, &lines); err != nil {
			return page, err
		}
		if err := json.Unmarshal(lines, &o.Lines); err != nil {
			return page, fmt.Errorf("order %s lines: %w", o.Number, err)
		}
		o.PlacedAt, o.CreatedAt, o.UpdatedAt = o.PlacedAt.UTC(), o.CreatedAt.UTC(), o.UpdatedAt.UTC()
		page.Items = append(page.Items, o)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if n := len(page.Items); n > 0 {
		page.NextCursor = encodeOrderCursor(page.Items[n-1].PlacedAt, lastID)
	}
	return page, nil
}

// DeleteOrder removes an order, as if the ERP had lost it (reconciliation
// tests).
func (s *Store) DeleteOrder(ctx context.Context, number string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM erp_sandbox.orders WHERE number = $1`, number)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	return err
}

// OrderPatch changes an order behind Orderflow's back; nil fields stay.
type OrderPatch struct {
	TotalMinor *int64  `json:"total_minor"`
	Status     *string `json:"status"`
}

// PatchOrder applies the patch and answers the order as it now is.
func (s *Store) PatchOrder(ctx context.Context, number string, p OrderPatch) (erpapi.Order, error) {
	return scanOrder(s.pool.QueryRow(ctx, `
		UPDATE erp_sandbox.orders
		SET total_minor = coalesce($2, total_minor), status = coalesce($3, status), updated_at = now()
		WHERE number = $1
		RETURNING `+orderColumns, number, p.TotalMinor, p.Status))
}

// RecordStockChange appends to the stock feed a count without a location
// (Orderflow's default location).
func (s *Store) RecordStockChange(ctx context.Context, sku string, onHand int64) (erpapi.StockChange, error) {
	return s.RecordStockChangeAt(ctx, sku, "", onHand)
}

// RecordStockChangeAt appends to the stock feed a count at one stock location
// ("" for none).
func (s *Store) RecordStockChangeAt(ctx context.Context, sku, location string, onHand int64) (erpapi.StockChange, error) {
	c := erpapi.StockChange{SKU: sku, Location: location, OnHand: onHand}
	err := s.pool.QueryRow(ctx, `INSERT INTO erp_sandbox.stock_changes (sku, location, on_hand) VALUES ($1, $2, $3) RETURNING changed_at`,
		sku, location, onHand).Scan(&c.ChangedAt)
	c.ChangedAt = c.ChangedAt.UTC()
	return c, err
}

// RecordPriceChange appends to the price feed.
func (s *Store) RecordPriceChange(ctx context.Context, c erpapi.PriceChange) (erpapi.PriceChange, error) {
	err := s.pool.QueryRow(ctx, `
		INSERT INTO erp_sandbox.price_changes (price_list, sku, currency, unit_price_minor)
		VALUES ($1, $2, $3, $4) RETURNING changed_at`,
		c.PriceList, c.SKU, c.Currency, c.UnitPriceMinor).Scan(&c.ChangedAt)
	c.ChangedAt = c.ChangedAt.UTC()
	return c, err
}

// StockChanges answers up to limit stock changes after the cursor, oldest
// first. An empty page hands the same cursor back, so a puller can keep it.
func (s *Store) StockChanges(ctx context.Context, cursor string, limit int) (erpapi.StockPage, error) {
	page := erpapi.StockPage{Items: []erpapi.StockChange{}, NextCursor: cursor}
	after, err := decodeSeqCursor(cursor)
	if err != nil {
		return page, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT seq, sku, location, on_hand, changed_at FROM erp_sandbox.stock_changes
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	var seq int64
	for rows.Next() {
		var c erpapi.StockChange
		if err := rows.Scan(&seq, &c.SKU, &c.Location, &c.OnHand, &c.ChangedAt); err != nil {
			return page, err
		}
		c.ChangedAt = c.ChangedAt.UTC()
		page.Items = append(page.Items, c)
	}
	if len(page.Items) > 0 {
		page.NextCursor = encodeSeqCursor(seq)
	}
	return page, rows.Err()
}

// PriceChanges answers up to limit price changes after the cursor, oldest
// first. An empty page hands the same cursor back.
func (s *Store) PriceChanges(ctx context.Context, cursor string, limit int) (erpapi.PricePage, error) {
	page := erpapi.PricePage{Items: []erpapi.PriceChange{}, NextCursor: cursor}
	after, err := decodeSeqCursor(cursor)
	if err != nil {
		return page, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT seq, price_list, sku, currency, unit_price_minor, changed_at FROM erp_sandbox.price_changes
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	var seq int64
	for rows.Next() {
		var c erpapi.PriceChange
		if err := rows.Scan(&seq, &c.PriceList, &c.SKU, &c.Currency, &c.UnitPriceMinor, &c.ChangedAt); err != nil {
			return page, err
		}
		c.ChangedAt = c.ChangedAt.UTC()
		page.Items = append(page.Items, c)
	}
	if len(page.Items) > 0 {
		page.NextCursor = encodeSeqCursor(seq)
	}
	return page, rows.Err()
}

// Cursors are opaque to clients (base64url) so that the sandbox stays free to
// change what is inside; a feed cursor is the last sequence number seen, an
// order cursor the last (placed_at, id) seen.
const (
	seqCursorPrefix   = "seq:"
	orderCursorPrefix = "ord:"
)

func encodeSeqCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(seqCursorPrefix + strconv.FormatInt(seq, 10)))
}

func decodeSeqCursor(cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !strings.HasPrefix(string(raw), seqCursorPrefix) {
		return 0, ErrBadCursor
	}
	seq, err := strconv.ParseInt(strings.TrimPrefix(string(raw), seqCursorPrefix), 10, 64)
	if err != nil || seq < 0 {
		return 0, ErrBadCursor
	}
	return seq, nil
}

func encodeOrderCursor(placedAt time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString(
		[]byte(orderCursorPrefix + placedAt.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(id, 10)))
}

func decodeOrderCursor(cursor string) (time.Time, int64, error) {
	if cursor == "" {
		return time.Time{}, 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !strings.HasPrefix(string(raw), orderCursorPrefix) {
		return time.Time{}, 0, ErrBadCursor
	}
	ts, idText, ok := strings.Cut(strings.TrimPrefix(string(raw), orderCursorPrefix), "|")
	if !ok {
		return time.Time{}, 0, ErrBadCursor
	}
	placed, err1 := time.Parse(time.RFC3339Nano, ts)
	id, err2 := strconv.ParseInt(idText, 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, 0, ErrBadCursor
	}
	return placed, id, nil
}

// nullTime makes a zero time SQL NULL, meaning "no bound".
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
