package commerce

import "time"

// ErpDriftKind names one way Orderflow and the ERP disagree about an order,
// as a reconciliation reports it.
type ErpDriftKind string

// Kinds of ERP drift.
const (
	// DriftMissingInErp: our order, placed in the period, which the ERP has
	// no order for under its reference.
	DriftMissingInErp ErpDriftKind = "missing_in_erp"
	// DriftUnknownToUs: an ERP order whose reference is no order of ours
	// (keyed into the ERP by hand, or by another system).
	DriftUnknownToUs ErpDriftKind = "unknown_to_us"
	// DriftTotalMismatch: both have the order, with another total or currency.
	DriftTotalMismatch ErpDriftKind = "total_mismatch"
	// DriftStatusMismatch: the ERP's status is not the one it last told us
	// (ErpStatusDrifts).
	DriftStatusMismatch ErpDriftKind = "status_mismatch"
	// DriftErpNumberMismatch: the ERP has the order under another number than
	// the one we recorded (e.g. it holds the order twice).
	DriftErpNumberMismatch ErpDriftKind = "erp_number_mismatch"
)

// ErpDriftKinds are every kind, in the order a report lists them.
var ErpDriftKinds = []ErpDriftKind{DriftMissingInErp, DriftUnknownToUs, DriftTotalMismatch, DriftStatusMismatch,
	DriftErpNumberMismatch}

// ErpRepair names the one-call repair of a finding.
type ErpRepair string

// Repairs of ERP drift.
const (
	// RepairNone: nothing Orderflow can do in one call; ops look for
	// themselves.
	RepairNone ErpRepair = ""
	// RepairRepush: push the order to the ERP again (it looks the order up by
	// reference first, so a push of an order the ERP has does no harm).
	RepairRepush ErpRepair = "repush"
	// RepairResyncStatus: take the ERP's status as news about the order.
	RepairResyncStatus ErpRepair = "resync_status"
)

// ERP sync statuses of an order's push, as reconciliation reads them (the
// ERP sync activities own these words).
const (
	erpSyncSynced    = "synced"
	erpSyncCancelled = "cancelled"
)

// erpStatusOpen is where every ERP order starts, in the ERP contract's words.
const erpStatusOpen = "open"

// OurErpOrder is one of our orders as reconciliation compares it.
type OurErpOrder struct {
	// Reference is how the ERP knows it: the order ID.
	Reference string
	Total     Money
	// ERPNumber is the ERP's number we recorded ('' before a push synced).
	ERPNumber string
	// ErpStatus is the furthest status the ERP has told us ('' none yet).
	ErpStatus string
	// SyncStatus is its push's status ('' when no push began yet).
	SyncStatus string
	// SyncUpdatedAt is when the push's status last changed (zero: no push).
	SyncUpdatedAt time.Time
}

// TheirErpOrder is an ERP order as reconciliation compares it.
type TheirErpOrder struct {
	Number    string
	Reference string
	Status    string
	Total     Money
}

// ErpDrift is one finding: an order the two systems disagree about, with
// both sides' view of it and the repair ops may make.
type ErpDrift struct {
	Kind      ErpDriftKind
	Reference string
	// Ours is nil when we have no order under the reference; Theirs is nil
	// when the ERP has none.
	Ours   *OurErpOrder
	Theirs *TheirErpOrder
	Repair ErpRepair
}

// CompareErpOrders compares a page of the ERP's orders with ours. ours holds
// our orders under the page's references (by reference); an ERP order whose
// reference is not in it is unknown to us. One ERP order may disagree in
// several ways, and gives one finding for each.
func CompareErpOrders(theirs []TheirErpOrder, ours map[string]OurErpOrder) []ErpDrift {
	var out []ErpDrift
	for i := range theirs {
		t := theirs[i]
		o, ok := ours[t.Reference]
		if !ok {
			out = append(out, ErpDrift{Kind: DriftUnknownToUs, Reference: t.Reference, Theirs: &t})
			continue
		}
		drift := func(kind ErpDriftKind, repair ErpRepair) {
			out = append(out, ErpDrift{Kind: kind, Reference: t.Reference, Ours: &o, Theirs: &t, Repair: repair})
		}
		if t.Total != o.Total {
			drift(DriftTotalMismatch, RepairNone)
		}
		if ErpStatusDrifts(o.ErpStatus, t.Status) {
			drift(DriftStatusMismatch, StatusRepair(ErpStatus(o.ErpStatus), ErpStatus(t.Status)))
		}
		if o.ERPNumber != "" && o.ERPNumber != t.Number {
			drift(DriftErpNumberMismatch, RepairNone)
		}
	}
	return out
}

// StatusRepair is the repair of a status mismatch: when the ERP is ahead of
// what it told us (news missed), its status is taken as news, which moves
// ours forward to it. An ERP behind us, or one that cancelled the order, has
// no one-call repair: news never moves back, and cancelling an order is a
// person's decision.
func StatusRepair(ours, theirs ErpStatus) ErpRepair {
	if theirs != ours && theirs != ErpStatusCancelled && ErpStatusAfter(ours, theirs) == theirs {
		return RepairResyncStatus
	}
	return RepairNone
}

// ErpStatusDrifts tells whether the ERP's status (theirs) disagrees with the
// one it last told us (ours, ” when it told us nothing). Every difference
// is drift, but one: an order the ERP holds as open that it never sent news
// about, since open is where every ERP order starts and an acknowledgement
// may not have been sent yet. So news we missed (ours behind theirs), news
// the ERP took back (ours ahead of theirs) and a cancellation on one side
// only are all drift.
func ErpStatusDrifts(ours, theirs string) bool {
	if ours == "" && theirs == erpStatusOpen {
		return false
	}
	return ours != theirs
}

// MissingInErp is the finding for one of our orders placed in the period
// that no ERP order of the period names, if it is one. It is not drift when
// ops cancelled the order's push (they said the ERP is not to have it), nor
// when the push synced at or after runStarted (the ERP got it after the run
// had read past it). Otherwise the finding carries the push's status, so ops
// tell an order still on its way ("pending", "stuck") from one the ERP had
// and lost ("synced"), and its repair is a push again.
func MissingInErp(o OurErpOrder, runStarted time.Time) (ErpDrift, bool) {
	if o.SyncStatus == erpSyncCancelled {
		return ErpDrift{}, false
	}
	if o.SyncStatus == erpSyncSynced && !o.SyncUpdatedAt.Before(runStarted) {
		return ErpDrift{}, false
	}
	return ErpDrift{Kind: DriftMissingInErp, Reference: o.Reference, Ours: &o, Repair: RepairRepush}, true
}
