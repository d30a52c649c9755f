package commerce_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/commerce"
)

// The transition table as the spec writes it, kept apart from the code's own
// table so that the exhaustive test below checks one against the other.
// Actor kinds are words here, not the code's constants.
var (
	allStatuses = []commerce.QuoteStatus{"requested", "drafting", "awaiting_manager", "offered",
		"changes_requested", "accepted", "ordered", "declined", "expired", "withdrawn", "cancelled"}
	notFinal = []commerce.QuoteStatus{"requested", "drafting", "awaiting_manager", "offered",
		"changes_requested", "accepted", "expired"}
	specTable = map[commerce.QuoteAction]struct {
		statuses []commerce.QuoteStatus
		actors   []string
	}{
		"claim": {[]commerce.QuoteStatus{"requested", "drafting", "changes_requested", "expired", "awaiting_manager", "offered"},
			[]string{"assigned rep", "other rep", "manager"}},
		"assign":           {notFinal, []string{"manager"}},
		"draft":            {[]commerce.QuoteStatus{"requested", "drafting", "changes_requested", "expired"}, []string{"assigned rep", "manager"}},
		"send":             {[]commerce.QuoteStatus{"drafting"}, []string{"assigned rep", "manager"}},
		"approve_discount": {[]commerce.QuoteStatus{"awaiting_manager"}, []string{"manager"}},
		"reject_discount":  {[]commerce.QuoteStatus{"awaiting_manager"}, []string{"manager"}},
		"extend_validity":  {[]commerce.QuoteStatus{"offered", "expired"}, []string{"assigned rep", "manager"}},
		"accept":           {[]commerce.QuoteStatus{"offered"}, []string{"requester"}},
		"decline":          {[]commerce.QuoteStatus{"offered"}, []string{"requester"}},
		"request_changes":  {[]commerce.QuoteStatus{"offered", "expired"}, []string{"requester"}},
		"withdraw": {[]commerce.QuoteStatus{"requested", "drafting", "awaiting_manager", "offered", "changes_requested", "expired"},
			[]string{"requester"}},
		"cancel": {[]commerce.QuoteStatus{"requested", "drafting", "awaiting_manager", "offered", "changes_requested", "accepted", "expired"},
			[]string{"assigned rep", "manager"}},
		"retry_order":  {[]commerce.QuoteStatus{"accepted"}, []string{"requester"}},
		"message":      {allStatuses, []string{"requester", "colleague", "assigned rep", "manager"}},
		"expire":       {[]commerce.QuoteStatus{"offered"}, []string{"system"}},
		"order_placed": {[]commerce.QuoteStatus{"accepted"}, []string{"system"}},
	}
)

// quoteActorCase is an actor with the kind it is to the quote, for one
// assignment of the quote.
type quoteActorCase struct {
	name  string
	actor commerce.QuoteActor
	kind  string
}

// quoteActorCases are every kind of actor, in several guises each, for a
// quote of company acme requested by alice and assigned to assignee ("" for
// the queue).
func quoteActorCases(assignee string) []quoteActorCase {
	rep1 := "other rep"
	if assignee == "rep-1" {
		rep1 = "assigned rep"
	}
	return []quoteActorCase{
		{"alice, buyer", commerce.QuoteActor{ID: "alice", Role: commerce.RoleBuyer, CompanyID: "acme"}, "requester"},
		{"alice, approver", commerce.QuoteActor{ID: "alice", Role: commerce.RoleApprover, CompanyID: "acme"}, "requester"},
		{"alice, company admin", commerce.QuoteActor{ID: "alice", Role: commerce.RoleCompanyAdmin, CompanyID: "acme"}, "requester"},
		{"bob, buyer of acme", commerce.QuoteActor{ID: "bob", Role: commerce.RoleBuyer, CompanyID: "acme"}, "colleague"},
		{"carol, admin of acme", commerce.QuoteActor{ID: "carol", Role: commerce.RoleCompanyAdmin, CompanyID: "acme"}, "colleague"},
		{"acme buyer without an ID", commerce.QuoteActor{Role: commerce.RoleBuyer, CompanyID: "acme"}, "colleague"},
		{"mallory, buyer of globex", commerce.QuoteActor{ID: "mallory", Role: commerce.RoleBuyer, CompanyID: "globex"}, "other company"},
		{"alice's ID at globex", commerce.QuoteActor{ID: "alice", Role: commerce.RoleBuyer, CompanyID: "globex"}, "other company"},
		{"alice without a company", commerce.QuoteActor{ID: "alice", Role: commerce.RoleBuyer}, "other company"},
		{"rep-1", commerce.QuoteActor{ID: "rep-1", Role: commerce.RoleSalesRep}, rep1},
		{"rep-2", commerce.QuoteActor{ID: "rep-2", Role: commerce.RoleSalesRep}, "other rep"},
		{"rep without an ID", commerce.QuoteActor{Role: commerce.RoleSalesRep}, "other rep"},
		{"manager", commerce.QuoteActor{ID: "mgr", Role: commerce.RoleSalesManager}, "manager"},
		{"manager with the assignee's ID", commerce.QuoteActor{ID: "rep-1", Role: commerce.RoleSalesManager}, "manager"},
		{"ops", commerce.QuoteActor{ID: "ops-1", Role: commerce.RoleOps}, "ops"},
		{"system", commerce.QuoteSystem, "system"},
		{"unknown role", commerce.QuoteActor{ID: "x", Role: "janitor", CompanyID: "acme"}, "nobody"},
		{"no role but an ID", commerce.QuoteActor{ID: "x"}, "nobody"},
	}
}

func TestCheckQuoteActionExhaustive(t *testing.T) {
	t.Parallel()
	require.Len(t, commerce.QuoteActions, len(specTable), "every action is in the spec's table")
	checked := 0
	for _, assignee := range []string{"rep-1", ""} {
		p := commerce.QuoteParties{CompanyID: "acme", RequesterID: "alice", AssigneeID: assignee}
		for _, a := range quoteActorCases(assignee) {
			for _, action := range commerce.QuoteActions {
				row, ok := specTable[action]
				require.True(t, ok, "action %s is not in the spec's table", action)
				for _, s := range allStatuses {
					where := fmt.Sprintf("%s by %s (%s) in %s, assignee %q", action, a.name, a.kind, s, assignee)
					var want commerce.RejectionCode
					switch {
					case !slices.Contains(row.actors, a.kind):
						want = commerce.CodeNotAllowed
					case !slices.Contains(row.statuses, s):
						want = commerce.CodeQuoteState
					case action == "claim" && assignee != "":
						want = commerce.CodeQuoteState
					}
					err := commerce.CheckQuoteAction(action, s, p, a.actor)
					if want == "" {
						require.NoError(t, err, where)
					} else {
						r, ok := commerce.AsRejection(err)
						require.True(t, ok, "%s: want a rejection, got %v", where, err)
						require.Equal(t, want, r.Code, where)
					}
					checked++
				}
			}
		}
	}
	require.Equal(t, 2*18*16*11, checked)
}

func TestCheckQuoteActionMessages(t *testing.T) {
	t.Parallel()
	p := commerce.QuoteParties{CompanyID: "acme", RequesterID: "alice", AssigneeID: "rep-1"}
	alice := commerce.QuoteActor{ID: "alice", Role: commerce.RoleBuyer, CompanyID: "acme"}
	bob := commerce.QuoteActor{ID: "bob", Role: commerce.RoleBuyer, CompanyID: "acme"}
	rep := commerce.QuoteActor{ID: "rep-1", Role: commerce.RoleSalesRep}
	mallory := commerce.QuoteActor{ID: "mallory", Role: commerce.RoleBuyer, CompanyID: "globex"}
	tests := []struct {
		name   string
		action commerce.QuoteAction
		status commerce.QuoteStatus
		p      commerce.QuoteParties
		actor  commerce.QuoteActor
		code   commerce.RejectionCode
		msg    string
	}{
		{name: "colleague accepts", action: commerce.QuoteAccept, status: commerce.QuoteOffered, p: p, actor: bob,
			code: commerce.CodeNotAllowed, msg: "only the buyer who requested the quote may accept it"},
		{name: "rep drafts an offered quote", action: commerce.QuoteDraft, status: commerce.QuoteOffered, p: p, actor: rep,
			code: commerce.CodeQuoteState, msg: "the quote is offered; it can be drafted only when requested, drafting, changes_requested or expired"},
		{name: "one status in the list", action: commerce.QuoteSend, status: commerce.QuoteOffered, p: p, actor: rep,
			code: commerce.CodeQuoteState, msg: "the quote is offered; a revision can be sent only when drafting"},
		{name: "two statuses in the list", action: commerce.QuoteRequestChanges, status: commerce.QuoteAccepted, p: p, actor: alice,
			code: commerce.CodeQuoteState, msg: "the quote is accepted; changes can be requested only when offered or expired"},
		{name: "a stranger learns nothing of the state", action: commerce.QuoteAccept, status: commerce.QuoteOrdered, p: p, actor: mallory,
			code: commerce.CodeNotAllowed, msg: "only the buyer who requested the quote may accept it"},
		{name: "claim of an assigned quote", action: commerce.QuoteClaim, status: commerce.QuoteRequested, p: p,
			actor: commerce.QuoteActor{ID: "rep-2", Role: commerce.RoleSalesRep},
			code:  commerce.CodeQuoteState, msg: "the quote already has a sales rep; a sales manager may reassign it"},
		{name: "another rep drafts", action: commerce.QuoteDraft, status: commerce.QuoteDrafting, p: p,
			actor: commerce.QuoteActor{ID: "rep-2", Role: commerce.RoleSalesRep},
			code:  commerce.CodeNotAllowed, msg: "only the quote's sales rep or a sales manager may draft a revision"},
		{name: "a buyer expires the offer", action: commerce.QuoteExpire, status: commerce.QuoteOffered, p: p, actor: alice,
			code: commerce.CodeNotAllowed, msg: "only the offer's validity timer may expire a quote"},
		{name: "unknown action", action: "haggle", status: commerce.QuoteOffered, p: p, actor: alice,
			code: commerce.CodeNotAllowed, msg: `"haggle" is not an action on a quote`},
		{name: "unknown status", action: commerce.QuoteAccept, status: "lost", p: p, actor: alice,
			code: commerce.CodeQuoteState, msg: "the quote is lost; it can be accepted only when offered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := requireRejection(t, commerce.CheckQuoteAction(tt.action, tt.status, tt.p, tt.actor), tt.code)
			require.Equal(t, tt.msg, r.Message)
		})
	}
}

func TestQuoteStatusAfter(t *testing.T) {
	t.Parallel()
	type move struct {
		action commerce.QuoteAction
		from   commerce.QuoteStatus
	}
	// Where each allowed action leads, from the spec; send depends on authority
	// and is checked separately below.
	want := map[move]commerce.QuoteStatus{
		{"draft", "requested"}:                   "drafting",
		{"draft", "drafting"}:                    "drafting",
		{"draft", "changes_requested"}:           "drafting",
		{"draft", "expired"}:                     "drafting",
		{"approve_discount", "awaiting_manager"}: "offered",
		{"reject_discount", "awaiting_manager"}:  "drafting",
		{"extend_validity", "offered"}:           "offered",
		{"extend_validity", "expired"}:           "offered",
		{"accept", "offered"}:                    "accepted",
		{"decline", "offered"}:                   "declined",
		{"request_changes", "offered"}:           "changes_requested",
		{"request_changes", "expired"}:           "changes_requested",
		{"retry_order", "accepted"}:              "accepted",
		{"expire", "offered"}:                    "expired",
		{"order_placed", "accepted"}:             "ordered",
	}
	for _, s := range specTable["withdraw"].statuses {
		want[move{"withdraw", s}] = "withdrawn"
	}
	for _, s := range specTable["cancel"].statuses {
		want[move{"cancel", s}] = "cancelled"
	}
	for _, action := range []commerce.QuoteAction{"claim", "assign", "message"} {
		for _, s := range specTable[action].statuses {
			want[move{action, s}] = s
		}
	}
	for _, action := range commerce.QuoteActions {
		for _, s := range allStatuses {
			for _, over := range []bool{false, true} {
				got := commerce.QuoteStatusAfter(action, s, over)
				expected, ok := want[move{action, s}]
				switch {
				case action == "send" && s == "drafting" && over:
					expected = "awaiting_manager"
				case action == "send" && s == "drafting":
					expected = "offered"
				case !ok:
					expected = s // not allowed in s: nothing moves
				}
				require.Equal(t, expected, got, "%s from %s (over authority %v)", action, s, over)
			}
		}
	}
	require.Equal(t, commerce.QuoteOffered, commerce.QuoteStatusAfter("haggle", commerce.QuoteOffered, false))
}

func TestQuoteStatusesAndActions(t *testing.T) {
	t.Parallel()
	require.Equal(t, allStatuses, commerce.QuoteStatuses)
	for _, s := range allStatuses {
		require.True(t, s.Valid(), s)
		final := s == "ordered" || s == "declined" || s == "withdrawn" || s == "cancelled"
		require.Equal(t, final, s.Final(), s)
		require.Equal(t, !final, slices.Contains(notFinal, s), s)
	}
	for _, s := range []commerce.QuoteStatus{"", "Offered", "open", "placed"} {
		require.False(t, s.Valid(), s)
		require.False(t, s.Final(), s)
	}
	seen := map[commerce.QuoteAction]bool{}
	for _, a := range commerce.QuoteActions {
		require.False(t, seen[a], "%s listed twice", a)
		seen[a] = true
	}
	require.Len(t, seen, 16)
}

func TestQuoteCodes(t *testing.T) {
	t.Parallel()
	require.Equal(t, commerce.RejectionCode("quote_state"), commerce.CodeQuoteState)
	require.Equal(t, commerce.RejectionCode("stale_revision"), commerce.CodeStaleRevision)
	require.Equal(t, commerce.RejectionCode("beyond_authority"), commerce.CodeBeyondAuthority)
	require.Equal(t, commerce.RejectionCode("no_draft"), commerce.CodeNoDraft)
}
