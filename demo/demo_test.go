package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/apitoken"
	"github.com/orderflow/orderflow/config"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/demo"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/webhooks"
)

// make run seeds at every start: seeding again must duplicate nothing, keep
// what orders reserved, and put back the demo rows a session changed.
func TestSeedIsIdempotentAndRestores(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	ctx := context.Background()
	q := db.New(pool)
	secrets, err := webhooks.NewSecretBox(config.DevWebhookKey())
	require.NoError(t, err)
	require.NoError(t, demo.Seed(ctx, pool, secrets))

	counts := func() map[string]int {
		out := map[string]int{}
		for _, table := range []string{"companies", "customers", "staff", "api_tokens", "products", "product_prices",
			"stock", "tax_rates", "shipping_methods", "price_lists", "price_list_tiers", "approval_rules", "spending_limits",
			"integrations", "quantity_rules", "company_quantity_rules", "stock_locations", "company_addresses", "requisition_lists",
			"requisition_list_lines"} {
			var n int
			require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
			require.NotZero(t, n, table)
			out[table] = n
		}
		return out
	}
	seeded := counts()

	// A demo session: a renamed company, a changed role, a price, a reservation.
	for _, stmt := range []string{
		`UPDATE companies SET name = 'Renamed' WHERE id = '` + demo.AcmeID.String() + `'`,
		`UPDATE customers SET role = 'company_admin' WHERE id = '` + demo.Buyers[0].ID.String() + `'`,
		`UPDATE price_list_tiers SET unit_price = 1 WHERE sku = 'NUT-M8'`,
		`UPDATE stock SET reserved = on_hand WHERE sku = 'LADDER-AL-6'`,
		`UPDATE quantity_rules SET min_quantity = 1, increment = 1 WHERE sku = 'GLOVE-NIT-L'`,
		`UPDATE company_addresses SET default_ship_to = false WHERE id = '` + demo.AcmeGoodsIn.String() + `'`,
		`UPDATE company_addresses SET default_ship_to = true WHERE id = '0c0a1e00-0000-4000-8000-00000000ad03'`,
		`UPDATE requisition_list_lines SET quantity = 99 WHERE list_id = '` + demo.AcmeWorkshopList.String() + `'`,
		`UPDATE companies SET on_behalf_checkout = false WHERE id = '` + demo.AcmeID.String() + `'`,
	} {
		_, err := pool.Exec(ctx, stmt)
		require.NoError(t, err, stmt)
	}

	require.NoError(t, demo.Seed(ctx, pool, secrets))
	require.Equal(t, seeded, counts())
	acme, err := q.CompanyGet(ctx, demo.AcmeID)
	require.NoError(t, err)
	require.Equal(t, "Acme Industrial", acme.Name)
	require.Equal(t, "trade", acme.CustomerGroup)
	require.True(t, acme.OnBehalfCheckout, "Sam may check out for Acme's buyers")
	stock, err := q.StockGet(ctx, "LADDER-AL-6")
	require.NoError(t, err)
	require.EqualValues(t, 3, stock.Reserved, "reservations survive a restart")
	require.EqualValues(t, 3, stock.OnHand, "LADDER-AL-6: 2 at the default location, 1 at Lyon")
	var lyon int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT on_hand FROM stock WHERE sku = 'LADDER-AL-6' AND location_id = $1`,
		demo.LyonLocationID).Scan(&lyon))
	require.EqualValues(t, 1, lyon)
	var nut int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT unit_price FROM price_list_tiers WHERE sku = 'NUT-M8'`).Scan(&nut))
	require.EqualValues(t, 720, nut)
	glove, err := q.QuantityRuleGet(ctx, "GLOVE-NIT-L")
	require.NoError(t, err)
	require.EqualValues(t, 10, glove.Increment, "the demo's quantity rule is put back")
	bolts, err := q.QuantityRuleGetForCompany(ctx, db.QuantityRuleGetForCompanyParams{CompanyID: demo.GlobexID, Sku: "BOLT-M8-50"})
	require.NoError(t, err)
	require.EqualValues(t, 10, bolts.Increment)

	goodsIn, err := q.CompanyAddressGetInCompany(ctx, db.CompanyAddressGetInCompanyParams{ID: demo.AcmeGoodsIn, CompanyID: demo.AcmeID})
	require.NoError(t, err)
	require.True(t, goodsIn.DefaultShipTo, "Acme's default ship-to is back")
	var defaults, big int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE default_ship_to) FROM company_addresses WHERE company_id = $1`,
		demo.AcmeID).Scan(&defaults))
	require.Equal(t, 1, defaults)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM requisition_list_lines WHERE quantity = 99`).Scan(&big))
	require.Zero(t, big, "the requisition list's lines are back")

	for _, p := range append(append([]demo.Principal(nil), demo.Buyers...), demo.Staff...) {
		got, err := q.PrincipalGetByTokenHash(ctx, apitoken.Hash(p.Token))
		require.NoError(t, err, p.Name)
		require.Equal(t, p.ID, got.PrincipalID, p.Name)
		require.Equal(t, p.Role, got.Role, p.Name)
		require.Equal(t, p.Name, got.Name)
	}
}

// The demo warehouse's public secret opens from the database with the key it
// was sealed with, also after a demo session rotated it.
func TestSeedRestoresTheDemoWarehouseSecret(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t)
	ctx := context.Background()
	q := db.New(pool)
	secrets, err := webhooks.NewSecretBox(config.DevWebhookKey())
	require.NoError(t, err)
	require.NoError(t, demo.Seed(ctx, pool, secrets))

	ct, nonce := secrets.Seal(demo.Warehouse.ID, webhooks.NewSecret())
	_, err = q.IntegrationRotateSecret(ctx, db.IntegrationRotateSecretParams{ID: demo.Warehouse.ID,
		SecretCiphertext: ct, SecretNonce: nonce, PreviousExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	require.NoError(t, demo.Seed(ctx, pool, secrets))

	in, err := q.IntegrationGetByName(ctx, "demo-warehouse")
	require.NoError(t, err)
	require.Equal(t, demo.Warehouse.ID, in.ID)
	require.True(t, in.Active)
	require.Nil(t, in.PreviousSecretExpiresAt)
	secret, err := secrets.Open(in.ID, in.SecretCiphertext, in.SecretNonce)
	require.NoError(t, err)
	require.Equal(t, demo.Warehouse.Secret, secret)
}
