package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/erpsandbox"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// seedDemoERPPrices has the sandbox ERP announce the demo's price changes
// (demo.ERPPriceChanges), at every start, and pulls them at once, so the
// hourly price schedule has a run to show in the Temporal UI without waiting
// for its first tick. The changes are recorded anew at every start because
// demo.Seed put the demo's prices back: each start ends at the same prices.
// A failed trigger is only logged; the schedule pulls them within the hour.
func seedDemoERPPrices(ctx context.Context, tc client.Client, pool *pgxpool.Pool, log *slog.Logger) error {
	store, err := erpsandbox.NewStore(ctx, pool)
	if err != nil {
		return err
	}
	for _, ch := range demo.ERPPriceChanges {
		if _, err := store.RecordPriceChange(ctx, ch); err != nil {
			return fmt.Errorf("price change %s %s: %w", ch.PriceList, ch.SKU, err)
		}
	}
	if err := erpsync.TriggerPricePull(ctx, tc); err != nil {
		log.Warn("demo ERP prices not pulled at start; the schedule pulls them within the hour", "err", err)
		return nil
	}
	log.Info("demo ERP price changes recorded in the sandbox and pulled", "changes", len(demo.ERPPriceChanges),
		"schedule", erpsync.PricePullScheduleID)
	return nil
}
