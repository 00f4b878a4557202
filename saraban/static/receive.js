// The receipt form fills in what letters already received from the same sender tell:
// a number such as "กค ๐๔๐๘/ว๑๒" brings its sender, a sender brings his number's prefix.
// The form works the same without this script.
(function () {
  "use strict";
  var form = document.querySelector("form.receive[data-suggest]");
  if (!form) { return; }
  var number = form.querySelector("#number");
  var sender = form.querySelector("#sender");
  var addressee = form.querySelector("#addressee");
  var note = document.createElement("small");
  note.className = "hint suggested";
  note.setAttribute("aria-live", "polite");
  sender.parentNode.appendChild(note);

  function ask(params, done) {
    var request = new XMLHttpRequest();
    request.open("GET", form.getAttribute("data-suggest") + "?" + params);
    request.responseType = "json";
    request.onload = function () {
      if (request.status === 200 && request.response) { done(request.response); }
    };
    request.send();
  }

  number.addEventListener("change", function () {
    if (sender.value.trim() || number.value.indexOf("/") < 0) { return; }
    ask("number=" + encodeURIComponent(number.value), function (found) {
      if (found.sender && !sender.value.trim()) {
        sender.value = found.sender;
        note.textContent = "เติมผู้ส่งจากหนังสือฉบับก่อนที่ใช้เลขนี้ โปรดตรวจสอบ";
      }
      if (found.addressee && addressee && !addressee.value.trim()) {
        addressee.value = found.addressee;
      }
    });
  });

  sender.addEventListener("change", function () {
    if (number.value.trim() || !sender.value.trim()) { return; }
    ask("sender=" + encodeURIComponent(sender.value), function (found) {
      if (found.number_prefix && !number.value.trim()) {
        number.value = found.number_prefix;
        note.textContent = "เติมเลขที่หนังสือตามรูปแบบของผู้ส่งนี้ พิมพ์เลขต่อท้าย";
      }
    });
  });
})();
