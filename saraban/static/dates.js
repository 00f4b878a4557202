// Shows under a date field how the typed date reads ("วันอังคารที่ ๒๖ พฤศจิกายน ๒๕๖๒"),
// or why it cannot be read, as the clerk types. The server reads it with the same rules
// the form uses. Forms work the same without this script.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-date-check");
  if (!url) { return; }
  var fields = document.querySelectorAll("input[data-thai-date], input[name*='date']");
  Array.prototype.forEach.call(fields, function (field) {
    if (field.type === "hidden" || field.type === "date") { return; }
    var note = document.createElement("small");
    note.className = "hint date-read";
    note.id = field.id ? field.id + "-read" : "";
    note.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", note);
    if (note.id) {
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
    }
    var timer = null;
    var asked = 0;
    function check() {
      var value = field.value.trim();
      if (!value) { note.textContent = ""; note.classList.remove("bad"); return; }
      var mine = ++asked;
      var request = new XMLHttpRequest();
      request.open("GET", url + "?value=" + encodeURIComponent(value));
      request.responseType = "json";
      request.onload = function () {
        if (mine !== asked || request.status !== 200 || !request.response) { return; }
        note.textContent = request.response.text;
        note.classList.toggle("bad", !request.response.ok);
      };
      request.send();
    }
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });
    if (field.value) { check(); }
  });
}());
