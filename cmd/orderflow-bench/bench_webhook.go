package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/webhooks"
)

// benchWebhooks drives the warehouse's side of the order lifecycle: signed
// shipment.created webhooks from the demo warehouse, each shipping a whole
// order placed beforehand (untimed). A unit is one webhook: its time is from
// sending it to the 202 (the API has recorded the event and the order's
// workflow has recorded the shipment, its stock movement and its invoice),
// then until the order reads shipped in the API's projection.
type benchWebhooks struct {
	shop   *benchShop
	orders chan placedOrder
}

type placedOrder struct {
	id   string
	skus []string
}

// prepare places n orders, c at a time, for the webhooks to ship.
func (b *benchWebhooks) prepare(ctx context.Context, c, n int) {
	b.orders = make(chan placedOrder, n)
	drive(ctx, c, n, func(ctx context.Context) benchSample {
		path, failure := b.shop.buildCart(ctx)
		if failure != "" {
			return benchSample{failure: failure}
		}
		resp, err := b.shop.do(ctx, http.MethodPost, path+"/checkout", "", "")
		if failed, why := unexpected("checkout", resp, err, http.StatusCreated); failed {
			return benchSample{failure: why}
		}
		var order struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(resp.body, &order); err != nil || order.ID == "" {
			return benchSample{failure: "checkout: no order ID"}
		}
		b.orders <- placedOrder{id: order.ID, skus: demo.BenchSKUs[:b.shop.lines]}
		return benchSample{ok: true}
	})
	close(b.orders)
}

// unit sends one signed shipment webhook and waits for the projection.
func (b *benchWebhooks) unit(ctx context.Context) benchSample {
	o, ok := <-b.orders
	if !ok {
		return benchSample{failure: "no order was placed for this webhook"}
	}
	lines := make([]map[string]any, len(o.skus))
	for i, sku := range o.skus {
		lines[i] = map[string]any{"sku": sku, "quantity": 1}
	}
	now := time.Now().UTC()
	body, err := json.Marshal(map[string]any{"id": "bench-" + uuid.NewString(), "type": "shipment.created", "created": now.Unix(),
		"data": map[string]any{"order_id": o.id, "shipment_ref": "bench-" + o.id, "lines": lines,
			"carrier": "DHL", "tracking_number": "BENCH" + o.id[:8]}})
	if err != nil {
		return benchSample{failure: err.Error()}
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.shop.api+"/v1/webhooks/"+demo.Warehouse.Name, bytes.NewReader(body))
	if err != nil {
		return benchSample{failure: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhooks.SignatureHeader, webhooks.Sign(demo.Warehouse.Secret, now, body))
	resp, err := b.shop.http.Do(req)
	if err != nil {
		return benchSample{failure: "webhook: " + err.Error()}
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	accepted := time.Since(start)
	if resp.StatusCode != http.StatusAccepted {
		return benchSample{checkout: accepted, failure: fmt.Sprintf("webhook: %d %s", resp.StatusCode, clip(answer))}
	}
	var receipt struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(answer, &receipt) != nil || receipt.Status != "delivered" {
		return benchSample{checkout: accepted, failure: "webhook: not delivered: " + clip(answer)}
	}
	for ctx.Err() == nil {
		r, err := b.shop.do(ctx, http.MethodGet, "/v1/orders/"+o.id, "", "")
		if err == nil && r.status == http.StatusOK && bytes.Contains(r.body, []byte(`"status":"shipped"`)) {
			return benchSample{ok: true, checkout: accepted, order: time.Since(start)}
		}
		if time.Since(start) > time.Minute {
			return benchSample{checkout: accepted, failure: "the order never read shipped"}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return benchSample{failure: ctx.Err().Error()}
}

// printWebhookRow prints one concurrency level of the webhook path.
func printWebhookRow(w io.Writer, c int, r benchRun) {
	fmt.Fprintf(w, "  webhooks C=%-3d %.1f events/s accepted and applied; 202 p50 %s ms p99 %s ms; to projection p50 %s ms p99 %s ms; errors %d/%d\n",
		c, r.rate(), ms(r.percentile(r.checkout, 50)), ms(r.percentile(r.checkout, 99)),
		ms(r.percentile(r.order, 50)), ms(r.percentile(r.order, 99)), r.failed, r.n)
	r.printErrors(w, "webhooks")
}
