package commerce

import "time"

// IdempotencyKeyTTL is how long an Idempotency-Key answers the retries of its
// request: 24 hours after the first, a request with the key is a new one, and
// the expired key is deleted.
const IdempotencyKeyTTL = 24 * time.Hour
