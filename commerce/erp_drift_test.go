package commerce_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

// driftSummary is a finding reduced to what the tables check.
type driftSummary struct {
	Kind      commerce.ErpDriftKind
	Reference string
	Repair    commerce.ErpRepair
}

func summarize(ds []commerce.ErpDrift) []driftSummary {
	out := []driftSummary{}
	for _, d := range ds {
		out = append(out, driftSummary{d.Kind, d.Reference, d.Repair})
	}
	return out
}

func TestCompareErpOrders(t *testing.T) {
	t.Parallel()
	ours := func(ref string, total commerce.Money, number, status string) commerce.OurErpOrder {
		return commerce.OurErpOrder{Reference: ref, Total: total, ERPNumber: number, ErpStatus: status, SyncStatus: "synced"}
	}
	theirs := func(ref string, total commerce.Money, number, status string) commerce.TheirErpOrder {
		return commerce.TheirErpOrder{Reference: ref, Total: total, Number: number, Status: status}
	}
	tests := []struct {
		name   string
		theirs []commerce.TheirErpOrder
		ours   []commerce.OurErpOrder
		want   []driftSummary
	}{
		{"nothing", nil, nil, []driftSummary{}},
		{"agree, open without news", []commerce.TheirErpOrder{theirs("a", eur(100), "SO-1", "open")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", "")}, []driftSummary{}},
		{"agree, paid as told", []commerce.TheirErpOrder{theirs("a", eur(100), "SO-1", "paid")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", "paid")}, []driftSummary{}},
		{"agree, number not recorded yet", []commerce.TheirErpOrder{theirs("a", eur(100), "SO-1", "open")},
			[]commerce.OurErpOrder{ours("a", eur(100), "", "")}, []driftSummary{}},
		{"unknown to us", []commerce.TheirErpOrder{theirs("x", eur(100), "SO-9", "open")}, nil,
			[]driftSummary{{commerce.DriftUnknownToUs, "x", commerce.RepairNone}}},
		{"total differs", []commerce.TheirErpOrder{theirs("a", eur(9999), "SO-1", "open")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", "")},
			[]driftSummary{{commerce.DriftTotalMismatch, "a", commerce.RepairNone}}},
		{"currency differs", []commerce.TheirErpOrder{theirs("a", commerce.Money{Amount: 100, Currency: "USD"}, "SO-1", "open")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", "")},
			[]driftSummary{{commerce.DriftTotalMismatch, "a", commerce.RepairNone}}},
		{"news missed", []commerce.TheirErpOrder{theirs("a", eur(100), "SO-1", "invoiced")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", "")},
			[]driftSummary{{commerce.DriftStatusMismatch, "a", commerce.RepairResyncStatus}}},
		{"the ERP behind us: no repair", []commerce.TheirErpOrder{theirs("a", eur(100), "SO-1", "invoiced")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", "paid")},
			[]driftSummary{{commerce.DriftStatusMismatch, "a", commerce.RepairNone}}},
		{"cancelled in the ERP: no repair", []commerce.TheirErpOrder{theirs("a", eur(100), "SO-1", "cancelled")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", "open")},
			[]driftSummary{{commerce.DriftStatusMismatch, "a", commerce.RepairNone}}},
		{"number differs", []commerce.TheirErpOrder{theirs("a", eur(100), "SO-2", "open")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", "")},
			[]driftSummary{{commerce.DriftErpNumberMismatch, "a", commerce.RepairNone}}},
		{"held twice: the second number differs",
			[]commerce.TheirErpOrder{theirs("a", eur(100), "SO-1", "open"), theirs("a", eur(100), "SO-7", "open")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", "")},
			[]driftSummary{{commerce.DriftErpNumberMismatch, "a", commerce.RepairNone}}},
		{"several ways at once, in page order",
			[]commerce.TheirErpOrder{theirs("b", eur(1), "SO-3", "shipped"), theirs("a", eur(100), "SO-1", "open"),
				theirs("z", eur(5), "SO-4", "open")},
			[]commerce.OurErpOrder{ours("a", eur(100), "SO-1", ""), ours("b", eur(2), "SO-2", "invoiced")},
			[]driftSummary{
				{commerce.DriftTotalMismatch, "b", commerce.RepairNone},
				{commerce.DriftStatusMismatch, "b", commerce.RepairResyncStatus},
				{commerce.DriftErpNumberMismatch, "b", commerce.RepairNone},
				{commerce.DriftUnknownToUs, "z", commerce.RepairNone},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			byRef := map[string]commerce.OurErpOrder{}
			for _, o := range tt.ours {
				byRef[o.Reference] = o
			}
			got := commerce.CompareErpOrders(tt.theirs, byRef)
			require.Equal(t, tt.want, summarize(got))
			for _, d := range got {
				require.NotNil(t, d.Theirs, "a page's finding carries the ERP's order")
				require.Equal(t, d.Kind != commerce.DriftUnknownToUs, d.Ours != nil)
			}
		})
	}
}

func TestErpStatusDrifts(t *testing.T) {
	t.Parallel()
	statuses := []string{"", "open", "invoiced", "shipped", "paid", "cancelled"}
	for _, ours := range statuses {
		for _, theirs := range statuses[1:] {
			want := ours != theirs && !(ours == "" && theirs == "open")
			require.Equal(t, want, commerce.ErpStatusDrifts(ours, theirs), "ours %q, theirs %q", ours, theirs)
		}
	}
	require.True(t, commerce.ErpStatusDrifts("paid", "shipped"), "the ERP took news back")
	require.True(t, commerce.ErpStatusDrifts("", "cancelled"), "cancelled in the ERP only")
	require.True(t, commerce.ErpStatusDrifts("cancelled", "open"), "cancelled with us only")
	require.False(t, commerce.ErpStatusDrifts("", "open"), "open without an acknowledgement yet")
}

func TestMissingInErp(t *testing.T) {
	t.Parallel()
	started := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		sync    string
		updated time.Time
		want    bool
	}{
		{"", time.Time{}, true},                       // never pushed
		{"pending", started.Add(time.Hour), true},     // still on its way
		{"stuck", started.Add(-time.Hour), true},      // stuck
		{"synced", started.Add(-time.Hour), true},     // the ERP had it, and lost it
		{"synced", started, false},                    // synced as the run began: read past
		{"synced", started.Add(time.Minute), false},   // synced after the run read past it
		{"cancelled", started.Add(-time.Hour), false}, // ops said the ERP is not to have it
		{"cancelled", started.Add(time.Hour), false},
	}
	for _, tt := range tests {
		o := commerce.OurErpOrder{Reference: "a", Total: eur(100), SyncStatus: tt.sync, SyncUpdatedAt: tt.updated}
		d, ok := commerce.MissingInErp(o, started)
		require.Equal(t, tt.want, ok, "sync %q at %s", tt.sync, tt.updated)
		if ok {
			require.Equal(t, commerce.DriftMissingInErp, d.Kind)
			require.Equal(t, commerce.RepairRepush, d.Repair)
			require.Equal(t, "a", d.Reference)
			require.Equal(t, tt.sync, d.Ours.SyncStatus)
			require.Nil(t, d.Theirs)
		}
	}
}
