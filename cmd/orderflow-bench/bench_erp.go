package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// benchERP drives the order's push to the ERP: a unit places an order through
// the API (timed as the checkout) and waits until the order shows the ERP's
// number (timed as the whole unit, from the 201: placed order to ERP ack). The
// ERP is the stack's sandbox, whose faults the bench sets for each run.
type benchERP struct {
	shop  *benchShop
	erp   string // the sandbox's base URL
	token string
}

// setFaults sets the sandbox's error rate (and nothing else).
func (b *benchERP) setFaults(ctx context.Context, errorRate float64) error {
	body := fmt.Sprintf(`{"error_rate": %g}`, errorRate)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, b.erp+"/admin/faults", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := b.shop.http.Do(req)
	if err != nil {
		return fmt.Errorf("ERP sandbox at %s: %w (is ERP_URL the stack's sandbox?)", b.erp, err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ERP sandbox faults: %d %s", resp.StatusCode, clip(answer))
	}
	return nil
}

// unit places one order and waits for its ERP number.
func (b *benchERP) unit(ctx context.Context) benchSample {
	path, failure := b.shop.buildCart(ctx)
	if failure != "" {
		return benchSample{failure: failure}
	}
	began := time.Now()
	resp, err := b.shop.do(ctx, http.MethodPost, path+"/checkout", "", "bench-"+strings.TrimPrefix(path, "/v1/carts/"))
	checkout := time.Since(began)
	if failed, why := unexpected("checkout", resp, err, http.StatusCreated); failed {
		return benchSample{checkout: checkout, failure: why}
	}
	var order struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp.body, &order); err != nil || order.ID == "" {
		return benchSample{checkout: checkout, failure: "checkout: no order ID"}
	}
	start := time.Now()
	for ctx.Err() == nil {
		r, err := b.shop.do(ctx, http.MethodGet, "/v1/orders/"+order.ID, "", "")
		if err == nil && r.status == http.StatusOK && bytes.Contains(r.body, []byte(`"erp_number":"`)) {
			return benchSample{ok: true, checkout: checkout, order: time.Since(start)}
		}
		if time.Since(start) > 5*time.Minute {
			return benchSample{checkout: checkout, failure: "the order never showed its ERP number"}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return benchSample{failure: ctx.Err().Error()}
}

// printERPRow prints one run of the ERP path.
func printERPRow(w io.Writer, c int, errorRate float64, r benchRun) {
	fmt.Fprintf(w, "  erp C=%-3d failures %3.0f%%: %.1f orders/s placed and in the ERP; placed → ERP number p50 %s ms p99 %s ms; errors %d/%d\n",
		c, errorRate*100, r.rate(), ms(r.percentile(r.order, 50)), ms(r.percentile(r.order, 99)), r.failed, r.n)
	r.printErrors(w, "erp")
}
