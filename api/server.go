// Package api is Orderflow's HTTP API (Gin). Handlers are thin: they bind and
// validate input, authorize the caller, then start or steer a workflow, or read a
// Postgres projection through the sqlc queries. Generated database structs never
// reach JSON: responses are this package's own types.
//
// The package holds the routing, authentication, idempotency, error answers and
// paging every route shares, and one file per buyer-facing resource area. Ops
// administration is in api/admin, an Area the wiring adds to Handler: it
// imports api for those shared pieces, so api cannot import it.
package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/telemetry"
	"github.com/orderflow/orderflow/webhooks"
)

// Options tune the API.
type Options struct {
	// CheckoutSyncWait is how long POST /checkout waits for the order before
	// answering 202 with a status URL.
	CheckoutSyncWait time.Duration
	// WebhookSecrets seals and opens integrations' webhook secrets
	// (WEBHOOK_SECRET_KEY). Without it the webhook routes answer 503.
	WebhookSecrets *webhooks.SecretBox
	// WebhookDeliverer hands webhook events to their workflows. Without one
	// every event is recorded unmatched, for ops.
	WebhookDeliverer WebhookDeliverer
	// TemporalUI is the Temporal Web UI's address of the namespace
	// (http://host:8233/namespaces/default), where the sales desk (package
	// desk, served beside the API) links every quote, checkout and order to
	// its workflow. Empty: no links.
	TemporalUI string
	// Metrics is the process's registry: the API records its requests there
	// and serves the whole registry at /metrics. Without one the API makes
	// its own.
	Metrics *telemetry.Metrics
	// IdempotencyLease is how long a request's claim on its Idempotency-Key
	// lasts unless renewed (every third of it, while the request runs); a
	// key whose request died is free again after it. Zero: 15 s. Tests
	// shorten it.
	IdempotencyLease time.Duration
}

// Server serves the API.
type Server struct {
	pool     *pgxpool.Pool
	q        *db.Queries
	temporal client.Client
	log      *slog.Logger
	opts     Options
	// principals caches token lookups (see principalCache).
	principals principalCache
}

// NewServer wires a Server.
func NewServer(pool *pgxpool.Pool, temporal client.Client, log *slog.Logger, opts Options) *Server {
	if opts.Metrics == nil {
		opts.Metrics = telemetry.NewMetrics()
	}
	return &Server{pool: pool, q: db.New(pool), temporal: temporal, log: log, opts: opts}
}

// Pool is the database the server reads and writes, for route areas in other
// packages.
func (s *Server) Pool() *pgxpool.Pool { return s.pool }

// WebhookSecrets seals and opens integrations' webhook secrets, for the admin
// area; nil when the server has no WEBHOOK_SECRET_KEY.
func (s *Server) WebhookSecrets() *webhooks.SecretBox { return s.opts.WebhookSecrets }

// Area adds a group of routes to the authenticated /v1 group, using s for the
// database and the shared middleware (Allow, Idempotent). Ops administration
// (api/admin) is one. Areas live in packages of their own that import api, so
// the wiring hands them to Handler.
type Area func(v1 gin.IRouter, s *Server)

// Handler returns the HTTP handler with every route: the buyer-facing ones and
// those of areas.
func (s *Server) Handler(areas ...Area) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.ContextWithFallback = true
	r.HandleMethodNotAllowed = true
	r.Use(withRequestID, s.observeRequests, gin.CustomRecovery(func(c *gin.Context, v any) {
		s.log.ErrorContext(c.Request.Context(), "panic in handler", "request_id", requestID(c), "panic", v)
		RespondError(c, newError(http.StatusInternalServerError, "internal", "internal error (request "+requestID(c)+")"))
	}), limitInput)
	r.NoRoute(func(c *gin.Context) { RespondError(c, ErrNotFound) })
	r.NoMethod(func(c *gin.Context) {
		RespondError(c, newError(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed on this path"))
	})
	s.Routes(r, areas...)
	return r
}

// Routes lists the buyer-facing API surface, then adds areas to the /v1 group.
// Every /v1 route needs a bearer token, but for webhooks, which their signature
// authenticates (and their event ID deduplicates); mutating ones accept an
// Idempotency-Key.
func (s *Server) Routes(r gin.IRouter, areas ...Area) {
	r.GET("/healthz", s.health)
	r.GET("/readyz", s.readiness)
	r.GET("/metrics", gin.WrapH(s.opts.Metrics.Handler()))
	r.GET("/openapi.yaml", serveOpenAPI)
	r.POST("/v1/webhooks/:integration", s.receiveWebhook)

	v1 := r.Group("/v1", s.withDeadline, s.authenticate)
	v1.GET("/products", Allow(companyRoles...), s.listProducts)
	v1.GET("/catalog/products", Allow(companyRoles...), s.listCatalogProducts)
	v1.GET("/catalog/products/:product", Allow(companyRoles...), s.getCatalogProduct)

	buy := Allow(companyRoles...)
	read := Allow(append(companyRoles, commerce.RoleOps)...)
	v1.POST("/carts", buy, s.Idempotent, s.createCart)
	v1.GET("/carts/:cart_id", read, s.getCart)
	v1.POST("/carts/:cart_id/lines", buy, s.Idempotent, s.addLine)
	v1.PUT("/carts/:cart_id/lines/:sku", buy, s.Idempotent, s.setLine)
	v1.DELETE("/carts/:cart_id/lines/:sku", buy, s.Idempotent, s.removeLine)
	v1.POST("/carts/:cart_id/checkout", buy, s.idempotentRefreshed(s.refreshCheckout), s.checkout)
	v1.GET("/carts/:cart_id/checkout", read, s.checkoutStatus)

	v1.POST("/carts/:cart_id/checkout/withdraw", buy, s.Idempotent, s.withdrawCheckout)
	v1.PATCH("/carts/:cart_id", buy, s.Idempotent, s.setCartDetails)
	v1.POST("/carts/:cart_id/lines/bulk", buy, s.Idempotent, s.addLines)
	v1.GET("/shipping-methods", buy, s.listShippingMethods)

	v1.GET("/orders", buy, s.listOrders)
	v1.GET("/orders/:order_id", read, s.getOrder)
	v1.POST("/orders/:order_id/cancel", read, s.Idempotent, s.cancelOrder)
	v1.POST("/orders/:order_id/returns", read, s.Idempotent, s.requestReturn)
	v1.POST("/orders/:order_id/reorder", buy, s.Idempotent, s.reorder)

	// The company's address book: every employee reads it, its admins change it.
	manageBook := Allow(commerce.RoleCompanyAdmin)
	v1.GET("/company/addresses", buy, s.listAddresses)
	v1.POST("/company/addresses", manageBook, s.Idempotent, s.createAddress)
	v1.GET("/company/addresses/:address_id", buy, s.getAddress)
	v1.PATCH("/company/addresses/:address_id", manageBook, s.Idempotent, s.updateAddress)
	v1.DELETE("/company/addresses/:address_id", manageBook, s.Idempotent, s.deleteAddress)

	v1.POST("/requisition-lists", buy, s.Idempotent, s.createRequisitionList)
	v1.GET("/requisition-lists", buy, s.listRequisitionLists)
	v1.GET("/requisition-lists/:list_id", buy, s.getRequisitionList)
	v1.PATCH("/requisition-lists/:list_id", buy, s.Idempotent, s.updateRequisitionList)
	v1.DELETE("/requisition-lists/:list_id", buy, s.Idempotent, s.deleteRequisitionList)
	v1.PUT("/requisition-lists/:list_id/lines/:sku", buy, s.Idempotent, s.putRequisitionListLine)
	v1.DELETE("/requisition-lists/:list_id/lines/:sku", buy, s.Idempotent, s.deleteRequisitionListLine)
	v1.POST("/requisition-lists/:list_id/add-to-cart", buy, s.Idempotent, s.addRequisitionListToCart)

	v1.POST("/quotes", buy, s.Idempotent, s.createQuote)
	v1.GET("/quotes", buy, s.listQuotes)
	v1.GET("/quotes/:quote_id", read, s.getQuote)
	v1.POST("/quotes/:quote_id/messages", buy, s.Idempotent, s.postBuyerQuoteMessage)
	v1.POST("/quotes/:quote_id/accept", buy, s.Idempotent, s.acceptQuote)
	v1.POST("/quotes/:quote_id/decline", buy, s.Idempotent, s.declineQuote)
	v1.POST("/quotes/:quote_id/request-changes", buy, s.Idempotent, s.requestQuoteChanges)
	v1.POST("/quotes/:quote_id/withdraw", buy, s.Idempotent, s.withdrawQuote)
	v1.POST("/quotes/:quote_id/retry-order", buy, s.Idempotent, s.retryQuoteOrder)

	decide := Allow(approverRoles...)
	v1.GET("/approvals", decide, s.listApprovals)
	v1.POST("/approvals/:cart_id/approve", decide, s.Idempotent, s.approveCheckout)
	v1.POST("/approvals/:cart_id/reject", decide, s.Idempotent, s.rejectCheckout)

	s.salesQuoteRoutes(v1)
	s.salesCartRoutes(v1)
	s.orderOpsRoutes(v1)
	s.erpOpsRoutes(v1)
	for _, area := range areas {
		area(v1, s)
	}
}

// health answers 200 when Postgres answers.
func (s *Server) health(c *gin.Context) {
	if err := s.pool.Ping(c.Request.Context()); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": "unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
