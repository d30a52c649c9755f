// The viewer's time zone, for the server to show times in: a cookie, read on
// the next page (the first page shows UTC).
(function () {
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz) document.cookie = "tz=" + encodeURIComponent(tz) + "; path=/desk/; max-age=31536000; samesite=lax";
  } catch (e) { /* UTC it is */ }
  // A form posts once: a second click while the first is under way does
  // nothing (the Idempotency-Key would make it harmless anyway).
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (f.method.toLowerCase() !== "post") return;
    if (f.dataset.sent) { ev.preventDefault(); return; }
    f.dataset.sent = "1";
  });
})();
