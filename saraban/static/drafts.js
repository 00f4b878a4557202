// The dispatch form: each destination shows only the fields its channel needs.
(function () {
  "use strict";
  var NEEDS = {
    transfer: ["unit_id"], exchange: ["peer"], ecms: ["organization"], email: ["email"],
    post_registered: ["name", "address", "tracking"], post_ems: ["name", "address", "tracking"],
    hand: ["name", "address"]
  };
  function update(fieldset) {
    var select = fieldset.querySelector("select[name$='-channel']");
    if (!select) { return; }
    var needs = NEEDS[select.value] || [];
    fieldset.querySelectorAll("[name]").forEach(function (input) {
      var key = input.name.replace(/^d\d+-/, "");
      if (key === "channel") { return; }
      var holder = input.closest("p.field");
      if (holder) { holder.classList.toggle("hidden-by-channel", needs.indexOf(key) < 0); }
    });
  }
  document.querySelectorAll("fieldset.destination").forEach(function (fieldset) {
    update(fieldset);
    fieldset.addEventListener("change", function (event) {
      if (event.target.name && /-channel$/.test(event.target.name)) { update(fieldset); }
    });
  });
}());
