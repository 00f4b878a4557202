// Search as you type on the documents page: after a short pause the results below the
// form are replaced by those of the words typed so far, and the address follows, so
// "back" and a shared link show the same. Without this script the form works as usual.
(function () {
  "use strict";
  var form = document.querySelector("form.filter.search");
  var box = form && form.querySelector("#q");
  var results = document.getElementById("results");
  if (!box || !results || !window.fetch || !window.DOMParser) { return; }
  var timer = null;
  var latest = 0;
  function run() {
    var words = box.value.trim();
    if (words.length === 1) { return; }  // one letter finds everything: wait for more
    var params = new URLSearchParams(new FormData(form));
    params.delete("page");
    var url = form.getAttribute("action") || window.location.pathname;
    url = url.split("?")[0] + "?" + params.toString();
    var mine = ++latest;
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || mine !== latest) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("results");
        if (!fresh) { return; }
        results.innerHTML = fresh.innerHTML;
        window.history.replaceState(null, "", url);
      })
      .catch(function () { /* the button still works */ });
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 350);
  });
}());
