package api

// Fingerprint is fingerprint, for tests that leave a claim as a dead request
// would.
var Fingerprint = fingerprint
