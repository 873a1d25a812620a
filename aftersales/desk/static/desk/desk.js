// The service desk: live countdowns and keyboard shortcuts. No framework; HTMX does the rest.
(function () {
  "use strict";

  function phrases() {
    var node = document.getElementById("countdown-phrases");
    return node ? JSON.parse(node.textContent) : null;
  }

  // The rule of aftersales/desk/words.py time_left: minutes below an hour,
  // hours below two days, else days, rounded down.
  function timeLeft(seconds, p) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var amount;
    if (minutes < 60) amount = p.min.replace("%(n)d", minutes);
    else if (minutes < 48 * 60) amount = p.h.replace("%(n)d", Math.floor(minutes / 60));
    else amount = p.d.replace("%(n)d", Math.floor(minutes / 1440));
    return (seconds < 0 ? p.overdue : p.in).replace("%(amount)s", amount);
  }

  function tick() {
    var p = phrases();
    if (!p) return;
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (node) {
      var due = Date.parse(node.getAttribute("data-due"));
      if (isNaN(due)) return;
      var seconds = (due - now) / 1000;
      node.textContent = timeLeft(seconds, p);
      node.classList.toggle("late", seconds < 0);
    });
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function moveInQueue(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll(".queue-link"));
    if (!links.length) return;
    var index = links.indexOf(document.activeElement);
    var next = index < 0 ? 0 : Math.min(links.length - 1, Math.max(0, index + step));
    links[next].focus();
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (field) {
      field.scrollIntoView({ block: "center" });
      field.focus();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var handled = true;
    switch (event.key) {
      case "j": moveInQueue(1); break;
      case "k": moveInQueue(-1); break;
      case "r": focusField("reply-body"); break;
      case "n": focusField("note-body"); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 30000);
})();
