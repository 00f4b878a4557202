// The menu's counts of what waits (inbox, proposals, drafts), kept current without a reload:
// asked again every minute, and when the tab is shown again.
(function () {
  "use strict";
  var url = document.body.dataset.counts;
  var badges = document.querySelectorAll(".mainnav [data-count]");
  if (!url || !badges.length) { return; }
  var thai = document.documentElement.lang === "th";
  var digits = function (n) {
    var text = n > 99 ? "99+" : String(n);
    return thai ? text.replace(/[0-9]/g, function (d) { return "๐๑๒๓๔๕๖๗๘๙"[d]; }) : text;
  };
  var refresh = function () {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (counts) {
        if (!counts) { return; }
        badges.forEach(function (badge) {
          var n = counts[badge.dataset.count] || 0;
          badge.textContent = digits(n);
          badge.hidden = n === 0;
        });
      }).catch(function () { /* offline: the counts stay as they were */ });
  };
  setInterval(refresh, 60000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); }
  });
}());
