package testenv

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/activity"
)

// StatementCounter is a pgx.QueryTracer that counts the SQL statements a
// stack's pool sends to Postgres (every Exec, Query and QueryRow, BEGIN and
// COMMIT included: each is one round trip), by who sent it: the activity
// (workflow type / activity type, local or not) when the statement runs in
// one, else "api". Tests read it to bound the statements per API call and per
// checkout step, so that a change that adds round trips fails a test instead
// of slowing the bench.
type StatementCounter struct {
	mu     sync.Mutex
	counts map[string]int // "who · statement" → count
}

// NewStatementCounter returns an empty counter.
func NewStatementCounter() *StatementCounter {
	return &StatementCounter{counts: map[string]int{}}
}

var _ pgx.QueryTracer = (*StatementCounter)(nil)

// TraceQueryStart counts the statement.
func (s *StatementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	who := "api"
	if sender, ok := ctx.Value(senderKey{}).(string); ok {
		who = sender
	} else if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		who = info.WorkflowType.Name + "/" + info.ActivityType.Name
	}
	s.mu.Lock()
	s.counts[who+" · "+statementName(data.SQL)]++
	s.mu.Unlock()
	return ctx
}

// senderKey names, in a context, who sends the statements made with it, for
// statements that are neither an activity's nor the API's (the stack's ERP
// sandbox shares its database).
type senderKey struct{}

// asSender serves h with its requests' statements counted as sender's.
func asSender(sender string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), senderKey{}, sender)))
	})
}

// TraceQueryEnd does nothing.
func (s *StatementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Take returns the statements counted since the last Take and starts again.
func (s *StatementCounter) Take() Statements {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Statements(s.counts)
	s.counts = map[string]int{}
	return out
}

// Statements are counts by "who · statement".
type Statements map[string]int

// Total is the number of statements.
func (st Statements) Total() int {
	n := 0
	for _, c := range st {
		n += c
	}
	return n
}

// By is the number of statements whose sender starts with prefix ("api",
// "Checkout/", "Checkout/BeginCheckout").
func (st Statements) By(prefix string) int {
	n := 0
	for k, c := range st {
		if strings.HasPrefix(k, prefix) {
			n += c
		}
	}
	return n
}

// String lists the statements, one a line, sorted.
func (st Statements) String() string {
	keys := make([]string, 0, len(st))
	for k := range st {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %3d  %s\n", st[k], k)
	}
	fmt.Fprintf(&b, "  %3d  in all", st.Total())
	return b.String()
}

// statementName is a statement's sqlc name ("-- name: CartGet :one"), else its
// first words.
func statementName(sql string) string {
	sql = strings.TrimSpace(sql)
	if rest, ok := strings.CutPrefix(sql, "-- name: "); ok {
		if name, _, ok := strings.Cut(rest, " "); ok {
			return name
		}
	}
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > 60 {
		sql = sql[:60] + "…"
	}
	return sql
}
