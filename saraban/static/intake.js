// Paper in: the queue's progress without a reload, and the receipt stamp's place on the
// scan moved by a click or the arrow keys.
(function () {
  "use strict";
  var queue = document.getElementById("intake-queue");
  if (queue) {
    var poll = function () {
      fetch(queue.dataset.status, {credentials: "same-origin"}).then(function (r) {
        return r.json();
      }).then(function (data) {
        var pending = false;
        data.items.forEach(function (item) {
          var row = queue.querySelector("tr[data-id='" + item.id + "'] .status");
          if (!row) { return; }
          if (item.status === "ocr_pending") {
            pending = true;
            if (item.pages) { row.textContent = row.textContent.split(" ")[0] + " " + item.pages_read + "/" + item.pages; }
          } else if (item.status === "ready") { row.textContent = "พร้อมลงรับ"; }
        });
        if (pending) { setTimeout(poll, 2000); }
      }).catch(function () { setTimeout(poll, 5000); });
    };
    if (queue.querySelector(".status")) { setTimeout(poll, 2000); }
  }
  var scan = document.getElementById("scan");
  var mark = document.getElementById("stamp-mark");
  if (!scan || !mark) { return; }
  // each field's box where it was read (placed here: the page's CSP allows no inline style)
  scan.querySelectorAll(".read-box[data-box]").forEach(function (box) {
    var b = box.dataset.box.split(",").map(parseFloat);
    box.style.left = (b[0] * 100) + "%"; box.style.top = (b[1] * 100) + "%";
    box.style.width = ((b[2] - b[0]) * 100) + "%"; box.style.height = ((b[3] - b[1]) * 100) + "%";
  });
  // the field being typed shows where on the page it was read
  document.querySelectorAll("#intake-form [data-field]").forEach(function (holder) {
    var name = holder.dataset.field, box = scan.querySelector(".read-box[data-field='" + name + "']");
    if (!box) { return; }
    holder.addEventListener("focusin", function () { box.classList.add("active"); });
    holder.addEventListener("focusout", function () { box.classList.remove("active"); });
  });
  var x = document.getElementById("stamp_x"), y = document.getElementById("stamp_y");
  var place = JSON.parse(scan.dataset.place || "[]");
  var show = function (px, py) {
    px = Math.max(0, Math.min(0.95, px)); py = Math.max(0, Math.min(0.95, py));
    x.value = px.toFixed(4); y.value = py.toFixed(4);
    mark.style.left = (px * 100) + "%"; mark.style.top = (py * 100) + "%";
    mark.hidden = false;
  };
  if (place.length === 2) { show(place[0], place[1]); }
  scan.querySelector("img").addEventListener("click", function (event) {
    var box = event.target.getBoundingClientRect();
    show((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
  });
  mark.addEventListener("keydown", function (event) {
    var step = event.shiftKey ? 0.05 : 0.01, px = parseFloat(x.value || 0.6), py = parseFloat(y.value || 0.05);
    var moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]};
    if (moves[event.key]) { event.preventDefault(); show(px + moves[event.key][0], py + moves[event.key][1]); }
  });
}());
