package erpsandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orderflow/orderflow/erpapi"
)

// WebhookTarget is where the sandbox sends its news: Orderflow's
// POST /v1/webhooks/{integration} URL and the integration's secret.
type WebhookTarget struct {
	URL    string
	Secret string
	// Client posts the webhooks (default: a client with a 15 s timeout).
	Client *http.Client
	// Poll is how often the outbox is read (default 200 ms).
	Poll time.Duration
}

// maxWebhookBackoff bounds the wait between two attempts at one event.
const maxWebhookBackoff = 30 * time.Second

// webhookBackoff is the wait after a failed attempt: 200 ms, doubling, at
// most maxWebhookBackoff.
func webhookBackoff(attempts int) time.Duration {
	d := 200 * time.Millisecond
	for range attempts {
		if d *= 2; d >= maxWebhookBackoff {
			return maxWebhookBackoff
		}
	}
	return d
}

// InjectedWebhookFaults counts the webhook faults the sandbox has dealt: events
// sent a second time (duplicate_rate), and events sent before an older one
// (reorder_window_ms).
func (s *Server) InjectedWebhookFaults() (duplicates, reordered int64) {
	return s.duplicates.Load(), s.reordered.Load()
}

// SendWebhooks posts the outbox's events to the target until ctx ends: each
// signed (erpapi.SignWebhook) at the time it is sent, retried with backoff
// until answered 2xx, under the webhook faults in force. A sandbox without
// a target keeps its news in the outbox.
func (s *Server) SendWebhooks(ctx context.Context, target WebhookTarget) error {
	if target.URL == "" || target.Secret == "" {
		return errors.New("erp sandbox webhooks: a URL and a secret are required")
	}
	if target.Client == nil {
		target.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if target.Poll <= 0 {
		target.Poll = 200 * time.Millisecond
	}
	tick := time.NewTicker(target.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		f := s.Faults()
		hold := time.Duration(f.ReorderWindowMS) * time.Millisecond
		events, err := s.store.ClaimDue(ctx, hold, 100)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("erp sandbox: read the webhook outbox", "err", err)
			}
			continue
		}
		if hold > 0 && len(events) > 1 {
			// Held for the window, sent newest first.
			slices.Reverse(events)
			s.reordered.Add(int64(len(events) - 1))
		}
		for _, e := range events {
			if ctx.Err() != nil {
				return nil
			}
			s.sendWebhook(ctx, target, e, f)
		}
	}
}

// sendWebhook makes one attempt at an event and records its outcome; a
// delivered event is sent again by the duplicate rate.
func (s *Server) sendWebhook(ctx context.Context, target WebhookTarget, e OutboxEvent, f Faults) {
	if err := post(ctx, target, e.Body); err != nil {
		retry := webhookBackoff(e.Attempts)
		s.log.Info("erp sandbox: webhook not delivered; retrying", "event_id", e.EventID, "attempts", e.Attempts+1,
			"retry_in", retry, "err", err)
		if err := s.store.MarkFailed(context.WithoutCancel(ctx), e.Seq, err.Error(), retry); err != nil {
			s.log.Warn("erp sandbox: record a failed webhook", "event_id", e.EventID, "err", err)
		}
		return
	}
	if err := s.store.MarkDelivered(context.WithoutCancel(ctx), e.Seq); err != nil {
		s.log.Warn("erp sandbox: record a delivered webhook", "event_id", e.EventID, "err", err)
	}
	if f.DuplicateRate > 0 && s.random() < f.DuplicateRate {
		s.duplicates.Add(1)
		if err := post(ctx, target, e.Body); err != nil {
			s.log.Info("erp sandbox: duplicate webhook not delivered", "event_id", e.EventID, "err", err)
		}
	}
}

// post sends one signed webhook; anything but a 2xx answer is an error.
func post(ctx context.Context, target WebhookTarget, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(erpapi.SignatureHeader, erpapi.SignWebhook(target.Secret, time.Now(), body))
	resp, err := target.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(answer)))
	}
	return nil
}
