package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/workflows/erpsync"
	"github.com/orderflow/orderflow/workflows/order"
)

// erpOpsRoutes lists what ops do to the ERP feeds as a whole (an order's push
// is steered from orderOpsRoutes): pull stock now, and run, read and repair
// reconciliations. Ops only.
func (s *Server) erpOpsRoutes(v1 gin.IRouter) {
	ops := v1.Group("/admin/erp", Allow(commerce.RoleOps))
	ops.POST("/stock-pull", s.triggerStockPull)
	ops.POST("/reconciliations", s.Idempotent, s.startReconciliation)
	ops.GET("/reconciliations", s.listReconciliations)
	ops.GET("/reconciliations/:reconciliation_id", s.getReconciliation)
	ops.POST("/reconciliations/:reconciliation_id/findings/:finding_id/repair", s.Idempotent, s.repairFinding)
	ops.POST("/price-pull", s.triggerPricePull)
}

// pullResponse names the schedule whose pull was set going.
type pullResponse struct {
	ScheduleID string `json:"schedule_id"`
}

// triggerStockPull pulls stock from the ERP now, through the pull's schedule
// (created if missing), rather than at its next tick. It answers 202: the pull
// runs in the background, visible in the Temporal UI under the schedule. A
// trigger while a pull runs is run after it, not lost.
func (s *Server) triggerStockPull(c *gin.Context) {
	s.triggerPull(c, erpsync.TriggerStockPull, erpsync.StockPullScheduleID)
}

// triggerPricePull pulls prices from the ERP now, as triggerStockPull does
// stock.
func (s *Server) triggerPricePull(c *gin.Context) {
	s.triggerPull(c, erpsync.TriggerPricePull, erpsync.PricePullScheduleID)
}

func (s *Server) triggerPull(c *gin.Context, trigger func(context.Context, client.Client) error, scheduleID string) {
	if err := trigger(c.Request.Context(), s.temporal); err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, pullResponse{ScheduleID: scheduleID})
}

// ReconciliationCounts counts a run's findings per kind.
type ReconciliationCounts struct {
	MissingInErp      int `json:"missing_in_erp"`
	UnknownToUs       int `json:"unknown_to_us"`
	TotalMismatch     int `json:"total_mismatch"`
	StatusMismatch    int `json:"status_mismatch"`
	ErpNumberMismatch int `json:"erp_number_mismatch"`
}

// Reconciliation is a run that compares the orders placed in a period in
// both systems.
type Reconciliation struct {
	ID         uuid.UUID `json:"id"`
	PeriodFrom time.Time `json:"period_from"`
	PeriodTo   time.Time `json:"period_to"`
	// Status is running, completed or failed; Trigger schedule or ops.
	Status  string `json:"status"`
	Trigger string `json:"trigger"`
	// ErpOrders and OurOrders count the orders compared (set on completion).
	ErpOrders int                  `json:"erp_orders"`
	OurOrders int                  `json:"our_orders"`
	Counts    ReconciliationCounts `json:"counts"`
	// Error says why a failed run failed.
	Error      string     `json:"error,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// ReconciliationFinding is one order the systems disagree about: both sides'
// view, and the one-call repair when there is one.
type ReconciliationFinding struct {
	ID   uuid.UUID `json:"id"`
	Kind string    `json:"kind"`
	// OrderID is our order (none for unknown_to_us).
	OrderID   *uuid.UUID `json:"order_id,omitempty"`
	Reference string     `json:"reference"`
	ErpNumber string     `json:"erp_number"`
	// Ours: our total, the ERP status the ERP last told us, our push's
	// status and the ERP number we recorded.
	OurTotal      *Money `json:"our_total,omitempty"`
	OurErpStatus  string `json:"our_erp_status"`
	OurSyncStatus string `json:"our_sync_status"`
	OurErpNumber  string `json:"our_erp_number"`
	// Theirs: the ERP's total and status.
	TheirTotal  *Money `json:"their_total,omitempty"`
	TheirStatus string `json:"their_status"`
	// Repair is the one-call repair ("" none: ops look for themselves).
	Repair     string     `json:"repair"`
	RepairedAt *time.Time `json:"repaired_at,omitempty"`
	RepairNote string     `json:"repair_note,omitempty"`
}

// ReconciliationReport is a run with a page of its findings.
type ReconciliationReport struct {
	Reconciliation
	Findings   []ReconciliationFinding `json:"findings"`
	NextCursor string                  `json:"next_cursor,omitempty"`
}

// ReconciliationPage is a page of runs, newest first.
type ReconciliationPage struct {
	Reconciliations []Reconciliation `json:"reconciliations"`
	NextCursor      string           `json:"next_cursor,omitempty"`
}

func reconciliationOf(r db.ErpReconciliation) Reconciliation {
	return Reconciliation{ID: r.ID, PeriodFrom: r.PeriodFrom.UTC(), PeriodTo: r.PeriodTo.UTC(), Status: r.Status,
		Trigger: r.Trigger, ErpOrders: int(r.ErpOrders), OurOrders: int(r.OurOrders),
		Counts: ReconciliationCounts{MissingInErp: int(r.MissingInErp), UnknownToUs: int(r.UnknownToUs),
			TotalMismatch: int(r.TotalMismatch), StatusMismatch: int(r.StatusMismatch),
			ErpNumberMismatch: int(r.ErpNumberMismatch)},
		Error: r.Error, StartedAt: r.StartedAt.UTC(), FinishedAt: utcOrNil(r.FinishedAt)}
}

func findingOf(f db.ErpReconciliationFinding) ReconciliationFinding {
	money := func(v pgtype.Int8, currency string) *Money {
		if !v.Valid {
			return nil
		}
		return &Money{Amount: v.Int64, Currency: currency}
	}
	out := ReconciliationFinding{ID: f.ID, Kind: f.Kind, Reference: f.Reference, ErpNumber: f.ErpNumber,
		OurTotal: money(f.OurTotal, f.OurCurrency), OurErpStatus: f.OurStatus, OurSyncStatus: f.OurSyncStatus,
		OurErpNumber: f.OurErpNumber, TheirTotal: money(f.TheirTotal, f.TheirCurrency), TheirStatus: f.TheirStatus,
		Repair: f.Repair, RepairedAt: utcOrNil(f.RepairedAt), RepairNote: f.RepairNote}
	if f.OrderID.Valid {
		out.OrderID = &f.OrderID.UUID
	}
	return out
}

type startReconciliationRequest struct {
	// From and To bound the period by placed_at: [from, to), RFC 3339.
	From string `json:"from"`
	To   string `json:"to"`
}

// startReconciliation compares the orders placed in [from, to) in both
// systems now (ops). The report exists, running, when it answers 202; it
// completes in the background.
func (s *Server) startReconciliation(c *gin.Context) {
	var req startReconciliationRequest
	if err := BindJSON(c, &req, false); err != nil {
		RespondError(c, err)
		return
	}
	from, err := requiredTime("from", req.From)
	if err != nil {
		RespondError(c, err)
		return
	}
	to, err := requiredTime("to", req.To)
	if err != nil {
		RespondError(c, err)
		return
	}
	if field, msg := erpsync.ValidatePeriod(from, to); field != "" {
		RespondError(c, FieldError(field, msg))
		return
	}
	ctx, id := c.Request.Context(), uuid.New()
	// The report is begun here, so it can be read as soon as the answer
	// arrives; the run's own begin then finds it.
	if err := s.q.ErpReconciliationCreate(ctx, db.ErpReconciliationCreateParams{
		ID: id, PeriodFrom: from, PeriodTo: to, Trigger: erp.TriggerOps}); err != nil {
		RespondError(c, err)
		return
	}
	if _, err := erpsync.StartReconcile(ctx, s.temporal, erpsync.ReconcileInput{
		ReconciliationID: id, From: from, To: to, Trigger: erp.TriggerOps}); err != nil {
		_ = s.q.ErpReconciliationFail(ctx, db.ErpReconciliationFailParams{ID: id, Error: "could not start: " + err.Error()})
		RespondError(c, err)
		return
	}
	run, err := s.q.ErpReconciliationGet(ctx, id)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, reconciliationOf(run))
}

// requiredTime reads a required RFC 3339 time of a request.
func requiredTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, FieldError(field, field+" is required")
	}
	return optionalTime(field, &v)
}

// listReconciliations pages through the runs, newest first.
func (s *Server) listReconciliations(c *gin.Context) {
	page, err := ReadKeysetPage(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	before, beforeID := page.AfterAt, page.AfterID
	if c.Query("cursor") == "" {
		before, beforeID = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), uuid.Max
	}
	rows, err := s.q.ErpReconciliationList(c.Request.Context(), db.ErpReconciliationListParams{
		BeforeStartedAt: before, BeforeID: beforeID, RowLimit: page.RowLimit()})
	if err != nil {
		RespondError(c, err)
		return
	}
	runs, next := PageOf(page, rows,
		func(r db.ErpReconciliation) (time.Time, uuid.UUID) { return r.StartedAt, r.ID }, reconciliationOf)
	c.JSON(http.StatusOK, ReconciliationPage{Reconciliations: runs, NextCursor: next})
}

// getReconciliation answers a run's report: its counts and a page of its
// findings (oldest first; ?kind= one kind only; ?limit=, ?cursor=).
func (s *Server) getReconciliation(c *gin.Context) {
	id, err := PathUUID(c, "reconciliation_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	page, err := ReadKeysetPage(c)
	if err != nil {
		RespondError(c, err)
		return
	}
	kind := c.Query("kind")
	if kind != "" && !validDriftKind(kind) {
		RespondError(c, FieldError("kind", "kind must be one of missing_in_erp, unknown_to_us, total_mismatch, status_mismatch, erp_number_mismatch"))
		return
	}
	ctx := c.Request.Context()
	run, err := s.q.ErpReconciliationGet(ctx, id)
	if err != nil {
		RespondError(c, err)
		return
	}
	rows, err := s.q.ErpReconciliationFindingList(ctx, db.ErpReconciliationFindingListParams{
		ReconciliationID: id, Kind: kind, AfterCreatedAt: page.AfterAt, AfterID: page.AfterID, RowLimit: page.RowLimit()})
	if err != nil {
		RespondError(c, err)
		return
	}
	findings, next := PageOf(page, rows,
		func(f db.ErpReconciliationFinding) (time.Time, uuid.UUID) { return f.CreatedAt, f.ID }, findingOf)
	c.JSON(http.StatusOK, ReconciliationReport{Reconciliation: reconciliationOf(run), Findings: findings, NextCursor: next})
}

func validDriftKind(kind string) bool {
	for _, k := range commerce.ErpDriftKinds {
		if string(k) == kind {
			return true
		}
	}
	return false
}

var (
	// errNoRepair refuses a repair of a finding that has none in one call.
	errNoRepair = newError(http.StatusConflict, "no_repair",
		"this finding has no one-call repair: look into the order in both systems")
	// errAlreadyRepaired refuses a second repair of a finding.
	errAlreadyRepaired = newError(http.StatusConflict, "already_repaired", "this finding was repaired already")
)

// repairFinding makes a finding's one-call repair (ops) and marks it
// repaired. For missing_in_erp (repair "repush") the order is pushed again:
// a stuck push is retried; otherwise the push starts anew (erpsync.Repush),
// joining one still running. It answers 202 with the finding: the push goes
// on in the background, and the order shows its new ERP number once synced.
func (s *Server) repairFinding(c *gin.Context) {
	runID, err := PathUUID(c, "reconciliation_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	findingID, err := PathUUID(c, "finding_id")
	if err != nil {
		RespondError(c, err)
		return
	}
	ctx, p := c.Request.Context(), principal(c)
	f, err := s.q.ErpReconciliationFindingGet(ctx, db.ErpReconciliationFindingGetParams{ID: findingID, ReconciliationID: runID})
	if err != nil {
		RespondError(c, err)
		return
	}
	if f.RepairedAt != nil {
		RespondError(c, errAlreadyRepaired)
		return
	}
	var note string
	switch commerce.ErpRepair(f.Repair) {
	case commerce.RepairRepush:
		if note, err = s.repush(c, f); err != nil {
			RespondError(c, err)
			return
		}
	case commerce.RepairResyncStatus:
		if note, err = s.resyncStatus(c, f, p); err != nil {
			RespondError(c, err)
			return
		}
	default:
		RespondError(c, errNoRepair)
		return
	}
	repaired, err := s.q.ErpReconciliationFindingRepair(ctx, db.ErpReconciliationFindingRepairParams{
		ID: f.ID, RepairNote: note + " (ops " + p.ID.String() + ")"})
	if db.IsNotFound(err) {
		RespondError(c, errAlreadyRepaired)
		return
	}
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, findingOf(repaired))
}

// repush pushes a finding's order to the ERP again, and says how.
func (s *Server) repush(c *gin.Context, f db.ErpReconciliationFinding) (string, error) {
	ctx := c.Request.Context()
	o, err := s.q.OrderGet(ctx, f.OrderID.UUID)
	if err != nil {
		return "", err
	}
	sync, err := s.q.ErpSyncGet(ctx, o.ID)
	if err != nil && !db.IsNotFound(err) {
		return "", err
	}
	if sync.Status == erp.SyncStuck {
		return "the stuck push was retried", erpsync.Retry(ctx, s.temporal, o.ID)
	}
	_, err = erpsync.Repush(ctx, s.temporal, erpsync.Input{OrderID: o.ID, CompanyID: o.CompanyID, Repush: f.ID.String()})
	if sync.Status == erp.SyncPending {
		return "the order's push was still running: it goes on", err
	}
	return "pushed to the ERP again", err
}

// resyncStatus takes the ERP's status, as the reconciliation found it, as
// news about the order (order update record_erp_news, Resync): the order's
// ERP status moves forward to it. The update's ID comes from the finding, so
// a retried repair is taken once.
func (s *Server) resyncStatus(c *gin.Context, f db.ErpReconciliationFinding, p Principal) (string, error) {
	in := order.ErpNewsInput{Status: commerce.ErpStatus(f.TheirStatus), Ref: "resync/" + f.ID.String(), At: f.CreatedAt.UTC(),
		Source: "reconciliation:" + f.ID.String() + "/ops:" + p.ID.String(), Resync: true}
	if _, err := order.Update(c.Request.Context(), s.temporal, f.OrderID.UUID, order.RecordErpNewsUpdate,
		"erp-resync/"+f.ID.String(), in); err != nil {
		return "", orderRefusal(err)
	}
	return "the ERP's status " + f.TheirStatus + " taken as news of the order", nil
}
