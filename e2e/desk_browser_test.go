package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/testenv"
)

// newBrowser starts Debian's headless chromium for the test. A machine
// without chromium fails the test: `make test` installs it.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("the desk's browser tests need chromium (make test installs it: apt-get install -y chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-dev-shm-usage", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	require.NoError(t, chromedp.Do(browser), "start chromium")
	return browser
}

// deskUser is one person at the desk: a browser context of their own (own
// cookies), as a second person at another computer would be.
type deskUser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newDeskUser(t *testing.T, browser context.Context, s *testenv.Stack) *deskUser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx), "open a tab") // without a timeout: the tab lives as long as this first call's context
	return &deskUser{t: t, ctx: ctx, base: s.API.URL}
}

// run runs browser actions, failing the test after 30 s.
func (u *deskUser) run(actions ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
	defer cancel()
	require.NoError(u.t, chromedp.Do(ctx, actions...))
}

// visit opens a desk page and waits for its main content.
func (u *deskUser) visit(path string) {
	u.t.Helper()
	u.run(chromedp.Navigate(u.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// signIn signs in with the token and waits for the signed-in header.
func (u *deskUser) signIn(token string) {
	u.t.Helper()
	u.visit("/desk/sign-in")
	u.run(chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("who")))
}

// text is the text of the first element sel matches, "" when none does.
func (u *deskUser) text(sel string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.trim()`, sel)))
	require.NoError(u.t, err)
	return s
}

// value is the value of the first form field sel matches.
func (u *deskUser) value(sel string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).value`, sel)))
	require.NoError(u.t, err)
	return v
}

// attr is the attribute name of the first element sel matches.
func (u *deskUser) attr(sel, name string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
	defer cancel()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	require.NoError(u.t, err)
	require.True(u.t, a.Exists, "%s has no %s", sel, name)
	return a.Value
}

// awaitText waits until sel's text contains want (after a click's page load),
// failing with the last text seen.
func (u *deskUser) awaitText(sel, want string) {
	u.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		if last = u.text(sel); strings.Contains(last, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	u.t.Fatalf("%s never said %q; last: %q", sel, want, last)
}

// act fills fields (selector → value), clicks the button and waits for the
// flash message after the action.
func (u *deskUser) act(button string, flash string, fields ...string) {
	u.t.Helper()
	var actions []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		actions = append(actions, chromedp.SetValue(chromedp.CSS(fields[i]), fields[i+1]))
	}
	// Mark the page, so the flash waited for is the next page's.
	actions = append(actions, markOld(), chromedp.Click(chromedp.CSS(button)))
	u.run(actions...)
	u.awaitText("body:not([data-old]) #flash", flash)
}

// screenshot saves the page into docs/images/desk-<name>.png when
// UPDATE_SCREENSHOTS=1 (so `make test` leaves the tree alone).
func (u *deskUser) screenshot(name string) {
	u.t.Helper()
	if os.Getenv("UPDATE_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(100))
	require.NoError(u.t, err)
	root, err := testenv.RepoRoot()
	require.NoError(u.t, err)
	require.NoError(u.t, os.WriteFile(filepath.Join(root, "docs", "images", "desk-"+name+".png"), png, 0o644))
}

// markOld marks the page in the browser, so that what is waited for next is
// on the page that a click loads, not on this one.
func markOld() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](`document.body.dataset.old = "1"`)(ctx, t)
		return err
	})
}
