package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/testenv/textcheck"
)

// The request decoders one by one, without a database (fast, so the fuzzer
// goes deep); FuzzRoutes runs them inside the whole API. go test runs the
// seeds; make fuzz runs each target for a while.

// requestTypes is every JSON body the buyer-facing API decodes (the admin
// area's are FuzzRoutes').
var requestTypes = []any{
	decisionRequest{}, cartDetailsRequest{}, createCartRequest{}, addLineRequest{}, setLineRequest{},
	startReconciliationRequest{}, cancelOrderRequest{}, recordShipmentRequest{}, recordDeliveryRequest{},
	requestReturnRequest{}, returnDecisionRequest{}, receiveReturnRequest{}, recordPaymentRequest{},
	bulkLinesRequest{}, createQuoteRequest{}, quoteMessageRequest{}, acceptQuoteRequest{}, reasonRequest{},
	changesRequest{}, assignQuoteRequest{}, draftRequest{}, extendValidityRequest{}, commentRequest{},
}

// fuzzContext is a gin context of a POST with body.
func fuzzContext(body []byte, contentType, query string) *gin.Context {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPost, "/fuzz", bytes.NewReader(body))
	c.Request.URL.RawQuery = query // as the server takes it from the request line, whatever it is
	if contentType != "" {
		c.Request.Header.Set("Content-Type", contentType)
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxRequestBody)
	return c
}

// requireClientError fails unless err is nil or a 4xx this API answers for
// bad input.
func requireClientError(t *testing.T, err error, input any) {
	t.Helper()
	if err == nil {
		return
	}
	var he *HTTPError
	if !errors.As(err, &he) || !slices.Contains([]int{400, 413, 422}, he.Status) {
		t.Fatalf("%q: want a 400, 413 or 422, got %v", input, err)
	}
}

// BindJSON takes exactly one JSON value, and what it fills in holds only
// text Postgres can store; anything else is a 400 or 422, never a panic.
func FuzzBindJSON(f *testing.F) {
	for i, b := range []string{`{"comment":"ok"}`, `{"comment":"ok"}}`, `{"comment":"A\u0000B"}`, "{\"comment\":\"A\xffB\"}",
		`{"lines":[{"sku":"A","quantity":1,"discount_bp":100}],"valid_days":14,"note":"n"}`, `{"quantity":1e400}`,
		`{"quantity":"1"}`, `{"ship_to":{"name":"A","country":"FR"}}`, `[]`, `null`, ``, ` `, `{"a":[[[[[[]]]]]]}`,
		`{"revision":-9223372036854775808}`, `{"amount":{"amount":1,"currency":"EUR"},"paid_at":"2026-01-01T00:00:00Z"}`,
		`{"from":"2026-01-01","to":"2026-01-31"}`, `{"lines":[{"sku":"A","quantity":1,"restock":true}]}`} {
		f.Add([]byte(b), uint8(i), i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8, optional bool) {
		typ := reflect.TypeOf(requestTypes[int(which)%len(requestTypes)])
		dst := reflect.New(typ)
		err := BindJSON(fuzzContext(body, "application/json", ""), dst.Interface(), optional)
		requireClientError(t, err, body)
		if err != nil {
			return
		}
		if len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
			t.Fatalf("took a body that is not one JSON value: %q", body)
		}
		if s, bad := textcheck.Unstorable(dst); bad {
			t.Fatalf("%s took text Postgres cannot store: %q", typ, s)
		}
	})
}

// The quick order's CSV: every line it returns holds storable text and at
// most maxBulkLines lines; a bad file is a 400 or 422 naming the line.
func FuzzQuickOrderCSV(f *testing.F) {
	for _, b := range []string{"sku,quantity\nBOLT-M8-50,3\nNUT-M8,10\n", "BOLT,1", "BOLT,x", "BOLT", "BOLT,1,extra",
		"\"BOLT\",\"1\"\n", "\"unterminated,1", "A\x00,1", "A\xff,1", "sku,quantity\n", "", "\n\n", " BOLT , 2 ",
		"BOLT,99999999999999999999", "BOLT,-1", strings.Repeat("A,1\n", maxBulkLines+1)} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, err := readBulkLines(fuzzContext(body, "text/csv; charset=utf-8", ""))
		requireClientError(t, err, body)
		if err != nil {
			return
		}
		if len(lines) == 0 || len(lines) > maxBulkLines {
			t.Fatalf("%q: %d lines", body, len(lines))
		}
		for _, l := range lines {
			if checkText("sku", l.SKU) != nil {
				t.Fatalf("%q: took SKU %q", body, l.SKU)
			}
		}
	})
}

// Paging: ?limit= is 1..100 or a 422 naming limit; ?cursor= decodes only
// what encodeOrderCursor made, and a cursor decoded encodes back to itself
// in meaning (the same instant and ID).
func FuzzKeysetPage(f *testing.F) {
	at := time.Date(2026, 11, 29, 20, 5, 36, 123456789, time.UTC)
	for _, q := range []string{"", "limit=1", "limit=100", "limit=0", "limit=101", "limit=-1", "limit=1e2", "limit=%00",
		"cursor=" + encodeOrderCursor(at, uuid.MustParse("3f0c8a2e-5b1d-4c6e-9a7f-1e2d3c4b5a61")), "cursor=", "cursor=!!",
		"cursor=MjAyNi0wMS0wMVQwMDowMDowMFp8eA", "limit=5&limit=7&cursor=a&cursor=b"} {
		f.Add(q, int64(at.UnixNano()), uint64(7))
	}
	f.Fuzz(func(t *testing.T, query string, nanos int64, idSeed uint64) {
		c := fuzzContext(nil, "", query)
		p, err := ReadKeysetPage(c)
		requireClientError(t, err, query)
		if err == nil && (p.Limit < 1 || p.Limit > maxPageSize) {
			t.Fatalf("%q: limit %d", query, p.Limit)
		}
		if err == nil && c.Query("cursor") != "" {
			again, id, err := decodeOrderCursor(encodeOrderCursor(p.AfterAt, p.AfterID))
			if err != nil || !again.Equal(p.AfterAt) || id != p.AfterID {
				t.Fatalf("%q: cursor (%v, %s) does not round-trip: (%v, %s), %v", query, p.AfterAt, p.AfterID, again, id, err)
			}
		}
		// What the API gives out, it takes back.
		var id uuid.UUID
		for i := range 8 {
			id[i] = byte(idSeed >> (8 * i))
		}
		when := time.Unix(0, nanos).UTC()
		gotAt, gotID, err := decodeOrderCursor(encodeOrderCursor(when, id))
		if err != nil || !gotAt.Equal(when) || gotID != id {
			t.Fatalf("cursor of (%v, %s) reads (%v, %s), %v", when, id, gotAt, gotID, err)
		}
	})
}

// The idempotency fingerprint's canonical body: the same JSON written with
// its keys in another order and other space is the same; canonical is
// canonical of itself; a body that is not one JSON value stays as it is.
func FuzzCanonicalBody(f *testing.F) {
	for _, b := range []string{`{"b":[1,{"y":2,"x":1}],"a":"s"}`, `{"n":1.0}`, `{"n":1}`, `{"a":1}}`, "sku,qty\nA,1\n",
		`{"a":"<&>"}`, "{\"a\":\"\xff\"}", `{"a":1,"a":2}`, `[]`, `"x"`, `1e400`, ``, `{"":{"":[null,true,false]}}`} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		canonical := canonicalBody(body)
		if !bytes.Equal(canonicalBody(canonical), canonical) {
			t.Fatalf("%q: canonical %q is not canonical of itself: %q", body, canonical, canonicalBody(canonical))
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil || dec.More() || !json.Valid(body) {
			return
		}
		var other bytes.Buffer
		writeReordered(&other, v)
		if got := canonicalBody(other.Bytes()); !bytes.Equal(got, canonical) {
			t.Fatalf("%q and %q are the same JSON, yet canonical %q and %q", body, other.Bytes(), canonical, got)
		}
	})
}

// writeReordered writes v as JSON with object keys in reverse order and
// space everywhere it may go.
func writeReordered(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(keys)))
		b.WriteString("{ ")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(" ,\n ")
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteString(" : ")
			writeReordered(b, v[k])
		}
		b.WriteString(" }")
	case []any:
		b.WriteString("[ ")
		for i, e := range v {
			if i > 0 {
				b.WriteString(" , ")
			}
			writeReordered(b, e)
		}
		b.WriteString(" ]")
	default:
		vb, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("re-encode %v: %v", v, err))
		}
		b.Write(vb)
	}
}
