package erpsandbox

import (
	"net/http"
	"time"
)

// SetSleep replaces how the server waits out added latency, so a test can
// count the latency without waiting it out.
func SetSleep(s *Server, sleep func(*http.Request, time.Duration)) { s.sleep = sleep }
