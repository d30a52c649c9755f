// Package commerce holds Orderflow's business rules as pure functions: money
// arithmetic, cart validation, order totals and the state machines of carts and
// checkouts. It imports nothing of Temporal, Postgres or Gin, so workflows,
// activities and the API share one truth, and it is tested with plain table tests.
package commerce
