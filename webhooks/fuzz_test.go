package webhooks_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orderflow/orderflow/testenv/textcheck"
	"github.com/orderflow/orderflow/webhooks"
)

// Webhook bodies and signature headers, fuzzed (go test -fuzz; make fuzz).

// ParseEvent takes only one JSON object, and an event it takes, and the data
// of its type read from it, hold only text Postgres can store. Nothing
// panics.
func FuzzParseEvent(f *testing.F) {
	order := "3f0c8a2e-5b1d-4c6e-9a7f-1e2d3c4b5a61"
	for _, b := range []string{
		`{"id":"evt_1","type":"shipment.created","created":1700000000,"data":{"order_id":"` + order + `","shipment_ref":"WH-1","lines":[{"sku":"GLV-100","quantity":2}],"carrier":"DHL","tracking_number":"JD0001"}}`,
		`{"id":"evt_2","type":"shipment.delivered","created":1700000000,"data":{"order_id":"` + order + `","shipment_ref":"WH-1","delivered_at":"2026-01-02T03:04:05Z"}}`,
		`{"id":"evt_3","type":"return.received","created":1700000000,"data":{"order_id":"` + order + `","return_id":"` + order + `","lines":[{"sku":"GLV-100","quantity":1,"restock":true}]}}`,
		`{"id":"evt_4","type":"erp.order.paid","created":1700000000,"data":{"order_id":"` + order + `","erp_number":"SO-1","amount":{"amount":100,"currency":"EUR"},"reference":"PAY-1"}}`,
		`{"id":"evt_5","type":"erp.order.shipped","created":1700000000,"data":{"order_id":"` + order + `","shipment_ref":"S","lines":[{"sku":"A","quantity":1}]}}`,
		`{"id":"evt_6","type":"erp.order.acknowledged","created":1700000000,"data":{"order_id":"` + order + `","erp_number":"SO-1"}}`,
		`{"id":"evt_6","type":"erp.order.acknowledged","created":1700000000,"data":{"order_id":"` + order + `","erp_number":"SO-1"}}}`,
		`{"id":"A\u0000","type":"shipment.created","created":1,"data":{}}`,
		"{\"id\":\"A\xff\",\"type\":\"shipment.created\",\"created\":1,\"data\":{}}",
		`{"id":"e","type":"shipment.created","created":9223372036854775807,"data":{"order_id":"` + order + `","carrier":"\u0000"}}`,
		`[]`, `null`, ``, `{"id":1}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := webhooks.ParseEvent(body)
		if err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("took a body that is not one JSON value: %q", body)
		}
		if s, bad := textcheck.Unstorable(reflect.ValueOf(e.ID)); bad {
			t.Fatalf("took event ID %q", s)
		}
		var data any
		switch e.Type {
		case webhooks.ShipmentCreated, webhooks.ErpOrderShipped:
			data, err = e.ShipmentCreated()
		case webhooks.ShipmentDelivered:
			data, err = e.ShipmentDelivered()
		case webhooks.ReturnReceived:
			data, err = e.ReturnReceived()
		default:
			data, err = e.ErpNews()
		}
		if err != nil {
			t.Fatalf("ParseEvent checked the data, yet %s's data says: %v", e.Type, err)
		}
		if s, bad := textcheck.Unstorable(reflect.ValueOf(data)); bad {
			t.Fatalf("%s's data holds text Postgres cannot store: %q", e.Type, s)
		}
	})
}

// A signature Sign makes verifies, under any secret and body; one made with
// another secret or over another body does not; no header panics Verify, and
// one it takes carries the body's HMAC.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	good := webhooks.Sign("whsec_a", now, []byte(`{"a":1}`))
	for _, h := range []string{good, "", "t=1", "v1=00", "t=1700000000,v1=zz", "t=-1,v1=" + strings.Repeat("0", 64),
		good + ",v0=1,v2=x", "t=1700000000," + strings.Repeat("v1="+strings.Repeat("ab", 32)+",", 9), "t=1700000000,t=1700000000",
		" t = 1700000000 , v1 = 00 ", "t=99999999999999999999,v1=" + strings.Repeat("0", 64), ",,,"} {
		f.Add(h, []byte(`{"a":1}`), "whsec_a", int64(0))
	}
	f.Fuzz(func(t *testing.T, header string, body []byte, secret string, skew int64) {
		err := webhooks.Verify(header, body, now, 5*time.Minute, secret)
		if err == nil && !strings.Contains(header, webhooks.Sign(secret, parseTime(header), body)[len("t=1700000000,"):]) {
			t.Fatalf("took %q, which holds no HMAC of the body", header)
		}
		at := now.Add(time.Duration(skew%300) * time.Second)
		signed := webhooks.Sign(secret, at, body)
		if err := webhooks.Verify(signed, body, now, 5*time.Minute, secret); err != nil {
			t.Fatalf("refused its own signature %q: %v", signed, err)
		}
		if webhooks.Verify(signed, body, now, 5*time.Minute, secret+"x") == nil {
			t.Fatalf("took a signature under another secret")
		}
		if webhooks.Verify(signed, append(append([]byte(nil), body...), ' '), now, 5*time.Minute, secret) == nil {
			t.Fatalf("took a signature over another body")
		}
	})
}

// parseTime is the t= of a header Verify took (within tolerance of now, so
// its decimal has as many digits as now's).
func parseTime(header string) time.Time {
	for part := range strings.SplitSeq(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			var n int64
			for _, c := range v {
				n = n*10 + int64(c-'0')
			}
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}
