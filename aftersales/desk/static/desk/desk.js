// The service desk: live countdowns, keyboard shortcuts and presence. No framework; HTMX does the rest.
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

  // A key typed into a field is text, never a shortcut.
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function queueLinks() {
    return Array.prototype.slice.call(document.querySelectorAll(".queue-link"));
  }

  function moveInQueue(step) {
    var links = queueLinks();
    if (!links.length) return;
    var index = links.indexOf(document.activeElement);
    var next = index < 0 ? 0 : Math.min(links.length - 1, Math.max(0, index + step));
    links[next].focus();
  }

  function tickCurrentRow() {
    var row = document.activeElement && document.activeElement.closest("tr");
    var box = row && row.querySelector("input[type=checkbox][name=complaint]");
    if (box) box.checked = !box.checked;
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (field) {
      field.scrollIntoView({ block: "center" });
      field.focus();
    }
    return field;
  }

  function escalate() {
    // Enter in the reason then takes the escalate step rather than the form's first button.
    if (!document.getElementById("move-escalate")) return;
    var reason = focusField("transition-reason");
    if (reason) reason.setAttribute("data-enter-clicks", "move-escalate");
  }

  function openHelp() {
    var dialog = document.getElementById("keys-help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  function goToQueue() {
    var back = document.querySelector("a[href$='/desk/']");
    if (back && document.getElementById("complaint")) window.location.href = back.getAttribute("href");
  }

  var KEYS = {
    j: function () { moveInQueue(1); },
    k: function () { moveInQueue(-1); },
    x: tickCurrentRow,
    b: function () { focusField("bulk-reason"); },
    r: function () { focusField("reply-body"); },
    m: function () { focusField("macro-select"); },
    n: function () { focusField("note-body"); },
    e: escalate,
    c: function () { focusField("category-select"); },
    u: goToQueue,
    "?": openHelp,
  };

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target && target.getAttribute && target.getAttribute("data-enter-clicks")) {
      var button = document.getElementById(target.getAttribute("data-enter-clicks"));
      if (button) {
        event.preventDefault();
        target.removeAttribute("data-enter-clicks");
        button.click();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(target)) return;
    var dialog = document.getElementById("keys-help");
    if (dialog && dialog.open) return;
    var run = KEYS[event.key];
    if (!run) return;
    event.preventDefault();
    run();
  });

  document.addEventListener("click", function (event) {
    if (event.target && event.target.closest && event.target.closest("#keys-open")) openHelp();
  });

  // Presence: the page says whether a reply is being written; the poll (HTMX) sends it.
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "reply-body") {
      var flag = document.getElementById("presence-replying");
      if (flag) flag.value = event.target.value.trim() ? "1" : "0";
    }
  });
  window.addEventListener("pagehide", function () {
    var flag = document.getElementById("presence-replying");
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!flag || !token || !navigator.sendBeacon) return;
    var body = new FormData();
    body.append("replying", "leave");
    body.append("csrfmiddlewaretoken", token.value);
    navigator.sendBeacon(flag.getAttribute("data-presence-url"), body);
  });

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 30000);
})();
